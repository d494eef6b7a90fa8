"""A fit on a shared CPU: torch's threads against one competing CPU-bound process.

Times ``Autoencoder().fit`` (default architecture, 2 epochs on 20,000 x 784
random float32 rows) and ``ConvAutoencoder().fit`` (1 epoch on 5,000 28x28
images) in this process, quiet and then beside one busy-looping Python process:
with skae's thread policy (the default: a fit uses no more torch threads than
the cores other processes leave idle, ``skae._net.shared_cpu_threads``), and
with the policy off at torch's default number of threads and at one thread.
Ratios are to the quiet fit with the policy off and the default threads, in
the same run (best of ``--repeats``).

Writes benchmarks/results/shared_cpu.json and shared_cpu.md.

    python benchmarks/bench_shared_cpu.py [--repeats 2]
"""

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import torch

import skae._net
from skae import Autoencoder, ConvAutoencoder

RESULTS = Path(__file__).parent / "results"


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
        policy = skae._net.idle_cores
        for busy in (False, True):
            competitor = (subprocess.Popen([sys.executable, "-c", "while True: pass"])
                          if busy else None)
            try:
                time.sleep(0.5 if busy else 0)
                skae._net.idle_cores = lambda: None  # the policy off
                for threads in (default_threads, 1):
                    torch.set_num_threads(threads)
                    times[busy, f"{threads} (policy off)"] = best_time(fit, args.repeats)
                torch.set_num_threads(default_threads)
                skae._net.idle_cores = policy
                skae._net._IDLE_CORES_CACHE["at"] = -float("inf")  # measure afresh
                times[busy, "skae's policy"] = best_time(fit, args.repeats)
            finally:
                skae._net.idle_cores = policy
                torch.set_num_threads(default_threads)
                if competitor is not None:
                    competitor.kill()
                    competitor.wait()
            skae._net._IDLE_CORES_CACHE["at"] = -float("inf")
        quiet = times[False, f"{default_threads} (policy off)"]
        for (busy, threads), seconds in times.items():
            rows.append({"workload": name, "competitor": busy, "threads": threads,
                         "seconds": seconds, "ratio_to_quiet_default": seconds / quiet})
            print(f"{name}: competitor={busy} threads={threads}: {seconds:.2f} s "
                  f"({seconds / quiet:.2f}x)", flush=True)
    meta = {"torch": torch.__version__, "default_threads": default_threads,
            "cores": len(__import__("os").sched_getaffinity(0)),
            "date": time.strftime("%Y-%m-%d")}
    lines = [f"A fit beside one busy-looping process ({meta['cores']} cores, torch "
             f"{meta['torch']}, default {default_threads} threads, {meta['date']}); ratio to "
             "the quiet fit with the default threads, best of "
             f"{args.repeats}, policy off. Written by benchmarks/bench_shared_cpu.py.", "",
             "| workload | competitor | torch threads | seconds | ratio |",
             "| --- | --- | --- | --- | --- |"]
    lines += [f"| {r['workload']} | {'yes' if r['competitor'] else 'no'} | {r['threads']} | "
              f"{r['seconds']:.2f} | {r['ratio_to_quiet_default']:.2f} |" for r in rows]
    print("\n".join(lines))
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "shared_cpu.json").write_text(json.dumps({"meta": meta, "runs": rows},
                                                        indent=1))
    (RESULTS / "shared_cpu.md").write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
