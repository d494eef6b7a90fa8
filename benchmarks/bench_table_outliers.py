"""Outliers in tables: ``AutoencoderOutlierDetector`` against ``IsolationForest``,
``LocalOutlierFactor``, PCA's reconstruction error and, when pyod is installed,
PyOD's ``AutoEncoder`` and ``ECOD``; and whether ``feature_errors`` names the
column that was made wrong.

Novelty detection, per table and seed: every detector is fitted on 70% of the
normal rows (standardised by a ``StandardScaler`` fitted on them) and ranks
the other 30% of the normal rows among anomalies, scored by ROC AUC (the
anomalies positive). Two kinds of anomalies:

- a class left out of training (breast cancer: malignant against benign;
  wine: class 0 against classes 1 and 2; digits as a 64-column table: the 7s
  against the other digits);
- planted: held-out normal rows with one column, drawn at random, set 6
  standard deviations beyond that column's training range (its maximum or
  minimum, either way). ``feature_errors`` then names a column for each
  planted row (the largest error): the top-1 hit rate is the share of
  planted rows where it is the column that was changed. The generated table
  (2,000 rows, benchmarks/_data.py) has planted anomalies only.

The autoencoder is ``Autoencoder(n_components=k)`` with skae's defaults, and PCA
the same width ``k`` (5 breast cancer, 4 wine and the generated table, 10
digits; benchmarks/_data.py's widths). ``IsolationForest`` and
``LocalOutlierFactor(novelty=True)`` with scikit-learn's defaults, PyOD's
models with theirs (``verbose=0``). The issue's target: at least as good as
``IsolationForest`` on half the tables.

Writes results/table_outliers.json and table_outliers.md.

    python benchmarks/bench_table_outliers.py [--seeds 3]
"""

import argparse
import time
import warnings

import numpy as np
from _data import code_width, generated_table
from _harness import describe, metadata, table_rows, write_results
from sklearn.datasets import load_breast_cancer, load_digits, load_wine
from sklearn.decomposition import PCA
from sklearn.ensemble import IsolationForest
from sklearn.metrics import roc_auc_score
from sklearn.neighbors import LocalOutlierFactor
from sklearn.preprocessing import StandardScaler

from skae import Autoencoder, AutoencoderOutlierDetector


def labelled(name):
    """``(X, is_anomaly_class)`` of a table; the generated one has no anomaly class."""
    if name == "breast-cancer":
        data = load_breast_cancer()
        return data.data, data.target == 0  # malignant
    if name == "wine":
        data = load_wine()
        return data.data, data.target == 0
    if name == "digits":
        data = load_digits()
        return data.data, data.target == 7
    return generated_table(2000), np.zeros(2000, dtype=bool)


def pca_error(k, seed):
    class PCAError:
        def fit(self, X):
            self.pca = PCA(k, random_state=seed).fit(X)
            return self

        def score_samples(self, X):
            restored = self.pca.inverse_transform(self.pca.transform(X))
            return -np.mean((restored - X) ** 2, axis=1)
    return PCAError()


def pyod_model(cls_name, seed):
    try:
        from pyod.models.auto_encoder import AutoEncoder
        from pyod.models.ecod import ECOD
    except ImportError:
        return None
    model = (AutoEncoder(random_state=seed, verbose=0) if cls_name == "AutoEncoder"
             else ECOD())

    class Negated:  # PyOD scores: higher is more anomalous
        def fit(self, X):
            model.fit(X)
            return self

        def score_samples(self, X):
            if cls_name == "ECOD":
                # ECOD scores new rows against the ECDFs of the training rows and
                # the rows scored with them: one row at a time, so that the
                # anomalies ranked do not hide each other.
                return -np.array([model.decision_function(row[None])[0] for row in X])
            return -model.decision_function(X)
    return Negated()


def detectors(k, seed):
    found = {
        "skae AutoencoderOutlierDetector": AutoencoderOutlierDetector(
            Autoencoder(n_components=k), random_state=seed),
        "IsolationForest": IsolationForest(random_state=seed),
        "LocalOutlierFactor": LocalOutlierFactor(novelty=True),
        "PCA reconstruction error": pca_error(k, seed),
        "PyOD AutoEncoder": pyod_model("AutoEncoder", seed),
        "PyOD ECOD": pyod_model("ECOD", seed),
    }
    return {name: model for name, model in found.items() if model is not None}


def planted(X_normal_test, low, high, spread, rng):
    """Copies of the rows with one random column 6 spreads beyond its range."""
    rows = X_normal_test.copy()
    columns = rng.integers(0, rows.shape[1], len(rows))
    up = rng.random(len(rows)) < 0.5
    at = np.arange(len(rows))
    rows[at, columns] = np.where(up, high[columns] + 6 * spread[columns],
                                 low[columns] - 6 * spread[columns])
    return rows, columns


def one_run(name, seed):
    X, anomalous = labelled(name)
    rng = np.random.default_rng(seed)
    normal = rng.permutation(np.flatnonzero(~anomalous))
    n_train = int(0.7 * len(normal))
    scaler = StandardScaler().fit(X[normal[:n_train]])
    train, normal_test = scaler.transform(X[normal[:n_train]]), scaler.transform(
        X[normal[n_train:]])
    spread = np.where(train.std(0) > 0, train.std(0), 1.0)
    injected, columns = planted(normal_test, train.min(0), train.max(0), spread, rng)
    sets = {"planted": injected}
    if anomalous.any():
        sets["class"] = scaler.transform(X[anomalous])
    k = code_width(name if name != "generated" else "table-2000")
    figures = {}
    for label, model in detectors(k, seed).items():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # PyOD's and torch's notices
            start = time.perf_counter()
            model.fit(train)
            seconds = time.perf_counter() - start
        figures[label] = {"seconds": seconds}
        for kind, rows in sets.items():
            scores = model.score_samples(np.vstack([normal_test, rows]))
            truth = np.r_[np.zeros(len(normal_test)), np.ones(len(rows))]
            figures[label][f"auc_{kind}"] = roc_auc_score(truth, -scores)
        if isinstance(model, AutoencoderOutlierDetector):
            named = model.feature_errors(injected).argmax(axis=1)
            figures[label]["top1_hit_rate"] = float(np.mean(named == columns))
    return figures


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tables", nargs="+",
                        default=["breast-cancer", "wine", "digits", "generated"])
    parser.add_argument("--seeds", type=int, default=3)
    args = parser.parse_args()
    rows = []
    for name in args.tables:
        rows += table_rows(name, [one_run(name, seed) for seed in range(args.seeds)])

    try:
        import pyod
        pyod_version = pyod.__version__
    except ImportError:
        pyod_version = None
    meta = metadata(seeds=args.seeds, pyod=pyod_version)
    lines = [f"Outliers in tables ({describe(meta)}); ROC AUC of held-out normal rows against "
             f"a left-out class and against planted anomalies (one column 6 standard "
             f"deviations beyond its range), mean of {args.seeds} seeds; fit seconds. "
             "Written by benchmarks/bench_table_outliers.py.", "",
             "| table | detector | AUC, left-out class | AUC, planted | fit s "
             "| planted column named first |",
             "| --- | --- | --- | --- | --- | --- |"]
    for r in rows:
        best = {kind: max(x.get(f"auc_{kind}", -1) for x in rows if x["table"] == r["table"])
                for kind in ("class", "planted")}

        def cell(kind, r=r, best=best):
            value = r.get(f"auc_{kind}")
            if value is None:
                return ""
            return f"**{value:.3f}**" if value == best[kind] else f"{value:.3f}"
        hit = r.get("top1_hit_rate")
        lines.append(f"| {r['table']} | {r['detector']} | {cell('class')} | {cell('planted')} "
                     f"| {r['seconds']:.2f} | {'' if hit is None else f'{hit:.1%}'} |")
    write_results("table_outliers", meta, rows, lines)


if __name__ == "__main__":
    main()
