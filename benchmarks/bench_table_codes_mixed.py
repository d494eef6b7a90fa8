"""Codes of a mixed table (numeric and categorical columns, with gaps) before a
downstream model: an ``Autoencoder``'s codes of the DataFrame as it is, against
PCA's of the same width and the raw columns, for ``LogisticRegression`` and
``HistGradientBoostingClassifier``.

Tables (benchmarks/_data.py): the generated mixed one (2,000 rows, 5% of the
entries missing), the label its categorical column ``c0`` (3 levels; the rows
without one dropped), the other 13 columns the features; and diabetes with
``sex`` as a category column, the label the target's quartile. Per table,
each pipeline is scored by 5-fold stratified cross-validation (accuracy;
folds shuffled with seed 0):

- raw: for ``LogisticRegression(max_iter=1000)`` the hand encoding (numeric
  columns standardised, categorical ones one-hot) then ``SimpleImputer``; for
  ``HistGradientBoostingClassifier(random_state=0)`` the DataFrame as it is
  (its own ``categorical_features="from_dtype"`` and missing values);
- PCA (k): the hand encoding, ``SimpleImputer``, ``PCA(k)``, then the model;
- autoencoder (k): ``Autoencoder(n_components=k)`` (skae's defaults,
  ``random_state=0``) on the DataFrame as it is, then the model.

k = 4 on both tables. Writes results/table_codes_mixed.json / .md.

    python benchmarks/bench_table_codes_mixed.py
"""

import argparse
import time

from _data import diabetes_mixed, generated_mixed, hand_encoding
from _harness import describe, metadata, write_results
from sklearn.decomposition import PCA
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_score
from sklearn.pipeline import make_pipeline

from skae import Autoencoder


def generated():
    frame = generated_mixed()
    frame = frame[frame["c0"].notna()]  # the rows with a label
    return frame.drop(columns="c0"), frame["c0"].astype(str)


def diabetes():
    frame = diabetes_mixed()
    return frame.drop(columns="target"), frame["target"].astype(str)


TABLES = {"generated-mixed": (generated, 4), "diabetes": (diabetes, 4)}
MODELS = {
    "LogisticRegression": lambda: LogisticRegression(max_iter=1000),
    "HistGradientBoosting": lambda: HistGradientBoostingClassifier(random_state=0),
}


def pipeline(kind, k, model_name, X):
    model = MODELS[model_name]()
    if kind == "raw":
        if model_name == "HistGradientBoosting":
            return model
        return make_pipeline(hand_encoding(X), SimpleImputer(), model)
    if kind == "PCA":
        return make_pipeline(hand_encoding(X), SimpleImputer(), PCA(k, random_state=0), model)
    return make_pipeline(Autoencoder(n_components=k, random_state=0), model)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tables", nargs="+", default=list(TABLES), choices=list(TABLES))
    args = parser.parse_args()
    folds = StratifiedKFold(5, shuffle=True, random_state=0)
    rows = []
    for table in args.tables:
        load, k = TABLES[table]
        X, y = load()
        for kind in ("raw", "PCA", "autoencoder"):
            row = {"table": table, "features": kind if kind == "raw" else f"{kind} ({k})"}
            for name in MODELS:
                start = time.perf_counter()
                scores = cross_val_score(pipeline(kind, k, name, X), X, y, cv=folds)
                row[name] = {"mean": float(scores.mean()), "std": float(scores.std()),
                             "seconds": time.perf_counter() - start}
            rows.append(row)
            print(row, flush=True)
    meta = metadata()
    lines = [f"Codes of a mixed table before a downstream model ({describe(meta)}); accuracy, "
             "mean (standard deviation) over 5 stratified folds, and seconds for the 5 fits. "
             "Written by benchmarks/bench_table_codes_mixed.py.", "",
             "| table | features | " + " | ".join(MODELS) + " |",
             "| --- | --- | " + " | ".join("---" for _ in MODELS) + " |"]
    for r in rows:
        cells = [f"{r[n]['mean']:.3f} ({r[n]['std']:.3f}), {r[n]['seconds']:.1f} s"
                 for n in MODELS]
        lines.append(f"| {r['table']} | {r['features']} | " + " | ".join(cells) + " |")
    write_results("table_codes_mixed", meta, rows, lines)


if __name__ == "__main__":
    main()
