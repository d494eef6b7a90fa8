"""Candidate training defaults of ``VariationalAutoencoder``, by held-out ELBO.

Per data set and seed, 25% of the rows are held out (images in [0, 1]); each
candidate is ``VariationalAutoencoder(n_components=k)`` with skae's defaults
but for the parameters it names, fitted on the rest and scored by its
held-out ELBO (``score``: the mean per-sample ELBO in nats, higher is better;
the Gaussian likelihood of the default ``loss="squared_error"`` with its
learned scale), with the wall time of ``fit``, the epochs it ran and whether
it ended with a ConvergenceWarning. The deterministic autoencoders' defaults
(batch 128, step 3e-3 annealed by a cosine over 150 epochs) were chosen this
way by reconstruction error (bench_targets.py); this is the VAEs' turn.

Writes results/vae_defaults.json and vae_defaults.md (digits; other data sets add
their names: vae_defaults_mnist.*).

    python benchmarks/bench_vae_defaults.py [--datasets digits mnist] [--seeds 3]
"""

import argparse
import statistics
import time
import warnings

from _data import code_width, held_out_split, load_reconstruction_data
from _harness import describe, metadata, write_results
from sklearn.exceptions import ConvergenceWarning

import skae
from skae import VariationalAutoencoder

CANDIDATES = {
    "default (batch 64, 1e-3 constant, 200 epochs)": {},
    "batch 128, 1e-3 constant": dict(batch_size=128),
    "batch 128, 1e-3 cosine, 150 epochs": dict(batch_size=128, learning_rate="cosine",
                                                max_iter=150),
    "batch 128, 2e-3 cosine, 150 epochs": dict(batch_size=128, learning_rate_init=2e-3,
                                                learning_rate="cosine", max_iter=150),
    "batch 128, 3e-3 cosine, 150 epochs": dict(batch_size=128, learning_rate_init=3e-3,
                                                learning_rate="cosine", max_iter=150),
    "early stopping (batch 64, 1e-3 constant, up to 500 epochs)": dict(
        early_stopping=True, max_iter=500),
    "early stopping, batch 128 (1e-3 constant, up to 500 epochs)": dict(
        early_stopping=True, batch_size=128, max_iter=500),
    "early stopping, batch 128, patience 20 (1e-3 constant, up to 500 epochs)": dict(
        early_stopping=True, batch_size=128, max_iter=500, n_iter_no_change=20),
    "early stopping, batch 128, 2e-3, patience 20 (constant, up to 500 epochs)": dict(
        early_stopping=True, batch_size=128, learning_rate_init=2e-3, max_iter=500,
        n_iter_no_change=20),
    "early stopping, batch 64, patience 20 (1e-3 constant, up to 500 epochs)": dict(
        early_stopping=True, max_iter=500, n_iter_no_change=20),
}


def one_fit(X_train, X_test, k, seed, params, estimator=VariationalAutoencoder):
    model = estimator(n_components=k, random_state=seed, **params)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        start = time.perf_counter()
        model.fit(X_train)
        seconds = time.perf_counter() - start
    return {"elbo": float(model.score(X_test)), "seconds": seconds, "epochs": model.n_iter_,
            "warned": any(issubclass(w.category, ConvergenceWarning) for w in caught)}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", nargs="+", default=["digits"])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--image-rows", type=int, default=10000)
    parser.add_argument("--data-home", default=None)
    parser.add_argument("--candidates", nargs="+", default=list(CANDIDATES),
                        choices=list(CANDIDATES))
    parser.add_argument("--tag", default=None, help="a suffix of the result files")
    parser.add_argument("--estimator", default="VariationalAutoencoder",
                        choices=["VariationalAutoencoder", "ConvVariationalAutoencoder"])
    args = parser.parse_args()
    estimator = getattr(skae, args.estimator)
    rows = []
    for name in args.datasets:
        X, is_table = load_reconstruction_data(name, args.data_home, args.image_rows)
        k = code_width(name)
        for label in args.candidates:
            params = CANDIDATES[label]
            fits = [one_fit(*held_out_split(X, is_table, seed), k, seed, params, estimator)
                    for seed in range(args.seeds)]
            row = {"dataset": name, "n_rows": len(X), "candidate": label, "params": params,
                   "fits": fits, "warnings": sum(f["warned"] for f in fits)}
            for key in ("elbo", "seconds", "epochs"):
                row[key] = statistics.fmean(f[key] for f in fits)
            row["elbo_min"] = min(f["elbo"] for f in fits)
            row["elbo_max"] = max(f["elbo"] for f in fits)
            rows.append(row)
            print({key: value for key, value in row.items() if key != "fits"}, flush=True)

    meta = metadata(seeds=args.seeds, image_rows=args.image_rows, estimator=args.estimator)
    lines = [f"Candidate defaults of {args.estimator} ({describe(meta)}); held-out ELBO "
             f"in nats per sample (higher is better), mean [min, max] over {args.seeds} "
             "seeds; fit seconds and epochs, means; ConvergenceWarnings over all seeds. "
             "Written by benchmarks/bench_vae_defaults.py.", "",
             "| data | candidate | held-out ELBO | fit s | epochs | warnings |",
             "| --- | --- | --- | --- | --- | --- |"]
    for r in rows:
        lines.append(f"| {r['dataset']} {r['n_rows']} | {r['candidate']} | {r['elbo']:.2f} "
                     f"[{r['elbo_min']:.2f}, {r['elbo_max']:.2f}] | {r['seconds']:.1f} "
                     f"| {r['epochs']:.0f} | {r['warnings']} |")
    name = "vae_defaults" + ("" if args.datasets == ["digits"]
                             else "_" + "_".join(args.datasets))
    name += "" if args.estimator == "VariationalAutoencoder" else f"_{args.estimator}"
    name += f"_{args.tag}" if args.tag else ""
    write_results(name, meta, rows, lines)


if __name__ == "__main__":
    main()
