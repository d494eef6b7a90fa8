"""False positives of contamination="auto" on held-out normal samples.

One class at a time is the outlier class. The detector is fitted on normal
samples only; the figures are the fraction of *held-out* normal samples it
flags (false-positive rate) and the fraction of the outlier class it flags
(true-positive rate), averaged over the outlier classes. Two rules in one run:

- "training scores" (the rule before 2026-11-24): offset = median - 3 * 1.4826 * MAD
  of the scores of the rows the autoencoder was trained on;
- "held-out 20%" (``AutoencoderOutlierDetector(contamination="auto")`` now):
  the autoencoder is fitted on 80% of the rows and the same rule is applied
  to the scores of the other 20%.

Digits: a 75/25 split of the normal digits, every digit in turn, default
``Autoencoder()``. MNIST (``--data-home``): 10,000 normal training images
drawn from the training set, the test set's normal images held out,
``Autoencoder(max_iter=50)``, outlier digits 0, 3, 7 and 9.

Writes benchmarks/results/outlier_threshold.json and .md.

    python benchmarks/bench_outlier_threshold.py [--data-home ../shared/data]
"""

import argparse
import time
import warnings

import numpy as np
from _harness import describe, metadata, write_results
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split

from skae import Autoencoder, AutoencoderOutlierDetector


def training_scores_offset(scores):
    median = np.median(scores)
    return median - 3 * 1.4826 * np.median(np.abs(scores - median))


def evaluate(train, held_out, outliers, autoencoder):
    """(FPR, TPR) of both rules for one outlier class."""
    before = autoencoder.fit(train)
    offset = training_scores_offset(before.score_samples(train))
    rates = {"training scores": ((before.score_samples(held_out) < offset).mean(),
                                 (before.score_samples(outliers) < offset).mean())}
    now = AutoencoderOutlierDetector(autoencoder, random_state=0).fit(train)
    rates["held-out 20%"] = ((now.predict(held_out) == -1).mean(),
                             (now.predict(outliers) == -1).mean())
    return rates


def digits_cases():
    X, y = load_digits(return_X_y=True)
    X = (X / 16).astype(np.float32)
    for digit in range(10):
        train, held_out = train_test_split(X[y != digit], test_size=0.25, random_state=0)
        yield digit, train, held_out, X[y == digit], Autoencoder(random_state=0)


def mnist_cases(data_home):
    from skae.datasets import fetch_mnist

    data = fetch_mnist(data_home=data_home)
    X, y = (data.data / 255).astype(np.float32), data.target.astype(int)
    train, test = np.asarray(data.split) == "train", np.asarray(data.split) == "test"
    rng = np.random.default_rng(0)
    for digit in (0, 3, 7, 9):
        rows = rng.choice(np.flatnonzero(train & (y != digit)), 10000, replace=False)
        yield (digit, X[rows], X[test & (y != digit)], X[test & (y == digit)],
               Autoencoder(max_iter=50, random_state=0))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-home", default=None)
    args = parser.parse_args()
    warnings.simplefilter("ignore", ConvergenceWarning)
    sets = {"digits": digits_cases()}
    if args.data_home:
        sets["mnist (10k subset)"] = mnist_cases(args.data_home)
    rows = []
    for name, cases in sets.items():
        start = time.perf_counter()
        per_rule = {}
        for digit, train, held_out, outliers, autoencoder in cases:
            for rule, rates in evaluate(train, held_out, outliers, autoencoder).items():
                per_rule.setdefault(rule, []).append(rates)
        seconds = time.perf_counter() - start
        for rule, rates in per_rule.items():
            rates = np.array(rates)
            rows.append({"data": name, "rule": rule, "fpr_mean": float(rates[:, 0].mean()),
                         "fpr_max": float(rates[:, 0].max()),
                         "tpr_mean": float(rates[:, 1].mean()), "seconds": seconds})
            print(rows[-1])
    meta = metadata()
    lines = [
        '# contamination="auto": false positives on held-out normal samples',
        "",
        f"{describe(meta)}; "
        "`python benchmarks/bench_outlier_threshold.py --data-home ../shared/data`.",
        "",
        "| data | rule | false-positive rate, held-out normals (mean / worst class) "
        "| true-positive rate, unseen class | run time (s, both rules) |",
        "| --- | --- | --- | --- | --- |",
    ]
    for row in rows:
        lines.append(f"| {row['data']} | {row['rule']} | {row['fpr_mean']:.3f} / "
                     f"{row['fpr_max']:.3f} | {row['tpr_mean']:.3f} | {row['seconds']:.0f} |")
    write_results("outlier_threshold", meta, rows, lines)


if __name__ == "__main__":
    main()
