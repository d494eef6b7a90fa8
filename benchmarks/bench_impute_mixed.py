"""Imputation of hidden entries in mixed tables (numeric and categorical
columns): ``AutoencoderImputer()`` on the DataFrame as it is against
``SimpleImputer`` (column mean, most frequent level), ``KNNImputer`` and
``IterativeImputer`` on the table encoded by hand.

Tables: a generated one (2,000 rows: 10 numeric columns and 4 categorical
ones of 3 to 6 levels, all driven by 3 hidden factors) and scikit-learn's
diabetes table with ``sex`` as a category column and the target cut into its
quartiles as a second one (benchmarks/_data.py). Per table, rate and seed,
that share of the entries is hidden at random; every imputer gets the same
gapped table. Scored on the hidden entries: RMSE of the numeric ones in
standard deviations of their columns, accuracy of the categorical ones.

The hand encoding, for KNNImputer and IterativeImputer: each numeric column
standardised by its observed mean and deviation, each categorical column
one-hot over its levels with a gap missing over all of them; an imputed
categorical entry is the level of its largest imputed one-hot column. For
IterativeImputer the first level has no column (its score is one minus the
others'): with all of them, each level is a linear function of the others,
and the rounds never leave the starting means (every gap got one level).
Defaults everywhere (``IterativeImputer(max_iter=10)``). The issue's
targets: better than SimpleImputer on both kinds of column, within 5% of
the best of the others on the numeric ones.

Writes results/impute_mixed.json and impute_mixed.md.

    python benchmarks/bench_impute_mixed.py [--seeds 3] [--rates 0.1 0.2 0.4]
"""

import argparse
import statistics
import time
import warnings

import numpy as np
import pandas as pd
from _data import diabetes_mixed, generated_mixed
from _harness import describe, metadata, write_results
from sklearn.exceptions import ConvergenceWarning
from sklearn.experimental import enable_iterative_imputer  # noqa: F401
from sklearn.impute import IterativeImputer, KNNImputer, SimpleImputer

from skae import AutoencoderImputer

TABLES = {"generated-mixed": lambda: generated_mixed(gap_rate=0.0),
          "diabetes": diabetes_mixed}


def is_categorical(column):
    return isinstance(column.dtype, pd.CategoricalDtype)


def by_hand(make, drop_first=False):
    """An imputer of a gapped frame through the hand encoding; with
    ``drop_first``, a categorical column's first level has no column of its
    own (its score is one minus the others'), as a regression needs."""
    def impute(frame):
        blocks, spans = [], []
        for name in frame.columns:
            column = frame[name]
            if is_categorical(column):
                levels = list(column.cat.categories)
                block = np.stack([(column == level).to_numpy(dtype=float) for level in levels],
                                 axis=1)
                block[column.isna().to_numpy()] = np.nan
                block = block[:, 1:] if drop_first else block
                spans.append((name, levels, None))
            else:
                values = column.to_numpy(dtype=float)
                mean, sd = np.nanmean(values), np.nanstd(values)
                block = ((values - mean) / sd)[:, None]
                spans.append((name, None, (mean, sd)))
            blocks.append(block)
        widths = [b.shape[1] for b in blocks]
        imputed = make().fit_transform(np.hstack(blocks))
        out, start = {}, 0
        for (name, levels, moments), width in zip(spans, widths):
            part = imputed[:, start:start + width]
            if levels is not None:
                if drop_first:
                    part = np.hstack([1 - part.sum(axis=1, keepdims=True), part])
                out[name] = pd.Categorical(np.asarray(levels, dtype=object)[part.argmax(1)],
                                           categories=levels)
            else:
                out[name] = part[:, 0] * moments[1] + moments[0]
            start += width
        return pd.DataFrame(out, index=frame.index)
    return impute


def simple(frame):
    out = frame.copy()
    for name in frame.columns:
        strategy = "most_frequent" if is_categorical(frame[name]) else "mean"
        values = frame[[name]].astype(object if strategy == "most_frequent" else float)
        filled = SimpleImputer(strategy=strategy).fit_transform(values)[:, 0]
        out[name] = pd.Categorical(filled, categories=frame[name].cat.categories) if (
            strategy == "most_frequent") else filled
    return out


def imputers(seed):
    autoencoder = AutoencoderImputer(random_state=seed).set_output(transform="pandas")
    return {
        "AutoencoderImputer": autoencoder.fit_transform,
        "SimpleImputer": simple,
        "KNNImputer": by_hand(KNNImputer),
        "IterativeImputer": by_hand(lambda: IterativeImputer(max_iter=10, random_state=seed),
                                    drop_first=True),
    }


def one_run(frame, rate, seed):
    """``{imputer: (rmse, accuracy, seconds)}`` on ``frame`` with ``rate`` of
    its entries hidden."""
    hidden = np.random.default_rng(seed).random(frame.shape) < rate
    gapped = frame.copy()
    for j, name in enumerate(frame.columns):
        gapped.loc[hidden[:, j], name] = np.nan
    figures = {}
    for name, impute in imputers(seed).items():
        with warnings.catch_warnings():
            # IterativeImputer warns when its 10 rounds end unsettled: its own
            # default budget, measured as it is.
            warnings.simplefilter("ignore", ConvergenceWarning)
            start = time.perf_counter()
            imputed = impute(gapped)
            seconds = time.perf_counter() - start
        squares, right = [], []
        for j, column in enumerate(frame.columns):
            rows = hidden[:, j]
            truth, guess = frame[column][rows], imputed[column][rows]
            if is_categorical(frame[column]):
                right.append((guess.astype(str).to_numpy() == truth.astype(str).to_numpy()))
            else:
                sd = gapped[column].std(ddof=0)
                squares.append(((guess.to_numpy(float) - truth.to_numpy(float)) / sd) ** 2)
        figures[name] = (float(np.sqrt(np.mean(np.concatenate(squares)))),
                         float(np.mean(np.concatenate(right))), seconds)
    return figures


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tables", nargs="+", default=list(TABLES), choices=list(TABLES))
    parser.add_argument("--rates", type=float, nargs="+", default=[0.1, 0.2, 0.4])
    parser.add_argument("--seeds", type=int, default=3)
    args = parser.parse_args()
    names = list(imputers(0))
    rows = []
    for table in args.tables:
        frame = TABLES[table]()
        for rate in args.rates:
            runs = [one_run(frame, rate, seed) for seed in range(args.seeds)]
            row = {"table": table, "shape": list(frame.shape), "rate": rate}
            for name in names:
                for i, key in enumerate(("rmse", "accuracy", "seconds")):
                    row[f"{name}_{key}"] = statistics.fmean(r[name][i] for r in runs)
            ae = "AutoencoderImputer"
            others = min(row[f"{n}_rmse"] for n in ("KNNImputer", "IterativeImputer"))
            row["beats_simple"] = (row[f"{ae}_rmse"] < row["SimpleImputer_rmse"]
                                   and row[f"{ae}_accuracy"] > row["SimpleImputer_accuracy"])
            row["within_5pct_of_best_other"] = row[f"{ae}_rmse"] <= 1.05 * others
            rows.append(row)
            print(row, flush=True)

    meta = metadata(seeds=args.seeds, rates=args.rates)
    lines = [f"Imputation of entries hidden at random in mixed tables ({describe(meta)}); "
             "per imputer: RMSE of the numeric entries in standard deviations / accuracy of "
             f"the categorical ones, fit_transform seconds in brackets; mean of {args.seeds} "
             "seeds. Written by benchmarks/bench_impute_mixed.py.", "",
             "| table | hidden | " + " | ".join(names) + " | beats Simple on both | "
             "RMSE within 5% of the best other |",
             "| --- | --- | " + " | ".join("---" for _ in names) + " | --- | --- |"]
    for r in rows:
        best_rmse = min(r[f"{n}_rmse"] for n in names)
        best_accuracy = max(r[f"{n}_accuracy"] for n in names)

        def cell(n, r=r, best_rmse=best_rmse, best_accuracy=best_accuracy):
            rmse, accuracy = r[f"{n}_rmse"], r[f"{n}_accuracy"]
            rmse = f"**{rmse:.3f}**" if rmse == best_rmse else f"{rmse:.3f}"
            accuracy = (f"**{accuracy:.1%}**" if accuracy == best_accuracy
                        else f"{accuracy:.1%}")
            return f"{rmse} / {accuracy} ({r[f'{n}_seconds']:.2f})"
        lines.append(f"| {r['table']} {r['shape'][0]}x{r['shape'][1]} | {r['rate']:.0%} | "
                     + " | ".join(cell(n) for n in names)
                     + f" | {'yes' if r['beats_simple'] else 'no'} | "
                     f"{'yes' if r['within_5pct_of_best_other'] else 'no'} |")
    write_results("impute_mixed", meta, rows, lines)


if __name__ == "__main__":
    main()
