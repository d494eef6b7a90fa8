"""Fit on data larger than one wants in memory: a float32 .npy file of 1,000,000 x 784
(3 GB) read a block at a time, against the same fit in memory.

The file is written once (uniform random values) into a temporary folder (or
``--folder``). Each case runs in a fresh process, fitting
``Autoencoder(max_iter=1, random_state=0)`` (one epoch, batch 64) after a
first small fit (what training imports is not the data's) and sampling the
process's memory every 2 ms (Linux's /proc/self/status):

- ``memmap``: ``np.load(path, mmap_mode="r")``, all rows. The pages of the file
  that a read touches count in the resident set as *file-backed* memory (the
  kernel's page cache, shared and dropped under memory pressure), so the
  figure to compare with the file is the *anonymous* memory the fit allocates;
  both are reported.
- ``file reads``: an array-like that reads its rows from the file with
  ``np.fromfile`` (no mapping, as an h5py dataset reads), all rows: its
  resident set is what the fit really holds.
- throughput: the first ``--fits-rows`` rows (default 200,000, 600 MB) fitted
  from an in-memory array and from the memmap, in one process, alternating,
  best of 2 each; the ratio of their epoch times.

The target (issue 13): a streamed fit's peak memory under 10% of the file plus
the model; a streamed epoch within 1.3x of the in-memory one.

Writes benchmarks/results/out_of_core.json and out_of_core.md.

    python benchmarks/bench_out_of_core.py [--n-samples 1000000] [--folder /tmp]
"""

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
from _harness import describe, metadata, run_with_memory, write_results

N_FEATURES = 784


class FileRows:
    """The rows of a 2-D .npy file, read with ``np.fromfile`` on each slice."""

    def __init__(self, path):
        header = np.load(path, mmap_mode="r")
        self.path, self.shape, self.dtype = path, header.shape, header.dtype
        self.offset = header.offset
        del header

    def __len__(self):
        return self.shape[0]

    def __getitem__(self, key):
        if isinstance(key, slice):
            start, stop, step = key.indices(self.shape[0])
            row_bytes = self.shape[1] * self.dtype.itemsize
            count = max(0, stop - start)
            rows = np.fromfile(self.path, dtype=self.dtype, count=count * self.shape[1],
                               offset=self.offset + start * row_bytes)
            return rows.reshape(count, self.shape[1])[::step]
        key = np.asarray(key)  # sorted row indices: read their span, keep those rows
        span = self[int(key.min()):int(key.max()) + 1]
        return span[key - key.min()]


def run_case(case, path):
    """In the child process: one fit, printed as one JSON line."""
    import warnings

    from skae import Autoencoder

    warnings.simplefilter("ignore")
    X = np.load(path, mmap_mode="r") if case == "memmap" else FileRows(path)
    # A first fit imports what training imports (torch.optim loads torch._dynamo).
    Autoencoder(max_iter=1).fit(np.random.default_rng(0).random((64, X.shape[1])))
    ae = Autoencoder(max_iter=1, random_state=0)
    _, fit_s, before, peak = run_with_memory(lambda: ae.fit(X))
    parameters = sum(p.numel() * p.element_size() for p in ae.module_.parameters()) / 2**20
    print(json.dumps({"case": case, "fit_s": fit_s, "epoch_s": float(ae.net_.history[-1, "dur"]),
                      "before_mb": before, "peak_mb": peak,
                      "model_mb": parameters * 3}))  # weights and Adam's two moments


def throughput(path, n_rows):
    """Epoch seconds of the first n_rows in memory and as a memmap, alternating."""
    import warnings

    from skae import Autoencoder

    warnings.simplefilter("ignore")
    mapped = np.load(path, mmap_mode="r")[:n_rows]
    in_memory = np.array(mapped)
    epochs = {"in memory": [], "memmap": []}
    for _ in range(3):  # the first round warms up (and reads the file into the cache)
        for name, X in (("in memory", in_memory), ("memmap", mapped)):
            ae = Autoencoder(max_iter=1, random_state=0).fit(X)
            epochs[name].append(float(ae.net_.history[-1, "dur"]))
    return {name: min(times[1:]) for name, times in epochs.items()}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--case", help=argparse.SUPPRESS)
    parser.add_argument("--path", help=argparse.SUPPRESS)
    parser.add_argument("--n-samples", type=int, default=1_000_000)
    parser.add_argument("--fits-rows", type=int, default=200_000)
    parser.add_argument("--folder", default=None)
    args = parser.parse_args()
    if args.case:
        run_case(args.case, args.path)
        return


    with tempfile.TemporaryDirectory(dir=args.folder) as folder:
        path = str(Path(folder) / "X.npy")
        out = np.lib.format.open_memmap(path, mode="w+", dtype=np.float32,
                                        shape=(args.n_samples, N_FEATURES))
        rng = np.random.default_rng(0)
        for start in range(0, args.n_samples, 50_000):
            stop = min(start + 50_000, args.n_samples)
            out[start:stop] = rng.random((stop - start, N_FEATURES), dtype=np.float32)
        out.flush()
        del out
        file_mb = Path(path).stat().st_size / 2**20
        rows = []
        for case in ("memmap", "file reads"):
            out = subprocess.run([sys.executable, __file__, "--case", case, "--path", path],
                                 check=True, capture_output=True, text=True).stdout
            rows.append(json.loads(out.strip().splitlines()[-1]))
            print(rows[-1], flush=True)
        speed = throughput(path, min(args.fits_rows, args.n_samples))
        print(speed, flush=True)

    meta = metadata(n_samples=args.n_samples, n_features=N_FEATURES, file_mb=file_mb)
    lines = [f"`Autoencoder(max_iter=1)` (one epoch, batch 64) on a {args.n_samples} x "
             f"{N_FEATURES} float32 .npy file ({file_mb:.0f} MB), one fresh process per case "
             f"({describe(meta)}). Written by "
             "benchmarks/bench_out_of_core.py.", "",
             "| read as | fit s | epoch s | peak resident MB (growth in fit) | of which "
             "anonymous: growth MB | growth / file | file-backed peak MB |",
             "| --- | --- | --- | --- | --- | --- | --- |"]
    for r in rows:
        grown = r["peak_mb"]["VmRSS"] - r["before_mb"]["VmRSS"]
        anon = r["peak_mb"]["RssAnon"] - r["before_mb"]["RssAnon"]
        lines.append(f"| {r['case']} | {r['fit_s']:.1f} | {r['epoch_s']:.1f} | "
                     f"{r['peak_mb']['VmRSS']:.0f} ({grown:+.0f}) | {anon:.0f} | "
                     f"{anon / file_mb:.1%} | {r['peak_mb']['RssFile']:.0f} |")
    model = rows[0]["model_mb"]
    ratio = speed["memmap"] / speed["in memory"]
    lines += ["", f"The model with Adam's state: {model:.1f} MB. Throughput on the first "
              f"{min(args.fits_rows, args.n_samples)} rows, best of 2 epochs after a warm-up: "
              f"in memory {speed['in memory']:.2f} s, streamed from the memmap "
              f"{speed['memmap']:.2f} s ({ratio:.2f}x)."]
    write_results("out_of_core", meta, rows, lines, throughput_epoch_s=speed)


if __name__ == "__main__":
    main()
