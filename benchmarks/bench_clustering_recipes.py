"""Which recipe makes autoencoder codes cluster: one change at a time, on digits.

Every recipe is ``ConvAutoencoder(image_shape=(1, 8, 8), n_components=10)`` (or
the dense ``Autoencoder``) with one or two parameters changed, or a step
added before or after it; KMeans(10, n_init=10, random_state=0) then clusters the
codes of all 1,797 digits and ``cluster_accuracy`` scores the result. Raw
pixels and PCA(10) are the baselines measured in the same run.

Runs are appended to benchmarks/results/clustering_recipes.json (one record per
recipe and seed, with the fit time and the number of threads), and
benchmarks/results/clustering_recipes.md is rewritten from all records: a table
of recipe -> mean, min and max accuracy over the seeds -> mean fit time.

    python benchmarks/bench_clustering_recipes.py --recipes default input/16 --seeds 5
    python benchmarks/bench_clustering_recipes.py --list
"""

import argparse
import json
import time
from pathlib import Path

import numpy as np
import torch
from sklearn.cluster import KMeans
from sklearn.datasets import load_digits
from sklearn.decomposition import PCA
from sklearn.preprocessing import StandardScaler

from skae import Autoencoder, ConvAutoencoder
from skae.metrics import cluster_accuracy

RESULTS = Path(__file__).parent / "results"
JSON = RESULTS / "clustering_recipes.json"


def conv(**params):
    def codes(X, seed):
        ae = ConvAutoencoder(image_shape=(1, 8, 8), n_components=10, random_state=seed,
                             **params)
        return ae.fit_transform(X)
    return codes


def dense(**params):
    def codes(X, seed):
        ae = Autoencoder(n_components=10, random_state=seed, **params)
        return ae.fit_transform(X)
    return codes


def scaled_input(recipe, factor):
    return lambda X, seed: recipe(X * factor, seed)


def standardized_codes(recipe):
    return lambda X, seed: StandardScaler().fit_transform(recipe(X, seed))


RECIPES = {
    "raw pixels": lambda X, seed: X,
    "PCA(10)": lambda X, seed: PCA(10, random_state=seed).fit_transform(X),
    "default": conv(),
    "input/16": scaled_input(conv(), 1 / 16),
    "input/6 (unit std)": scaled_input(conv(), 1 / 6),
    "input*4": scaled_input(conv(), 4),
    "standardized codes": standardized_codes(conv()),
    "max_iter=50": conv(max_iter=50),
    "max_iter=100": conv(max_iter=100),
    "max_iter=400": conv(max_iter=400),
    "batch_size=256": conv(batch_size=256),
    "batch_size=16": conv(batch_size=16),
    "batch_size=32": conv(batch_size=32),
    "max_iter=800": conv(max_iter=800),
    "batch_size=32, max_iter=400": conv(batch_size=32, max_iter=400),
    "learning_rate_init=3e-3": conv(learning_rate_init=3e-3),
    "learning_rate_init=3e-3, max_iter=400": conv(learning_rate_init=3e-3, max_iter=400),
    "weight_decay=1e-4": conv(weight_decay=1e-4),
    "weight_decay=1e-3": conv(weight_decay=1e-3),
    "batch_norm": conv(batch_norm=True),
    "dropout=0.1": conv(dropout=0.1),
    "activation=elu": conv(activation="elu"),
    "activation=leaky_relu": conv(activation="leaky_relu"),
    "activation=tanh": conv(activation="tanh"),
    "channels=(16, 32)": conv(channels=(16, 32)),
    "channels=(64, 128)": conv(channels=(64, 128)),
    "learning_rate_init=1e-2": conv(learning_rate_init=1e-2),
    "learning_rate_init=1e-4": conv(learning_rate_init=1e-4),
    "gaussian noise 1.0": conv(noise="gaussian", noise_level=1.0),
    "gaussian noise 3.0": conv(noise="gaussian", noise_level=3.0),
    "sparsity=l1": conv(sparsity="l1"),
    "dense default": dense(),
    "dense input/16": scaled_input(dense(), 1 / 16),
    "dense input/6 (unit std)": scaled_input(dense(), 1 / 6),
    "dense input*4": scaled_input(dense(), 4),
    # Does the input's scale act as a step size? [0, 1] inputs with larger steps.
    "dense input/16 learning_rate_init=3e-3": scaled_input(dense(learning_rate_init=3e-3),
                                                           1 / 16),
    "dense input/16 learning_rate_init=1e-2": scaled_input(dense(learning_rate_init=1e-2),
                                                           1 / 16),
    "input/16 learning_rate_init=3e-3": scaled_input(conv(learning_rate_init=3e-3), 1 / 16),
    "dense learning_rate_init=3e-4": dense(learning_rate_init=3e-4),
    # The DEC papers' dense net (d-500-500-2000-10), on counts and on [0, 1].
    "dense (500, 500, 2000)": dense(hidden_layer_sizes=(500, 500, 2000)),
    "dense (500, 500, 2000) input/16": scaled_input(
        dense(hidden_layer_sizes=(500, 500, 2000)), 1 / 16),
    # ... with DEC-keras's pretraining: batch 256, all 300 epochs (no stopping rule).
    "dense (500, 500, 2000) input/16 DEC pretraining": scaled_input(
        dense(hidden_layer_sizes=(500, 500, 2000), batch_size=256, max_iter=300,
              n_iter_no_change=300), 1 / 16),
}


def cluster(codes):
    return KMeans(10, n_init=10, random_state=0).fit_predict(codes)


def write_table(records):
    by_recipe = {}
    for record in records:
        by_recipe.setdefault(record["recipe"], []).append(record)
    rows = []
    for recipe, runs in by_recipe.items():
        accuracies = [r["cluster_accuracy"] for r in runs]
        rows.append((float(np.mean(accuracies)), recipe, runs, accuracies))
    rows.sort(key=lambda row: -row[0])
    lines = ["Digits (all 1,797), KMeans(10) on the codes of each recipe; every recipe is "
             "`ConvAutoencoder(image_shape=(1, 8, 8), n_components=10)` with the change "
             "named, unless it says dense (`Autoencoder(n_components=10)`). Written by "
             "benchmarks/bench_clustering_recipes.py from clustering_recipes.json.", "",
             "| recipe | seeds | mean accuracy | min | max | mean fit s | threads | date |",
             "| --- | --- | --- | --- | --- | --- | --- | --- |"]
    for mean, recipe, runs, accuracies in rows:
        fit_s = np.mean([r["fit_s"] for r in runs])
        threads = sorted({r["threads"] for r in runs})
        dates = sorted({r["date"] for r in runs})
        lines.append(f"| {recipe} | {len(runs)} | {mean:.3f} | {min(accuracies):.3f} | "
                     f"{max(accuracies):.3f} | {fit_s:.1f} | "
                     f"{','.join(map(str, threads))} | {dates[-1]} |")
    (RESULTS / "clustering_recipes.md").write_text("\n".join(lines) + "\n")
    return lines


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipes", nargs="+", default=["raw pixels", "PCA(10)", "default"])
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--list", action="store_true")
    args = parser.parse_args()
    if args.list:
        print("\n".join(RECIPES))
        return
    unknown = set(args.recipes) - set(RECIPES)
    if unknown:
        parser.error(f"unknown recipes {sorted(unknown)}; see --list")

    X, y = load_digits(return_X_y=True)
    X = X.astype(np.float32)
    for name in args.recipes:
        for seed in range(args.seeds):
            start = time.perf_counter()
            codes = RECIPES[name](X, seed)
            fit_s = time.perf_counter() - start
            accuracy = cluster_accuracy(y, cluster(codes))
            record = {"recipe": name, "seed": seed, "cluster_accuracy": float(accuracy),
                      "fit_s": fit_s, "threads": torch.get_num_threads(),
                      "torch": torch.__version__, "date": time.strftime("%Y-%m-%d")}
            print(f"{name} seed {seed}: {accuracy:.3f} ({fit_s:.1f} s)", flush=True)
            # Append under a fresh read: two runs may share the file.
            records = json.loads(JSON.read_text()) if JSON.exists() else []
            records = [r for r in records if (r["recipe"], r["seed"]) != (name, seed)]
            records.append(record)
            RESULTS.mkdir(exist_ok=True)
            JSON.write_text(json.dumps(records, indent=1))
    print("\n".join(write_table(json.loads(JSON.read_text()))))


if __name__ == "__main__":
    main()
