"""Codes of a table before a downstream model: an ``Autoencoder``'s codes against
PCA's of the same width and the raw columns, for ``LogisticRegression`` and
``HistGradientBoostingClassifier``.

Per table, each pipeline is scored by 5-fold stratified cross-validation
(accuracy; folds shuffled with seed 0): ``StandardScaler`` then the raw columns,
``PCA(k)`` or ``Autoencoder(n_components=k)`` (skae's defaults, ``random_state=0``)
then the model (``LogisticRegression(max_iter=1000)`` or
``HistGradientBoostingClassifier(random_state=0)``). Widths ``k`` as the other
table benchmarks (benchmarks/_data.py): 5 breast cancer, 4 wine, 10 digits.
With ``--missing 0.2`` a fifth of the entries are hidden first (the same ones
for every pipeline): the raw and PCA pipelines then start with
``SimpleImputer``, the autoencoder takes the gaps itself.

Writes results/table_codes[_missing].json / .md.

    python benchmarks/bench_table_codes.py [--missing 0.2]
"""

import argparse
import time

import numpy as np
from _data import code_width
from _harness import describe, metadata, write_results
from sklearn.datasets import load_breast_cancer, load_digits, load_wine
from sklearn.decomposition import PCA
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skae import Autoencoder

TABLES = {"breast-cancer": load_breast_cancer, "wine": load_wine, "digits": load_digits}
MODELS = {
    "LogisticRegression": lambda: LogisticRegression(max_iter=1000),
    "HistGradientBoosting": lambda: HistGradientBoostingClassifier(random_state=0),
}


def features(kind, k, gaps):
    """The steps before the model: scaling, then the features of ``kind``."""
    steps = [StandardScaler()]
    if gaps and kind != "autoencoder":
        steps.append(SimpleImputer())
    if kind == "PCA":
        steps.append(PCA(k, random_state=0))
    elif kind == "autoencoder":
        steps.append(Autoencoder(n_components=k, random_state=0))
    return steps


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tables", nargs="+", default=list(TABLES), choices=list(TABLES))
    parser.add_argument("--missing", type=float, default=0.0)
    args = parser.parse_args()
    folds = StratifiedKFold(5, shuffle=True, random_state=0)
    rows = []
    for table in args.tables:
        X, y = TABLES[table](return_X_y=True)
        if args.missing:
            X = np.where(np.random.default_rng(0).random(X.shape) < args.missing, np.nan, X)
        k = code_width(table)
        for kind in ("raw", "PCA", "autoencoder"):
            for name, model in MODELS.items():
                pipeline = make_pipeline(*features(kind, k, args.missing > 0), model())
                start = time.perf_counter()
                scores = cross_val_score(pipeline, X, y, cv=folds)
                row = {"table": table, "features": kind, "k": k, "model": name,
                       "accuracy": float(scores.mean()), "std": float(scores.std()),
                       "seconds": time.perf_counter() - start}
                rows.append(row)
                print(row, flush=True)

    meta = metadata(missing=args.missing)
    gaps = f", {args.missing:.0%} of the entries missing" if args.missing else ""
    lines = [f"Codes before a downstream model ({describe(meta)}{gaps}); accuracy, mean "
             "(standard deviation) over 5 stratified folds, and seconds for the 5 fits. "
             "Written by benchmarks/bench_table_codes.py.", "",
             "| table | features | " + " | ".join(MODELS) + " |",
             "| --- | --- | " + " | ".join("---" for _ in MODELS) + " |"]
    for table in args.tables:
        for kind in ("raw", "PCA", "autoencoder"):
            cells = []
            for name in MODELS:
                r = next(r for r in rows if (r["table"], r["features"], r["model"])
                         == (table, kind, name))
                cells.append(f"{r['accuracy']:.3f} ({r['std']:.3f}), {r['seconds']:.1f} s")
            width = "" if kind == "raw" else f" ({r['k']})"
            lines.append(f"| {table} | {kind}{width} | " + " | ".join(cells) + " |")
    write_results("table_codes" + ("_missing" if args.missing else ""), meta, rows, lines)


if __name__ == "__main__":
    main()
