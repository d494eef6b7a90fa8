"""A fit on a shared CPU: torch's threads against one competing CPU-bound process.

Times ``Autoencoder().fit`` (default architecture, 2 epochs on 20,000 x 784
random float32 rows) and ``ConvAutoencoder().fit`` (1 epoch on 5,000 28x28
images) in this process, quiet and then beside one busy-looping Python process:
with skae's thread policy (the default, ``skae.set_config(cpu_threads="auto")``:
a fit uses no more torch threads than the cores other processes leave idle),
and with the policy off (``cpu_threads=<n>``) at torch's default number of
threads and at one thread.
Ratios are to the quiet fit with the policy off and the default threads, in
the same run (best of ``--repeats``).

Writes benchmarks/results/shared_cpu.json and shared_cpu.md.

    python benchmarks/bench_shared_cpu.py [--repeats 2]
"""

import argparse
import subprocess
import sys
import time

import numpy as np
import torch
from _harness import describe, metadata, write_results

from skae import Autoencoder, ConvAutoencoder, config_context


def workloads():
    rng = np.random.default_rng(0)
    dense = rng.random((20_000, 784), dtype=np.float32)
    images = rng.random((5_000, 784), dtype=np.float32)
    return {
        "dense, 2 epochs": lambda: Autoencoder(max_iter=2, n_iter_no_change=2,
                                               random_state=0).fit(dense),
        "conv, 1 epoch": lambda: ConvAutoencoder(image_shape=(1, 28, 28), max_iter=1,
                                                 random_state=0).fit(images),
    }


def best_time(fit, repeats):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fit()
        times.append(time.perf_counter() - start)
    return min(times)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args()
    default_threads = torch.get_num_threads()
    rows = []
    for name, fit in workloads().items():
        fit()  # warm-up
        times = {}
        for busy in (False, True):
            competitor = (subprocess.Popen([sys.executable, "-c", "while True: pass"])
                          if busy else None)
            try:
                time.sleep(0.5 if busy else 0)
                for threads in (default_threads, 1):  # the policy off
                    with config_context(cpu_threads=threads):
                        times[busy, f"{threads} (policy off)"] = best_time(fit, args.repeats)
                time.sleep(5.0)  # the policy measures the idle cores afresh (kept 5 s)
                with config_context(cpu_threads="auto"):
                    times[busy, "skae's policy"] = best_time(fit, args.repeats)
            finally:
                if competitor is not None:
                    competitor.kill()
                    competitor.wait()
            time.sleep(5.0)
        quiet = times[False, f"{default_threads} (policy off)"]
        for (busy, threads), seconds in times.items():
            rows.append({"workload": name, "competitor": busy, "threads": threads,
                         "seconds": seconds, "ratio_to_quiet_default": seconds / quiet})
            print(f"{name}: competitor={busy} threads={threads}: {seconds:.2f} s "
                  f"({seconds / quiet:.2f}x)", flush=True)
    meta = metadata(default_threads=default_threads, repeats=args.repeats,
                    cores=len(__import__("os").sched_getaffinity(0)))
    lines = [f"A fit beside one busy-looping process ({meta['cores']} cores, "
             f"{describe(meta)}); ratio to the quiet fit with the default threads, best of "
             f"{args.repeats}, policy off. Written by benchmarks/bench_shared_cpu.py.", "",
             "| workload | competitor | torch threads | seconds | ratio |",
             "| --- | --- | --- | --- | --- |"]
    lines += [f"| {r['workload']} | {'yes' if r['competitor'] else 'no'} | {r['threads']} | "
              f"{r['seconds']:.2f} | {r['ratio_to_quiet_default']:.2f} |" for r in rows]
    write_results("shared_cpu", meta, rows, lines)


if __name__ == "__main__":
    main()
