"""What a lent GPU is for, in one run of a few minutes: the CUDA tests, the
default fit's time to quality on full-size images, and inference on the card.

1. The tests that need CUDA (``pytest -k cuda``; they skip where there is
   none), run first: they have never run anywhere else.
2. Time to quality on the card: ``Autoencoder`` and ``ConvAutoencoder`` with
   their default parameters and ``device=--device`` on the first
   ``--image-rows`` MNIST (``--datasets``: or Fashion-MNIST) images, 25% held out (one seed):
   fit seconds, epochs, whether the fit ended converged (no
   ConvergenceWarning), held-out MSE against PCA's of the same width (10).
   These are the time-to-quality benchmark's image rows at full size, which
   the 2-core CPU machine takes tens of minutes for.
3. Inference on the card, for the fitted ``Autoencoder``: one-row
   ``transform`` and a ``--batch-rows`` batch ``transform`` (median ms).

Every figure names the device it came from (the card's name from torch);
PCA runs on the CPU. Writes results/gpu.json and gpu.md (the card's name in
the file; results/gpu_dry_run.* on a device that is no GPU) and prints them.

    python benchmarks/bench_gpu.py --data-home ../shared/data     # on the GPU machine
    python benchmarks/bench_gpu.py --device cpu --datasets digits --skip-tests   # dry run
"""

import argparse
import platform
import statistics
import subprocess
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import torch
from _data import code_width, held_out_split, load_reconstruction_data
from _harness import call_times, describe, metadata, write_results
from sklearn.decomposition import PCA
from sklearn.exceptions import ConvergenceWarning

from skae import Autoencoder, ConvAutoencoder

ROOT = Path(__file__).parents[1]


def device_name(device):
    device = torch.device(device)
    if device.type == "cuda":
        return torch.cuda.get_device_name(device)
    return f"CPU ({platform.processor() or platform.machine()}, {torch.get_num_threads()} threads)"


def cuda_tests():
    """The CUDA tests' summary line and exit status."""
    run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-k", "cuda", "tests",
                          "-p", "no:cacheprovider"], cwd=ROOT, capture_output=True, text=True)
    lines = run.stdout.strip().splitlines()
    print(run.stdout[-4000:], run.stderr[-2000:], flush=True)
    return {"summary": lines[-1] if lines else run.stderr[-500:], "returncode": run.returncode}


def time_to_quality(name, family, X, device):
    """One default fit of ``family`` on 75% of X, scored on the rest, beside PCA."""
    k = code_width(name)
    X_train, X_test = held_out_split(X, False, seed=0)
    side = int(round(np.sqrt(X.shape[1])))
    params = {"image_shape": (1, side, side)} if family is ConvAutoencoder else {}
    model = family(n_components=k, random_state=0, device=device, **params)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        if device != "cpu":
            torch.cuda.synchronize()
        start = time.perf_counter()
        model.fit(X_train)
        if device != "cpu":
            torch.cuda.synchronize()
        seconds = time.perf_counter() - start
    error = float(np.mean((model.inverse_transform(model.transform(X_test)) - X_test) ** 2))
    pca = PCA(k).fit(X_train)
    pca_error = float(np.mean((pca.inverse_transform(pca.transform(X_test)) - X_test) ** 2))
    return model, {
        "dataset": name, "estimator": family.__name__, "n_rows": len(X), "seconds": seconds,
        "epochs": model.n_iter_, "converged": not any(
            issubclass(w.category, ConvergenceWarning) for w in caught),
        "error": error, "pca_error": pca_error}


def inference(model, X, batch_rows):
    """Median ms of a one-row and of a ``batch_rows``-row ``transform``."""
    one, batch = X[:1], X[:batch_rows]
    return {"one_row_ms": 1e3 * statistics.median(call_times(lambda: model.transform(one), 200)),
            "batch_rows": len(batch),
            "batch_ms": 1e3 * statistics.median(call_times(lambda: model.transform(batch), 5))}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cuda")
    parser.add_argument("--datasets", nargs="+", default=["mnist"],
                        help="mnist, fashion-mnist or digits (one MNIST-size set fits a "
                             "10-minute call)")
    parser.add_argument("--image-rows", type=int, default=60000)
    parser.add_argument("--batch-rows", type=int, default=10000)
    parser.add_argument("--data-home", default=None)
    parser.add_argument("--skip-tests", action="store_true")
    args = parser.parse_args()
    card = device_name(args.device)
    print(f"device: {card}", flush=True)
    tests = None if args.skip_tests else cuda_tests()
    rows, latency = [], None
    for name in args.datasets:
        X, _ = load_reconstruction_data(name, args.data_home, args.image_rows)
        X = X.astype(np.float32)
        for family in (Autoencoder, ConvAutoencoder):
            model, row = time_to_quality(name, family, X, args.device)
            rows.append(row)
            print(row, flush=True)
            if latency is None and family is Autoencoder:
                latency = {"dataset": name, **inference(model, X, args.batch_rows)}
                print(latency, flush=True)

    meta = metadata(device=args.device, card=card, image_rows=args.image_rows)
    lines = [f"The default fit and inference on {card} ({describe(meta)}). Written by "
             "benchmarks/bench_gpu.py.", ""]
    if tests is not None:
        lines += [f"CUDA tests (`pytest -k cuda`): {tests['summary']}", ""]
    lines += ["| data | estimator | rows | fit s | epochs | converged | held-out MSE "
              "| PCA MSE |", "| --- | --- | --- | --- | --- | --- | --- | --- |"]
    lines += [f"| {r['dataset']} | {r['estimator']} | {r['n_rows']} | {r['seconds']:.1f} "
              f"| {r['epochs']} | {'yes' if r['converged'] else 'no'} | {r['error']:.4g} "
              f"| {r['pca_error']:.4g} |" for r in rows]
    if latency is not None:
        lines += ["", f"Inference ({latency['dataset']}, the fitted Autoencoder): one-row "
                  f"transform {latency['one_row_ms']:.3f} ms, {latency['batch_rows']} rows "
                  f"{latency['batch_ms']:.1f} ms (medians)."]
    # A run elsewhere than on a GPU is a dry run of the script: its own files.
    name = "gpu" if torch.device(args.device).type == "cuda" else "gpu_dry_run"
    write_results(name, meta, rows, lines, tests=tests, latency=latency)


if __name__ == "__main__":
    main()
