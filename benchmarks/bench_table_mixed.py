"""Outliers in mixed tables (numeric and categorical columns, with gaps): skae's
detector on the DataFrame as it is (``categorical_features="from_dtype"``: a
cross-entropy per categorical column, each column counted once) against the
same detector on the table one-hot encoded and scaled by hand (what a user had to
do before), ``IsolationForest``, ``LocalOutlierFactor`` and PCA's reconstruction
error on that encoding; and whether ``feature_errors`` names the planted column.

Tables: a generated one (2,000 rows: 10 numeric columns and 4 categorical ones of
3 to 6 levels, all driven by 3 hidden factors, 5% of the entries missing), and
scikit-learn's diabetes table with ``sex`` as a category column and the target
cut into 4 levels as a second one. Per seed: fitted on 70% of the rows; the other
30% are ranked among copies of them with one column made wrong, scored by ROC
AUC (the anomalies positive), for two kinds of planted anomaly:

- numeric: one numeric column set 6 standard deviations beyond its training
  range (either way);
- categorical: one categorical column set to its rarest training level other
  than the row's own.

The hand encoding: ``OneHotEncoder(handle_unknown="ignore")`` on the categorical
columns, ``StandardScaler`` on the numeric ones, then ``SimpleImputer`` (for the
models that take no NaN; skae takes NaN itself). The hit rate: the share of
planted rows whose largest per-column error is the planted column (for the hand
encoding, the errors of a column's one-hot columns summed). Autoencoders
``Autoencoder(n_components=k)`` with skae's defaults, PCA the same width.

Writes results/table_mixed.json and table_mixed.md.

    python benchmarks/bench_table_mixed.py [--seeds 3]
"""

import argparse
import time
import warnings

import numpy as np
import pandas as pd
from _data import diabetes_mixed, generated_mixed, hand_encoding
from _harness import describe, metadata, table_rows, write_results
from sklearn.base import BaseEstimator
from sklearn.decomposition import PCA
from sklearn.ensemble import IsolationForest
from sklearn.impute import SimpleImputer
from sklearn.metrics import roc_auc_score
from sklearn.neighbors import LocalOutlierFactor
from sklearn.pipeline import make_pipeline

from skae import Autoencoder, AutoencoderOutlierDetector

TABLES = {"generated-mixed": (generated_mixed, 4), "diabetes": (diabetes_mixed, 4)}


def source_columns(encoder, frame):
    """The frame column of each encoded column."""
    names = list(frame.columns)
    sources = []
    for name in encoder.get_feature_names_out():
        sources.append(names.index(name) if name in names else next(
            j for j, c in enumerate(names) if name.startswith(f"{c}_")))
    return np.array(sources)


class PCAError(BaseEstimator):
    def __init__(self, k=2, seed=0):
        self.k, self.seed = k, seed

    def fit(self, X, y=None):
        self.pca_ = PCA(self.k, random_state=self.seed).fit(X)
        return self

    def score_samples(self, X):
        restored = self.pca_.inverse_transform(self.pca_.transform(X))
        return -np.mean((restored - X) ** 2, axis=1)


def planted(test, train, kind, rng):
    """Copies of the test rows with one column of ``kind`` made wrong, and its index."""
    rows = test.copy()
    names = list(rows.columns)
    categorical = [c for c in names if isinstance(rows[c].dtype, pd.CategoricalDtype)]
    pool = categorical if kind == "categorical" else [c for c in names if c not in categorical]
    chosen = rng.choice(pool, len(rows))
    for i, column in enumerate(chosen):
        if kind == "numeric":
            values = train[column].dropna()
            spread = values.std()
            rows.iloc[i, names.index(column)] = (
                values.max() + 6 * spread if rng.random() < 0.5 else values.min() - 6 * spread)
        else:
            counts = train[column].value_counts()
            own = rows.iloc[i, names.index(column)]
            rarest = [level for level in counts.sort_values(kind="stable").index if level != own]
            rows.iloc[i, names.index(column)] = rarest[0]
    return rows, np.array([names.index(c) for c in chosen])


def one_run(name, seed):
    load, k = TABLES[name]
    frame = load()
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(frame))
    n_train = int(0.7 * len(frame))
    train, test = frame.iloc[order[:n_train]], frame.iloc[order[n_train:]]
    sets = {kind: planted(test, train, kind, rng) for kind in ("numeric", "categorical")}
    encoder = hand_encoding(frame).fit(train)
    sources = source_columns(encoder, frame)
    models = {
        "skae detector, DataFrame as it is": AutoencoderOutlierDetector(
            Autoencoder(n_components=k), random_state=seed),
        "skae detector, one-hot by hand": make_pipeline(
            hand_encoding(frame), AutoencoderOutlierDetector(
                Autoencoder(n_components=k), random_state=seed)),
        "IsolationForest": make_pipeline(hand_encoding(frame), SimpleImputer(),
                                          IsolationForest(random_state=seed)),
        "LocalOutlierFactor": make_pipeline(hand_encoding(frame), SimpleImputer(),
                                             LocalOutlierFactor(novelty=True)),
        "PCA reconstruction error": make_pipeline(hand_encoding(frame), SimpleImputer(),
                                                   PCAError(k, seed)),
    }
    figures = {}
    for label, model in models.items():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            start = time.perf_counter()
            model.fit(train)
            seconds = time.perf_counter() - start
        figures[label] = {"seconds": seconds}
        for kind, (rows, columns) in sets.items():
            scores = model.score_samples(pd.concat([test, rows]))
            truth = np.r_[np.zeros(len(test)), np.ones(len(rows))]
            figures[label][f"auc_{kind}"] = roc_auc_score(truth, -scores)
            if isinstance(model, AutoencoderOutlierDetector):
                named = model.feature_errors(rows).argmax(axis=1)
            elif label.startswith("skae"):
                per_encoded = model[-1].feature_errors(model[0].transform(rows))
                per_column = np.zeros((len(rows), frame.shape[1]))
                np.add.at(per_column.T, sources, per_encoded.T)
                named = per_column.argmax(axis=1)
            else:
                continue
            figures[label][f"hit_{kind}"] = float(np.mean(named == columns))
    return figures


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tables", nargs="+", default=list(TABLES))
    parser.add_argument("--seeds", type=int, default=3)
    args = parser.parse_args()
    rows = []
    for name in args.tables:
        rows += table_rows(name, [one_run(name, seed) for seed in range(args.seeds)])
    meta = metadata(seeds=args.seeds)
    lines = [f"Outliers in mixed tables ({describe(meta)}); ROC AUC of held-out rows against "
             "copies with one numeric column 6 standard deviations beyond its range, or one "
             "categorical column set to its rarest other level; the share of those rows "
             f"whose largest per-column error is the planted column; mean of {args.seeds} "
             "seeds; fit seconds. Written by benchmarks/bench_table_mixed.py.", "",
             "| table | detector | AUC, numeric | AUC, categorical | named, numeric "
             "| named, categorical | fit s |",
             "| --- | --- | --- | --- | --- | --- | --- |"]
    for r in rows:
        best = {kind: max(x[f"auc_{kind}"] for x in rows if x["table"] == r["table"])
                for kind in ("numeric", "categorical")}

        def cell(key, r=r, best=best):
            value = r.get(key)
            if value is None:
                return ""
            if key.startswith("hit"):
                return f"{value:.1%}"
            return f"**{value:.3f}**" if value == best[key[4:]] else f"{value:.3f}"
        lines.append(f"| {r['table']} | {r['detector']} | {cell('auc_numeric')} "
                     f"| {cell('auc_categorical')} | {cell('hit_numeric')} "
                     f"| {cell('hit_categorical')} | {r['seconds']:.2f} |")
    write_results("table_mixed", meta, rows, lines)


if __name__ == "__main__":
    main()
