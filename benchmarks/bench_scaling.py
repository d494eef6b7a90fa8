"""How the cost of a fit grows: time and peak memory against n_samples,
n_features and n_components; transform against the bare encoder; the fixed
costs of a fit.

Every point runs in a fresh process on random float32 rows (uniform in [0, 1)),
fitting ``Autoencoder(n_components=..., max_iter=1)`` (otherwise the defaults:
hidden layers 128-64, batch 64, Adam) for one epoch:

- ``n_samples`` from 1,000 to 1,000,000 at 784 features and 16 components;
- ``n_features`` from 64 to 4,096 at 20,000 rows;
- ``n_components`` from 2 to 256 at 20,000 rows of 784 features.

For each point: the epoch's time (skorch's duration), the whole ``fit``'s
time, and the fit's extra peak resident memory over what the process held with
the data made (sampled every 2 ms). Each sweep gets a log-log plot with the
least-squares slope of log(epoch time) on log(size), over the points where the
epoch takes at least 0.2 s (below that, per-epoch constants dominate).

At 60,000 x 784 (MNIST's size) it also times, in one process, the parts of a
fit outside its epochs (input validation, the data summary the module builder
reads, the encoder's pass over the training codes for the latent density,
the rest), each as a share of one epoch and of the shortest default fit
(``n_iter_no_change + 1`` = 11 epochs, the fewest after which the convergence
stop can end it), and ``transform`` against the module's own ``encode`` over
the same rows in batches of the same size, in float32 and in float64 (skae's
CPU inference precision).

Writes benchmarks/results/scaling.json, scaling.md and scaling.png.

    python benchmarks/bench_scaling.py [--max-samples 1000000]
"""

import argparse
import json
import subprocess
import sys
import time

import numpy as np
from _harness import RESULTS, describe, metadata, run_with_memory, write_results

SWEEPS = {
    "n_samples": ([1_000, 3_000, 10_000, 30_000, 100_000, 300_000, 1_000_000],
                  dict(n_features=784, n_components=16)),
    "n_features": ([64, 256, 1_024, 4_096], dict(n_samples=20_000, n_components=16)),
    "n_components": ([2, 8, 32, 128, 256], dict(n_samples=20_000, n_features=784)),
}
MIN_EPOCH_S = 0.2


def run_point(n_samples, n_features, n_components):
    """In the child process: one fit, printed as one JSON line."""
    import warnings

    from skae import Autoencoder

    warnings.simplefilter("ignore")
    X = np.random.default_rng(0).random((n_samples, n_features), dtype=np.float32)
    ae = Autoencoder(n_components=n_components, max_iter=1, random_state=0)
    _, fit_s, before, peak = run_with_memory(lambda: ae.fit(X))
    print(json.dumps({
        "n_samples": n_samples, "n_features": n_features, "n_components": n_components,
        "epoch_s": float(ae.net_.history[-1, "dur"]), "fit_s": fit_s,
        "data_mb": X.nbytes / 2**20,
        "fit_extra_peak_mb": peak["VmRSS"] - before["VmRSS"]}))


def timed(fn, repeats=3):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def fixed_costs(n_samples=60_000, n_features=784):
    """The parts of a default fit outside its epochs, and transform's cost."""
    import cProfile
    import pstats
    import warnings

    import torch
    from sklearn.utils.validation import check_array

    from skae import Autoencoder

    warnings.simplefilter("ignore")
    X = np.random.default_rng(0).random((n_samples, n_features), dtype=np.float32)
    ae = Autoencoder(max_iter=1, random_state=0)
    ae.fit(X)  # warm-up: the first fit in a process also imports torch._dynamo
    fits, epochs = [], []
    for _ in range(3):
        start = time.perf_counter()
        ae.fit(X)
        fits.append(time.perf_counter() - start)
        epochs.append(float(ae.net_.history[-1, "dur"]))
    fit_s, epoch_s = float(np.median(fits)), float(np.median(epochs))
    outside = float(np.median(np.subtract(fits, epochs)))
    # skae's internal steps, timed inside one profiled fit by the names of the
    # functions that do them (cumulative seconds; the profiler's overhead is small
    # beside their numpy and torch work).
    profile = cProfile.Profile()
    profile.runcall(ae.fit, X)
    stats = pstats.Stats(profile).stats

    def inside(function):
        return sum(entry[3] for (_, _, name), entry in stats.items() if name == function)

    parts = {
        "input validation (check_array, finite values)":
            timed(lambda: check_array(X, dtype=np.float32)),
        "data summary for the module builder": inside("summarize_rows"),
        "latent density (encoder pass over the training rows)": inside("_after_training"),
        "explained variance (a pass over the training rows)":
            inside("_set_explained_variance_ratio"),
    }
    parts["the rest (module, optimizer, skorch set-up), by difference"] = (
        outside - sum(parts.values()))
    shortest = ae.n_iter_no_change + 1

    module = ae.module_.eval()
    batch = 512  # the chunks skae's transform uses on the CPU

    def bare(dtype):
        encoder = module.to(dtype)
        with torch.inference_mode():
            for chunk in torch.split(torch.from_numpy(X), batch):
                encoder.encode(chunk.to(dtype))
        module.float()

    transform = {"skae transform": timed(lambda: ae.transform(X)),
                 "bare encode, float32": timed(lambda: bare(torch.float32)),
                 "bare encode, float64": timed(lambda: bare(torch.float64))}
    return {"n_samples": n_samples, "n_features": n_features, "fit_s": fit_s,
            "epoch_s": epoch_s, "outside_epochs_s": outside,
            "shortest_default_fit_epochs": shortest,
            "parts_s": parts, "transform_s": transform}


def slope(xs, ys):
    keep = [(x, y) for x, y in zip(xs, ys) if y >= MIN_EPOCH_S]
    if len(keep) < 2:
        return float("nan")
    return float(np.polyfit(np.log([x for x, _ in keep]), np.log([y for _, y in keep]), 1)[0])


def plot(sweeps, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(2, len(sweeps), figsize=(4.2 * len(sweeps), 6.4))
    for column, (name, sweep) in enumerate(sweeps.items()):
        xs = [p[name] for p in sweep["points"]]
        time_ax, memory_ax = axes[0, column], axes[1, column]
        time_ax.loglog(xs, [p["epoch_s"] for p in sweep["points"]], "o-", label="one epoch")
        time_ax.loglog(xs, [p["fit_s"] for p in sweep["points"]], "s--", label="whole fit")
        time_ax.set_title(f"{name} (epoch slope {sweep['epoch_slope']:.2f})")
        time_ax.set_ylabel("seconds")
        time_ax.legend(fontsize=8)
        memory_ax.loglog(xs, [max(p["fit_extra_peak_mb"], 0.1) for p in sweep["points"]],
                         "o-", label="fit's extra peak RSS")
        memory_ax.loglog(xs, [p["data_mb"] for p in sweep["points"]], ":", label="the data")
        memory_ax.set_xlabel(name)
        memory_ax.set_ylabel("MB")
        memory_ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--point", nargs=3, type=int, help=argparse.SUPPRESS)
    parser.add_argument("--max-samples", type=int, default=1_000_000)
    args = parser.parse_args()
    if args.point:
        run_point(*args.point)
        return


    sweeps = {}
    for name, (values, fixed) in SWEEPS.items():
        points = []
        for value in values:
            point = {**fixed, name: value}
            if point["n_samples"] > args.max_samples:
                continue
            out = subprocess.run(
                [sys.executable, __file__, "--point", str(point["n_samples"]),
                 str(point["n_features"]), str(point["n_components"])],
                check=True, capture_output=True, text=True).stdout
            points.append(json.loads(out.strip().splitlines()[-1]))
            p = points[-1]
            print(f"{name}={value}: epoch {p['epoch_s']:.3f} s, fit {p['fit_s']:.3f} s, "
                  f"extra peak {p['fit_extra_peak_mb']:.0f} MB (data {p['data_mb']:.0f} MB)",
                  flush=True)
        sweeps[name] = {"fixed": fixed, "points": points,
                        "epoch_slope": slope([p[name] for p in points],
                                             [p["epoch_s"] for p in points])}
    costs = fixed_costs()
    print(json.dumps(costs, indent=1), flush=True)

    meta = metadata()
    lines = ["# How the cost grows", "",
             f"`Autoencoder(n_components=k, max_iter=1)`, defaults otherwise (128-64, batch 64, "
             f"Adam), random float32 rows, one fresh process per point ({describe(meta)}). "
             "Written by "
             "benchmarks/bench_scaling.py. A whole fit in a fresh process includes about 1 s "
             "that torch.optim spends importing torch._dynamo on its first optimizer.", ""]
    for name, sweep in sweeps.items():
        fixed = ", ".join(f"{k}={v}" for k, v in sweep["fixed"].items())
        lines += [f"## {name} ({fixed}); slope of log epoch time: {sweep['epoch_slope']:.2f}",
                  "", f"| {name} | epoch s | fit s | fit's extra peak MB | data MB |",
                  "| --- | --- | --- | --- | --- |"]
        lines += [f"| {p[name]} | {p['epoch_s']:.3f} | {p['fit_s']:.3f} | "
                  f"{p['fit_extra_peak_mb']:.0f} | {p['data_mb']:.0f} |"
                  for p in sweep["points"]]
        lines.append("")
    epoch, shortest = costs["epoch_s"], costs["shortest_default_fit_epochs"]
    lines += [f"## Fixed costs of a fit, {costs['n_samples']} x {costs['n_features']}", "",
              f"One epoch: {epoch:.3f} s; a whole one-epoch fit: {costs['fit_s']:.3f} s "
              "(medians of 3, after a first fit: the first in a process also imports "
              "torch._dynamo from torch.optim, about 1 s, as any torch training does).", "",
              f"| part | s | share of one epoch | share of the shortest default fit "
              f"({shortest} epochs) |", "| --- | --- | --- | --- |"]
    total = costs["outside_epochs_s"]
    for part, seconds in list(costs["parts_s"].items()) + [("all fixed costs (fit minus "
                                                             "its epoch)", total)]:
        lines.append(f"| {part} | {seconds:.3f} | {seconds / epoch:.1%} | "
                     f"{seconds / (total + shortest * epoch):.1%} |")
    base = costs["transform_s"]["bare encode, float32"]
    lines += ["", f"## transform, {costs['n_samples']} x {costs['n_features']}", "",
              "| call | s | ratio to bare float32 encode |", "| --- | --- | --- |"]
    lines += [f"| {k} | {v:.3f} | {v / base:.2f} |" for k, v in costs["transform_s"].items()]
    write_results("scaling", meta, [], lines, sweeps=sweeps, fixed_costs=costs)
    plot(sweeps, RESULTS / "scaling.png")


if __name__ == "__main__":
    main()
