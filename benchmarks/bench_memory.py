"""Peak memory of a fit against the size of its data, and the size of a fitted pickle.

Each case runs in a fresh process: it makes (or maps) a 60,000 x 784 float32
array, notes the resident memory, fits a default ``Autoencoder`` for one
epoch and samples the resident memory every 2 ms during the fit (Linux's
``/proc/self/status``). The figure is the
extra memory of ``fit``, as a multiple of the data's size: 1.0 would be one
more copy of the data. The same fit on twice the rows shows which part of it
grows with the data. For the read-only memmap the pages of the file count
as resident once read, so "before fit" reads the whole file first.

The pickle of the fitted estimator is compared with the bytes of its
module's parameters (Adam's two moment estimates per parameter are part of
the optimizer state a warm start continues from).

Writes benchmarks/results/memory.json and memory.md.

    OMP_NUM_THREADS=1 python benchmarks/bench_memory.py
"""

import argparse
import json
import pickle
import platform
import subprocess
import sys
import tempfile
from pathlib import Path

from _harness import run_with_memory

RESULTS = Path(__file__).parent / "results"
N_SAMPLES, N_FEATURES = 60000, 784

CASES = {
    "array": "in-memory float32 array",
    "array_double": "in-memory float32 array, twice the rows",
    "array_early_stopping": "in-memory float32 array, early_stopping=True",
    "memmap_early_stopping": "read-only memmap (np.load mmap_mode='r'), early_stopping=True",
}


def run_case(case, folder):
    """Runs in the child process: prints one JSON line."""
    import numpy as np

    from skae import Autoencoder

    path = Path(folder) / ("X2.npy" if case == "array_double" else "X.npy")
    if case.startswith("memmap"):
        X = np.load(path, mmap_mode="r")
        float(X.sum())  # the file's pages are resident from here on
    else:
        X = np.load(path)
    ae = Autoencoder(max_iter=1, batch_size=256, random_state=0,
                     early_stopping=case.endswith("early_stopping"))
    _, _, before, peak = run_with_memory(lambda: ae.fit(X))
    before, peak = before["VmRSS"], peak["VmRSS"]
    data_mb = X.nbytes / 2**20
    parameters = sum(p.numel() * p.element_size() for p in ae.module_.parameters())
    print(json.dumps({
        "case": case, "data_mb": data_mb, "rss_before_fit_mb": before,
        "peak_rss_mb": peak, "fit_extra_mb": peak - before,
        "fit_extra_per_data": (peak - before) / data_mb,
        "pickle_bytes": len(pickle.dumps(ae)), "parameter_bytes": parameters,
    }))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--case", help=argparse.SUPPRESS)
    parser.add_argument("--folder", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.case:
        run_case(args.case, args.folder)
        return

    import numpy as np
    import torch

    rows = []
    with tempfile.TemporaryDirectory() as folder:
        X = np.random.default_rng(0).random((N_SAMPLES, N_FEATURES), dtype=np.float32)
        np.save(Path(folder) / "X.npy", X)
        np.save(Path(folder) / "X2.npy", np.concatenate([X, X]))
        del X
        for case in CASES:
            out = subprocess.run([sys.executable, __file__, "--case", case, "--folder", folder],
                                 check=True, capture_output=True, text=True).stdout
            row = json.loads(out.strip().splitlines()[-1])
            rows.append(row)
            print(f"{case}: fit used {row['fit_extra_mb']:.0f} MB beyond the "
                  f"{row['data_mb']:.0f} MB of data ({row['fit_extra_per_data']:.2f}x); "
                  f"pickle {row['pickle_bytes']} bytes for {row['parameter_bytes']} bytes "
                  "of parameters")

    RESULTS.mkdir(exist_ok=True)
    meta = {"torch": torch.__version__, "python": platform.python_version(),
            "threads": torch.get_num_threads(), "n_samples": N_SAMPLES,
            "n_features": N_FEATURES}
    (RESULTS / "memory.json").write_text(json.dumps({"meta": meta, "rows": rows}, indent=2))
    lines = [
        "# Peak memory of fit and pickle size",
        "",
        f"Default `Autoencoder`, one epoch, batch 256, {N_SAMPLES} x {N_FEATURES} float32 "
        f"(torch {meta['torch']}, {meta['threads']} thread(s)); "
        "`python benchmarks/bench_memory.py`.",
        "",
        "| data | fit's extra peak memory (MB) | as a multiple of the data | pickle (bytes) "
        "| parameters (bytes) | pickle / parameters |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for row in rows:
        lines.append(
            f"| {CASES[row['case']]} | {row['fit_extra_mb']:.0f} | "
            f"{row['fit_extra_per_data']:.2f} | {row['pickle_bytes']} | "
            f"{row['parameter_bytes']} | {row['pickle_bytes'] / row['parameter_bytes']:.2f} |")
    (RESULTS / "memory.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
