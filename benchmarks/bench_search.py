"""A search on several processes: GridSearchCV with n_jobs=1, n_jobs=2 (joblib's
processes) and on a 2-worker local Dask cluster, on the same machine.

The search: ``Autoencoder(max_iter=30)`` on scikit-learn's digits scaled to
[0, 1], 4 candidates (``n_components`` 4 or 8, one or two hidden layers) x 3
folds. Each way runs ``--repeats`` times after a warm-up run (which starts the
workers and imports torch in them); rounds alternate the ways, so a machine
whose speed drifts affects all alike. Reports the median and its ratio to
n_jobs=1, and the torch threads each worker trains with: more threads than
cores in all would oversubscribe them. The Dask cluster needs ``skae[dask]``.

Writes benchmarks/results/search.json and search.md.

    python benchmarks/bench_search.py [--repeats 3]
"""

import argparse
import os
import statistics
import time
import warnings

import numpy as np
from _harness import describe, metadata, write_results
from joblib import Parallel, delayed, parallel_config
from sklearn.datasets import load_digits
from sklearn.model_selection import GridSearchCV

from skae import Autoencoder

GRID = {"n_components": [4, 8], "hidden_layer_sizes": [(64,), (128, 64)]}


def torch_threads(_):
    import torch

    return torch.get_num_threads()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    X = (load_digits().data / 16).astype(np.float32)
    search = GridSearchCV(Autoencoder(max_iter=30, random_state=0), GRID, cv=3)

    ways = {"n_jobs=1": (1, None), "n_jobs=2 (joblib processes)": (2, None)}
    cluster = client = None
    try:
        from distributed import Client, LocalCluster

        cluster = LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=None)
        client = Client(cluster)
        ways["2-worker local Dask cluster"] = (-1, "dask")
    except ImportError:
        print("Dask is not installed (pip install \"skae[dask]\"): no Dask cluster.")

    def run(way):
        n_jobs, backend = ways[way]
        search.set_params(n_jobs=n_jobs)
        start = time.perf_counter()
        if backend is None:
            search.fit(X)
        else:
            with parallel_config(backend=backend):
                search.fit(X)
        return time.perf_counter() - start

    threads = {"n_jobs=1": [torch_threads(0)],
               "n_jobs=2 (joblib processes)": Parallel(n_jobs=2)(
                   delayed(torch_threads)(i) for i in range(2))}
    if client is not None:
        threads["2-worker local Dask cluster"] = list(
            client.run(torch_threads, 0).values())
    try:
        for way in ways:
            run(way)  # warm-up
        times = {way: [] for way in ways}
        for _ in range(args.repeats):
            for way in ways:
                times[way].append(run(way))
    finally:
        if client is not None:
            client.close()
            cluster.close()

    base = statistics.median(times["n_jobs=1"])
    rows = [{"way": way, "median_s": statistics.median(t), "times_s": t,
             "ratio_to_n_jobs_1": statistics.median(t) / base,
             "torch_threads_per_worker": threads[way]} for way, t in times.items()]
    meta = metadata(cores=len(os.sched_getaffinity(0)), repeats=args.repeats)
    lines = [f"GridSearchCV of `Autoencoder(max_iter=30)` on the digits, 4 candidates x 3 "
             f"folds, on {meta['cores']} cores ({describe(meta)}); median "
             f"of {args.repeats} after a warm-up. Written by benchmarks/bench_search.py.", "",
             "| way | median s | ratio to n_jobs=1 | torch threads per worker |",
             "| --- | --- | --- | --- |"]
    lines += [f"| {r['way']} | {r['median_s']:.1f} | {r['ratio_to_n_jobs_1']:.2f} | "
              f"{', '.join(map(str, r['torch_threads_per_worker']))} |" for r in rows]
    write_results("search", meta, rows, lines)


if __name__ == "__main__":
    main()
