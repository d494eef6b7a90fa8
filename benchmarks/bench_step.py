"""Time per training epoch: torch's fused optimizer against its default
implementation, on two torch threads and on one; and a default fit with and
without skorch's table of epochs formatted while nobody reads it.

skae asks torch for its fused optimizer (one kernel updating every parameter)
where the optimizer and device have one; ``optimizer_params={"fused": False}``
gives torch's default implementation, which runs about ten operations per
parameter tensor. Each contender fits the same estimator, seed and data for a
fixed number of epochs (``tol=None``) with every other parameter at its
default; the contenders take turns within each round, so that a host whose
speed drifts slows them alike. Reported: the median seconds per epoch over
the rounds, its ratio to the fused fit on the same threads, and the final
training loss of each (the same algorithm, so the same loss to float32
rounding).

Then whole default fits (``n_components=5`` on breast cancer, 10 on digits)
with skorch's epoch table formatted every epoch, as skorch does at
``verbose=0``, against skae's silent table, which formats nothing; the two
take turns, median of ``--rounds`` rounds.

Writes benchmarks/results/step.json and step.md.

    python benchmarks/bench_step.py [--rounds 5] [--epochs 20] [--data-home ../shared/data]
"""

import argparse
import statistics
import time

import torch
from _data import held_out_split, load_reconstruction_data
from _harness import describe, metadata, write_results
from skorch.callbacks import PrintLog

from skae import Autoencoder, ConvAutoencoder
from skae._callbacks import EpochTable

CONTENDERS = {  # name: (optimizer_params, torch threads)
    "fused, 2 threads": (None, 2),
    "default implementation, 2 threads": ({"fused": False}, 2),
    "fused, 1 thread": (None, 1),
    "default implementation, 1 thread": ({"fused": False}, 1),
}


def data_sets(data_home):
    """``(label, estimator class, X_train)`` of every data set measured."""
    sets = [("digits (1797 x 64)", Autoencoder, "digits"),
            ("breast cancer (569 x 30)", Autoencoder, "breast-cancer"),
            ("generated (2000 x 32)", Autoencoder, "table-2000"),
            ("generated (20000 x 32)", Autoencoder, "table-20000"),
            ("digits, ConvAutoencoder", ConvAutoencoder, "digits")]
    if data_home is not None:
        sets.append(("MNIST, first 10,000 (784)", Autoencoder, "mnist"))
    for label, estimator, name in sets:
        X, is_table = load_reconstruction_data(name, data_home)
        yield label, estimator, held_out_split(X, is_table, seed=0)[0]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--data-home", default=None)
    args = parser.parse_args()
    before = torch.get_num_threads()
    meta = metadata(rounds=args.rounds, epochs=args.epochs)
    rows = []
    for label, estimator, X in data_sets(args.data_home):
        seconds = {name: [] for name in CONTENDERS}
        loss = {}
        for _ in range(args.rounds):
            for name, (params, threads) in CONTENDERS.items():
                torch.set_num_threads(threads)
                model = estimator(n_components=10, max_iter=args.epochs, tol=None,
                                  random_state=0, optimizer_params=params)
                start = time.perf_counter()
                model.fit(X)
                seconds[name].append((time.perf_counter() - start) / model.n_iter_)
                loss[name] = model.loss_curve_[-1]
        torch.set_num_threads(before)
        per_epoch = {name: statistics.median(s) for name, s in seconds.items()}
        for name, (_, threads) in CONTENDERS.items():
            fused = per_epoch[f"fused, {threads} thread{'s' if threads > 1 else ''}"]
            row = {"data": label, "contender": name, "ms_per_epoch": 1e3 * per_epoch[name],
                   "vs_fused_same_threads": per_epoch[name] / fused,
                   "vs_fused_2_threads": per_epoch[name] / per_epoch["fused, 2 threads"],
                   "final_train_loss": loss[name]}
            rows.append(row)
            print(row, flush=True)
    lines = [
        "Training time per epoch: torch's fused optimizer (skae's choice) against its "
        f"default implementation, Adam, {args.epochs} epochs, median of {args.rounds} "
        "rounds, every other parameter at its default. Written by "
        "benchmarks/bench_step.py.", "", describe(meta), "",
        "| data | contender | ms per epoch | / fused, same threads | / fused, 2 threads "
        "| final training loss |",
        "| --- | --- | --- | --- | --- | --- |"]
    lines += [f"| {r['data']} | {r['contender']} | {r['ms_per_epoch']:.1f} | "
              f"{r['vs_fused_same_threads']:.2f} | {r['vs_fused_2_threads']:.2f} | "
              f"{r['final_train_loss']:.6g} |" for r in rows]
    table_rows = silent_table_rows(args.rounds)
    lines += ["", "Default fits, skorch's epoch table formatted every epoch (skae before "
              "2026-12-07) against none at `verbose=0`:", "",
              "| data | epochs | formatted: s | silent: s | silent / formatted |",
              "| --- | --- | --- | --- | --- |"]
    lines += [f"| {r['data']} | {r['epochs']} | {r['formatted_s']:.3f} | {r['silent_s']:.3f} | "
              f"{r['silent_s'] / r['formatted_s']:.2f} |" for r in table_rows]
    write_results("step", meta, rows, lines, default_fits=table_rows)


def silent_table_rows(rounds):
    """Default fits with skorch's table formatted at every epoch (PrintLog's
    own ``on_epoch_end``) and with skae's, which skips it when silent."""
    silent = EpochTable.on_epoch_end
    rows = []
    for label, name, width in (("breast cancer (569 x 30)", "breast-cancer", 5),
                               ("digits (1797 x 64)", "digits", 10)):
        X, is_table = load_reconstruction_data(name)
        X = held_out_split(X, is_table, seed=0)[0]
        seconds = {"formatted": [], "silent": []}
        try:
            for _ in range(rounds):
                for key, on_epoch_end in (("formatted", PrintLog.on_epoch_end),
                                          ("silent", silent)):
                    EpochTable.on_epoch_end = on_epoch_end
                    model = Autoencoder(n_components=width, random_state=0)
                    start = time.perf_counter()
                    model.fit(X)
                    seconds[key].append(time.perf_counter() - start)
        finally:
            EpochTable.on_epoch_end = silent
        row = {"data": label, "epochs": model.n_iter_,
               **{f"{key}_s": statistics.median(s) for key, s in seconds.items()}}
        rows.append(row)
        print(row, flush=True)
    return rows


if __name__ == "__main__":
    main()
