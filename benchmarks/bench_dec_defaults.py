"""Candidate defaults of DEC's clustering phase: accuracy, epochs, warnings.

Per seed, a default ``Autoencoder(n_components=10)`` is pretrained once on the
images in [0, 1] (scikit-learn's digits divided by 16, or the first
``--n-samples`` MNIST / Fashion-MNIST images); each candidate then runs
``DeepEmbeddedClustering`` (IDEC, its default method, or ``--method dec``) on
that autoencoder, frozen with ``sklearn.frozen.FrozenEstimator``, with skae's
defaults but for the parameters it names ("once an epoch": a target update every
ceil(n_samples / batch_size) batches). Recorded: ``cluster_accuracy`` on all
the images, the epochs of the clustering phase, its seconds, and whether it
ended with a ConvergenceWarning (``max_iter`` reached before fewer than ``tol``
of the samples changed cluster between two target updates).

Writes results/dec_defaults_<dataset>.json and .md.

    python benchmarks/bench_dec_defaults.py --dataset digits --seeds 3
    python benchmarks/bench_dec_defaults.py --dataset mnist --n-samples 10000 --seeds 2 \\
        --data-home ../shared/data
"""

import argparse
import math
import statistics
import time
import warnings

from _data import add_image_data_arguments, images_in_unit_range
from _harness import describe, metadata, write_results
from sklearn.exceptions import ConvergenceWarning
from sklearn.frozen import FrozenEstimator

from skae import Autoencoder, DeepEmbeddedClustering
from skae.metrics import cluster_accuracy

# "epoch": the number of batches in an epoch, filled in per data set.
CANDIDATES = {
    "old default (tol 1e-3, target every 140 batches)": dict(tol=1e-3),
    "new default (tol 1e-2, target every 140 batches)": {},
    "tol 1e-3, target once an epoch": dict(tol=1e-3, update_interval="epoch"),
    "tol 1e-2, target once an epoch": dict(update_interval="epoch"),
    "tol 1e-2, target every 20 batches": dict(update_interval=20),
    "step 1e-4 (ClustPy's), tol 1e-2, target once an epoch, 150 epochs": dict(
        learning_rate_init=1e-4, update_interval="epoch", max_iter=150),
}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_image_data_arguments(parser)
    parser.add_argument("--method", choices=["idec", "dec"], default="idec")
    parser.add_argument("--candidates", nargs="+", choices=list(CANDIDATES),
                        default=list(CANDIDATES))
    args = parser.parse_args()
    X, y = images_in_unit_range(args)

    fits = []
    for seed in range(args.seeds):
        autoencoder = FrozenEstimator(
            Autoencoder(n_components=10, random_state=seed).fit(X))
        for label in args.candidates:
            params = dict(CANDIDATES[label])
            if params.get("update_interval") == "epoch":
                batch_size = params.get("batch_size", DeepEmbeddedClustering().batch_size)
                params["update_interval"] = math.ceil(len(X) / batch_size)
            dec = DeepEmbeddedClustering(10, autoencoder, method=args.method,
                                         random_state=seed, **params)
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                start = time.perf_counter()
                labels = dec.fit_predict(X)
                seconds = time.perf_counter() - start
            fit = {"candidate": label, "seed": seed, "seconds": seconds,
                   "epochs": dec.n_iter_, "accuracy": cluster_accuracy(y, labels),
                   "warned": any(issubclass(w.category, ConvergenceWarning) for w in caught)}
            fits.append(fit)
            print(fit, flush=True)

    rows = []
    for label in args.candidates:
        mine = [f for f in fits if f["candidate"] == label]
        rows.append({"candidate": label, "params": CANDIDATES[label], "fits": mine,
                     "warnings": sum(f["warned"] for f in mine),
                     **{key: statistics.fmean(f[key] for f in mine)
                        for key in ("accuracy", "seconds", "epochs")},
                     "accuracy_min": min(f["accuracy"] for f in mine),
                     "accuracy_max": max(f["accuracy"] for f in mine)})
    meta = metadata(dataset=args.dataset, n_samples=len(X), seeds=args.seeds,
                    method=args.method)
    lines = [f"Candidate defaults of DeepEmbeddedClustering(method={args.method!r}) on "
             f"{args.dataset} ({len(X):,} images in [0, 1]) after a default "
             f"Autoencoder(n_components=10), {describe(meta)}: cluster accuracy, mean [min, "
             f"max] over {args.seeds} seeds; seconds and epochs of the clustering phase, "
             "means; ConvergenceWarnings over all seeds. Written by "
             "benchmarks/bench_dec_defaults.py.", "",
             "| candidate | accuracy | s | epochs | warnings |", "| --- | --- | --- | --- | --- |"]
    for r in rows:
        lines.append(f"| {r['candidate']} | {r['accuracy']:.3f} [{r['accuracy_min']:.3f}, "
                     f"{r['accuracy_max']:.3f}] | {r['seconds']:.1f} | {r['epochs']:.0f} | "
                     f"{r['warnings']} |")
    name = f"dec_defaults_{args.dataset}" + (
        f"_{len(X)}" if args.dataset != "digits" else "") + (
        "" if args.method == "idec" else "_dec")
    write_results(name, meta, rows, lines)


if __name__ == "__main__":
    main()
