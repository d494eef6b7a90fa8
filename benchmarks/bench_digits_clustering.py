"""Cluster accuracy of ConvAutoencoder + KMeans on scikit-learn's digits, against raw pixels.

The pipeline of issue 2, with default parameters:
``Pipeline([("ae", ConvAutoencoder(image_shape=(1, 8, 8), n_components=10)),
("km", KMeans(10))])`` on the raw digits (values 0..16), fitted and scored on all
1,797 images, for several autoencoder seeds; KMeans on the raw pixels in the same
run is the baseline. KMeans uses n_init=10 and random_state=0 throughout.

Writes benchmarks/results/digits_clustering.json and digits_clustering.md.

    python benchmarks/bench_digits_clustering.py [--seeds 5]
"""

import argparse
import time

import numpy as np
from _harness import describe, metadata, write_results
from sklearn.cluster import KMeans
from sklearn.datasets import load_digits
from sklearn.pipeline import Pipeline

from skae import ConvAutoencoder
from skae.metrics import cluster_accuracy


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=5)
    args = parser.parse_args()

    X, y = load_digits(return_X_y=True)
    raw = cluster_accuracy(y, KMeans(10, n_init=10, random_state=0).fit_predict(X))
    runs = []
    for seed in range(args.seeds):
        start = time.perf_counter()
        pipe = Pipeline([("ae", ConvAutoencoder(image_shape=(1, 8, 8), n_components=10,
                                                random_state=seed)),
                         ("km", KMeans(10, n_init=10, random_state=0))])
        accuracy = cluster_accuracy(y, pipe.fit_predict(X))
        runs.append({"seed": seed, "cluster_accuracy": accuracy,
                     "fit_s": time.perf_counter() - start})
        print(f"seed {seed}: {accuracy:.3f} ({runs[-1]['fit_s']:.1f} s)", flush=True)
    accuracies = [r["cluster_accuracy"] for r in runs]
    meta = metadata(raw_pixels=raw, mean=float(np.mean(accuracies)), min=min(accuracies),
                    max=max(accuracies))
    lines = [f"Digits, KMeans(10) cluster accuracy ({describe(meta)}).", "",
             "| features | cluster accuracy |", "| --- | --- |",
             f"| raw pixels | {raw:.3f} |",
             f"| ConvAutoencoder codes, {args.seeds} seeds | mean {meta['mean']:.3f} "
             f"(min {meta['min']:.3f}, max {meta['max']:.3f}) |"]
    write_results("digits_clustering", meta, runs, lines)


if __name__ == "__main__":
    main()
