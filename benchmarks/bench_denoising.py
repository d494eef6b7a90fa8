"""Does the training noise have to match the noise to remove? PSNR on held-out digits.

The digits (scaled to [0, 1]) are split 75/25; each test set is corrupted with
one noise by :func:`skae.datasets.add_noise`, and each model, trained on the
clean training images with its own training noise and otherwise default
parameters, reconstructs it. The figure is the peak signal-to-noise ratio
against the clean test images (higher is better), mean and spread over seeds.

Writes benchmarks/results/denoising.json and denoising.md.

    python benchmarks/bench_denoising.py [--seeds 0 1 2]
"""

import argparse
import time
import warnings

import numpy as np
from _harness import describe, metadata, write_results
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split

from skae import Autoencoder, DenoisingAutoencoder
from skae.datasets import add_noise
from skae.metrics import peak_signal_noise_ratio

TEST_NOISES = {"gaussian 0.3": ("gaussian", 0.3), "masking 0.4": ("masking", 0.4),
               "salt_and_pepper 0.2": ("salt_and_pepper", 0.2)}
MODELS = {
    "Autoencoder() (no noise)": lambda seed: Autoencoder(random_state=seed),
    "DenoisingAutoencoder() (masking 0.2)": lambda seed: DenoisingAutoencoder(random_state=seed),
    "DenoisingAutoencoder(noise='gaussian', noise_level=0.3)":
        lambda seed: DenoisingAutoencoder(noise="gaussian", noise_level=0.3, random_state=seed),
    "DenoisingAutoencoder(noise='masking', noise_level=0.4)":
        lambda seed: DenoisingAutoencoder(noise="masking", noise_level=0.4, random_state=seed),
}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    args = parser.parse_args()
    warnings.simplefilter("ignore", ConvergenceWarning)

    X = (load_digits().data / 16).astype(np.float32)
    psnr = {(m, t): [] for m in MODELS for t in ["none", *TEST_NOISES]}
    fit_seconds = {m: [] for m in MODELS}
    for seed in args.seeds:
        X_train, X_test = train_test_split(X, test_size=0.25, random_state=seed)
        tests = {"none": X_test}
        tests.update({name: add_noise(X_test, kind, level, random_state=seed)
                      for name, (kind, level) in TEST_NOISES.items()})
        for name, make in MODELS.items():
            start = time.perf_counter()
            model = make(seed).fit(X_train)
            fit_seconds[name].append(time.perf_counter() - start)
            for test_name, X_noisy in tests.items():
                denoised = model.inverse_transform(model.transform(X_noisy))
                psnr[name, test_name].append(peak_signal_noise_ratio(X_test, denoised))
        for test_name, X_noisy in tests.items():
            if test_name != "none":
                psnr.setdefault(("noisy input", test_name), []).append(
                    peak_signal_noise_ratio(X_test, X_noisy))
            print(f"seed {seed} done")

    rows = [{"model": m, "test_noise": t, "psnr_mean": float(np.mean(v)),
             "psnr_std": float(np.std(v)), "seeds": args.seeds} for (m, t), v in psnr.items()]
    meta = metadata(seeds=args.seeds,
                    fit_seconds_mean={m: float(np.mean(v)) for m, v in fit_seconds.items()})

    columns = ["none", *TEST_NOISES]
    lines = [
        "# Denoising held-out digits: PSNR (dB) by training noise and test noise",
        "",
        f"Digits in [0, 1], 75/25 split, default parameters otherwise (200 epochs), mean ± "
        f"std over seeds {args.seeds} ({describe(meta)}). "
        "`python benchmarks/bench_denoising.py`.",
        "",
        "| model (training noise) | " + " | ".join(f"test: {c}" for c in columns) + " |",
        "| --- |" + " --- |" * len(columns),
    ]
    for model in ["noisy input", *MODELS]:
        cells = []
        for column in columns:
            values = psnr.get((model, column))
            cells.append("" if not values else f"{np.mean(values):.2f} ± {np.std(values):.2f}")
        lines.append(f"| {model} | " + " | ".join(cells) + " |")
    write_results("denoising", meta, rows, lines)


if __name__ == "__main__":
    main()
