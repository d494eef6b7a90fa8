"""Tables as they come, unscaled: does an autoencoder need a ``StandardScaler``
first?

Per data set and seed (25% of the rows held out), fits of the same width ``k``:

- ``as given``: ``Autoencoder(scale=False)``, the rows as they come (skae's
  behaviour before ``scale`` existed);
- ``StandardScaler first``: ``make_pipeline(StandardScaler(), Autoencoder(scale=False))``;
- ``default``: ``Autoencoder()`` with its default ``scale="auto"``;
- ``PCA`` of the raw rows and ``PCA`` after ``StandardScaler``, for reference.

Every autoencoder has skae's other defaults and ``random_state=seed``. Figures
on the held-out rows: ``error_sd``, the mean squared error of an entry in its
column's training standard deviations (each column counts once); ``error_raw``,
the squared error summed over all entries over their summed squared deviation
from the training means (the share of raw variance left out: large columns
weigh most); for labelled data, ``accuracy`` of ``LogisticRegression`` trained
on the training rows' codes (standardised); the fit's wall time.

Data: scikit-learn's breast cancer, wine and diabetes (unscaled, and as
``load_diabetes`` scales it by default), a generated 2,000-row table whose 32
columns are put on scales from 0.01 to 1,000, and digits as pixels 0..16 and
scaled to [0, 1].

Writes results/table_scaling.json / .md.

    python benchmarks/bench_table_scaling.py [--seeds 3]
"""

import argparse
import statistics
import time

import numpy as np
from _data import generated_table
from _harness import describe, metadata, write_results
from sklearn.datasets import load_breast_cancer, load_diabetes, load_digits, load_wine
from sklearn.decomposition import PCA
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skae import Autoencoder


def scaled_generated():
    """The generated table with its columns on scales from 0.01 to 1,000."""
    X = generated_table(2000)
    return X * 10 ** np.random.default_rng(1).uniform(-2, 3, X.shape[1]), None


DATA = {
    "breast-cancer": (lambda: load_breast_cancer(return_X_y=True), 5),
    "wine": (lambda: load_wine(return_X_y=True), 4),
    "diabetes (unscaled)": (lambda: (load_diabetes(scaled=False).data, None), 4),
    "diabetes (scaled)": (lambda: (load_diabetes().data, None), 4),
    "generated, scales 0.01-1000": (scaled_generated, 4),
    "digits (0..16)": (lambda: load_digits(return_X_y=True), 10),
    "digits ([0, 1])": (lambda: (load_digits().data / 16, load_digits().target), 10),
}


def fits(k, seed):
    """The fits compared: name -> unfitted transformer."""
    return {
        "as given": Autoencoder(n_components=k, scale=False, random_state=seed),
        "StandardScaler first": make_pipeline(
            StandardScaler(), Autoencoder(n_components=k, scale=False, random_state=seed)),
        "default": Autoencoder(n_components=k, random_state=seed),
        "PCA": PCA(k, random_state=seed),
        "StandardScaler, PCA": make_pipeline(StandardScaler(), PCA(k, random_state=seed)),
    }


def figures(model, X_train, X_test, y_train, y_test):
    start = time.perf_counter()
    model.fit(X_train)
    seconds = time.perf_counter() - start
    R = np.asarray(model.inverse_transform(model.transform(X_test)), dtype=np.float64)
    sd = X_train.std(axis=0)
    sd[sd == 0] = 1.0
    row = {"error_sd": float(np.mean(((X_test - R) / sd) ** 2)),
           "error_raw": float(((X_test - R) ** 2).sum()
                              / ((X_test - X_train.mean(axis=0)) ** 2).sum()),
           "seconds": seconds}
    if y_train is not None:
        classifier = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))
        classifier.fit(model.transform(X_train), y_train)
        row["accuracy"] = float(classifier.score(model.transform(X_test), y_test))
    return row


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--data", nargs="+", default=list(DATA), choices=list(DATA))
    args = parser.parse_args()
    rows = []
    for name in args.data:
        load, k = DATA[name]
        X, y = load()
        runs = []
        for seed in range(args.seeds):
            split = train_test_split(X, *([] if y is None else [y]), test_size=0.25,
                                     random_state=seed)
            X_train, X_test = split[0], split[1]
            y_train, y_test = (split[2], split[3]) if y is not None else (None, None)
            runs.append({label: figures(model, X_train, X_test, y_train, y_test)
                         for label, model in fits(k, seed).items()})
        for label in runs[0]:
            row = {"data": name, "fit": label, "k": k}
            for figure in runs[0][label]:
                values = [r[label][figure] for r in runs]
                row[figure] = statistics.fmean(values)
                row[figure + "_std"] = statistics.pstdev(values)
            rows.append(row)
            print(row, flush=True)

    meta = metadata(seeds=args.seeds)
    lines = [f"Tables as they come ({describe(meta)}); held-out figures, mean over "
             f"{args.seeds} seeds (standard deviation). error in sd: mean squared error "
             "of an entry in its column's standard deviations; raw share: squared error "
             "over squared deviation, raw units. Written by "
             "benchmarks/bench_table_scaling.py.", "",
             "| data | fit | error in sd | raw share | accuracy | seconds |",
             "| --- | --- | --- | --- | --- | --- |"]
    for row in rows:
        accuracy = (f"{row['accuracy']:.3f} ({row['accuracy_std']:.3f})"
                    if "accuracy" in row else "")
        lines.append(
            f"| {row['data']} (k={row['k']}) | {row['fit']} | {row['error_sd']:.3f} "
            f"({row['error_sd_std']:.3f}) | {row['error_raw']:.3f} ({row['error_raw_std']:.3f}) "
            f"| {accuracy} | {row['seconds']:.2f} |")
    write_results("table_scaling", meta, rows, lines)


if __name__ == "__main__":
    main()
