"""Imputation of entries hidden at random: ``AutoencoderImputer`` against
scikit-learn's ``SimpleImputer``, ``KNNImputer`` and ``IterativeImputer``.

Per table, rate and seed, that share of the entries is hidden at random
(missing completely at random); every imputer gets the same gapped table,
standardised by ``StandardScaler`` (which leaves gaps out of its means and
deviations, as a user's Pipeline would do before a distance-based imputer),
and is scored by the root mean squared error of its imputations of the
hidden entries, in standard deviations of their columns (the scaler's).
Defaults everywhere: ``AutoencoderImputer()``, ``SimpleImputer()`` (column
means), ``KNNImputer()`` (5 neighbours), ``IterativeImputer(max_iter=10)``
(Bayesian ridge, a column at a time). Tables: scikit-learn's bundled breast
cancer, wine, diabetes and digits (as a 64-column table), and a generated
nonlinear table of 2,000 rows (benchmarks/_data.py). The issue's targets:
better than SimpleImputer everywhere, within 5% of the best of the others.

Writes results/impute.json and impute.md.

    python benchmarks/bench_impute.py [--seeds 3] [--rates 0.1 0.2 0.4]
"""

import argparse
import statistics
import time
import warnings

import numpy as np
from _data import generated_table
from _harness import describe, metadata, write_results
from sklearn.datasets import load_breast_cancer, load_diabetes, load_digits, load_wine
from sklearn.exceptions import ConvergenceWarning
from sklearn.experimental import enable_iterative_imputer  # noqa: F401
from sklearn.impute import IterativeImputer, KNNImputer, SimpleImputer
from sklearn.preprocessing import StandardScaler

from skae import AutoencoderImputer

TABLES = {
    "breast-cancer": lambda: load_breast_cancer().data,
    "wine": lambda: load_wine().data,
    "diabetes": lambda: load_diabetes().data,
    "digits": lambda: load_digits().data,
    "table-2000": lambda: generated_table(2000),
}
IMPUTERS = {
    "AutoencoderImputer": lambda seed: AutoencoderImputer(random_state=seed),
    "SimpleImputer": lambda seed: SimpleImputer(),
    "KNNImputer": lambda seed: KNNImputer(),
    "IterativeImputer": lambda seed: IterativeImputer(max_iter=10, random_state=seed),
}


def one_run(X, rate, seed):
    """``{imputer: (rmse, seconds)}`` on X with ``rate`` of its entries hidden."""
    hidden = np.random.default_rng(seed).random(X.shape) < rate
    gapped = StandardScaler().fit_transform(np.where(hidden, np.nan, X))
    truth = StandardScaler().fit(np.where(hidden, np.nan, X)).transform(X)
    figures = {}
    for name, make in IMPUTERS.items():
        with warnings.catch_warnings():
            # IterativeImputer warns when its 10 rounds end unsettled: its own
            # default budget, measured as it is.
            warnings.simplefilter("ignore", ConvergenceWarning)
            start = time.perf_counter()
            imputed = make(seed).fit_transform(gapped)
            seconds = time.perf_counter() - start
        figures[name] = (float(np.sqrt(np.mean((imputed[hidden] - truth[hidden]) ** 2))),
                         seconds)
    return figures


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tables", nargs="+", default=list(TABLES), choices=list(TABLES))
    parser.add_argument("--rates", type=float, nargs="+", default=[0.1, 0.2, 0.4])
    parser.add_argument("--seeds", type=int, default=3)
    args = parser.parse_args()
    rows = []
    for table in args.tables:
        X = TABLES[table]().astype(np.float64)
        for rate in args.rates:
            runs = [one_run(X, rate, seed) for seed in range(args.seeds)]
            row = {"table": table, "shape": list(X.shape), "rate": rate}
            for name in IMPUTERS:
                row[f"{name}_rmse"] = statistics.fmean(r[name][0] for r in runs)
                row[f"{name}_seconds"] = statistics.fmean(r[name][1] for r in runs)
            others = min(row[f"{n}_rmse"] for n in ("KNNImputer", "IterativeImputer"))
            row["beats_simple"] = row["AutoencoderImputer_rmse"] < row["SimpleImputer_rmse"]
            row["within_5pct_of_best_other"] = row["AutoencoderImputer_rmse"] <= 1.05 * others
            rows.append(row)
            print(row, flush=True)

    meta = metadata(seeds=args.seeds, rates=args.rates)
    lines = [f"Imputation of entries hidden at random ({describe(meta)}); RMSE in standard "
             f"deviations on the hidden entries, mean of {args.seeds} seeds, fit_transform "
             "seconds in brackets. Written by benchmarks/bench_impute.py.", "",
             "| table | hidden | " + " | ".join(IMPUTERS) + " | beats Simple | within 5% "
             "of the best other |",
             "| --- | --- | " + " | ".join("---" for _ in IMPUTERS) + " | --- | --- |"]
    for r in rows:
        best = min(r[f"{n}_rmse"] for n in IMPUTERS)
        cells = [(f"**{r[f'{n}_rmse']:.3f}**" if r[f"{n}_rmse"] == best
                  else f"{r[f'{n}_rmse']:.3f}") + f" ({r[f'{n}_seconds']:.2f})"
                 for n in IMPUTERS]
        lines.append(f"| {r['table']} {r['shape'][0]}x{r['shape'][1]} | {r['rate']:.0%} | "
                     + " | ".join(cells) + f" | {'yes' if r['beats_simple'] else 'no'} | "
                     f"{'yes' if r['within_5pct_of_best_other'] else 'no'} |")
    write_results("impute", meta, rows, lines)


if __name__ == "__main__":
    main()
