"""Variational autoencoders on binarised MNIST: test ELBO and importance-sampled NLL.

Protocol: the standard MNIST split (60,000 training, 10,000 test images, read
from the original IDX files with ``skae.datasets.fetch_mnist``), binarised
once by stochastic binarisation (each pixel is 1 with probability equal to its
grey level, numpy seed 0; the same fixed draw for every model). Each model
trains with early stopping on a held-out 10% of the training images
(``validation_fraction=0.1``, the weights of the best epoch restored), a
Bernoulli likelihood and a KL warm-up. Reported on the test set: the negative
ELBO (``-score``) and the negative importance-sampled log-likelihood
(``-log_likelihood`` with k draws, the IWAE bound), in nats.

A class-conditional VAE is then trained on the grey-level training images;
samples of each requested class are classified by an MLP trained on the real
training images, and the fraction recognised as the requested class is
reported. Sample grids are saved as PNG next to the JSON and Markdown results.

    python benchmarks/bench_vae.py --data-home ../shared/data
"""

import argparse
import json
import time
from pathlib import Path

import numpy as np
import torch
from sklearn.datasets import load_digits
from sklearn.neural_network import MLPClassifier

from skae import (
    ConditionalVariationalAutoencoder,
    ConvVariationalAutoencoder,
    VariationalAutoencoder,
)
from skae.datasets import fetch_mnist

RESULTS = Path(__file__).parent / "results"


def save_grid(images, shape, path, n_cols):
    """Save images (n, H*W) as one grey-level grid."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    n_rows = int(np.ceil(len(images) / n_cols))
    fig, axes = plt.subplots(n_rows, n_cols, figsize=(n_cols * 0.6, n_rows * 0.6))
    for ax, image in zip(axes.ravel(), images):
        ax.imshow(image.reshape(shape), cmap="gray_r", vmin=0, vmax=1)
    for ax in axes.ravel():
        ax.set_axis_off()
    fig.subplots_adjust(wspace=0.05, hspace=0.05, left=0, right=1, bottom=0, top=1)
    fig.savefig(path, dpi=100)
    plt.close(fig)


def evaluate(name, model, X_train, X_test, k, n_iwae, fit_s):
    start = time.perf_counter()
    elbo = model.score(X_test)
    iwae = model.log_likelihood(X_test[:n_iwae], n_importance_samples=k, random_state=0)
    row = {
        "model": name, "epochs": model.n_iter_, "best_epoch": model.best_epoch_,
        "fit_s": fit_s, "train_neg_elbo": -model.score(X_train[:10000]),
        "test_neg_elbo": -elbo, "iwae_k": k, "iwae_n_test": n_iwae,
        "test_nll_iwae": float(-iwae.mean()),
        "test_nll_iwae_first_2000": float(-iwae[:2000].mean()),
        "eval_s": time.perf_counter() - start,
    }
    print(json.dumps(row), flush=True)
    return row


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-home", default=None)
    parser.add_argument("--max-iter-dense", type=int, default=200)
    parser.add_argument("--max-iter-conv", type=int, default=100)
    parser.add_argument("--max-iter-conditional", type=int, default=30)
    parser.add_argument("--k", type=int, default=1000, help="IWAE draws per image")
    parser.add_argument("--conv-iwae-images", type=int, default=2000,
                        help="test images scored by IWAE for the conv VAE (slower decoder)")
    args = parser.parse_args()
    RESULTS.mkdir(exist_ok=True)

    mnist = fetch_mnist(data_home=args.data_home)
    train, test = mnist.split == "train", mnist.split == "test"
    binary = (np.random.RandomState(0).random_sample(mnist.data.shape)
              < mnist.data).astype(np.float32)
    X_train, X_test = binary[train], binary[test]
    common = dict(n_components=32, loss="binary_crossentropy", batch_size=128,
                  kl_warmup=10, early_stopping=True, validation_fraction=0.1,
                  n_iter_no_change=10, random_state=0)
    models = [
        ("VariationalAutoencoder(hidden_layer_sizes=(512, 256))", "vae_samples_mnist",
         VariationalAutoencoder(hidden_layer_sizes=(512, 256), max_iter=args.max_iter_dense,
                                **common), len(X_test)),
        ("ConvVariationalAutoencoder(image_shape=(1, 28, 28), channels=(32, 64))",
         "conv_vae_samples_mnist",
         ConvVariationalAutoencoder(image_shape=(1, 28, 28), channels=(32, 64),
                                    max_iter=args.max_iter_conv, **common),
         args.conv_iwae_images),
    ]
    rows = []
    for name, stem, model, n_iwae in models:
        start = time.perf_counter()
        model.fit(X_train)
        rows.append(evaluate(name, model, X_train, X_test, args.k, n_iwae,
                             time.perf_counter() - start))
        save_grid(model.sample(64, random_state=0), (28, 28), RESULTS / f"{stem}.png", 8)

    # Class-conditional generation, judged by a classifier trained on real images.
    X_grey, y = mnist.data, mnist.target
    start = time.perf_counter()
    cvae = ConditionalVariationalAutoencoder(
        n_components=16, hidden_layer_sizes=(512, 256), loss="binary_crossentropy",
        batch_size=128, kl_warmup=5, max_iter=args.max_iter_conditional, random_state=0,
    ).fit(X_grey[train], y[train])
    cvae_s = time.perf_counter() - start
    clf = MLPClassifier(hidden_layer_sizes=(256,), early_stopping=True,
                        random_state=0).fit(X_grey[train], y[train])
    requested = np.repeat(np.arange(10), 100)
    samples = cvae.sample(len(requested), y=requested, random_state=0)
    recognised = clf.predict(samples) == requested
    conditional = {
        "model": "ConditionalVariationalAutoencoder(n_components=16, "
                 "hidden_layer_sizes=(512, 256)) on grey-level MNIST",
        "epochs": cvae.n_iter_, "fit_s": cvae_s,
        "classifier": "MLPClassifier(hidden_layer_sizes=(256,), early_stopping=True)",
        "classifier_test_accuracy": float(clf.score(X_grey[test], y[test])),
        "samples_per_class": 100,
        "recognised_as_requested": float(recognised.mean()),
        "recognised_per_class": [float(recognised[requested == c].mean())
                                 for c in range(10)],
    }
    print(json.dumps(conditional), flush=True)
    save_grid(cvae.sample(100, y=np.repeat(np.arange(10), 10), random_state=1), (28, 28),
              RESULTS / "cvae_samples_mnist.png", 10)

    # The small case every user can run: digits (8x8) samples.
    X_digits = load_digits().data / 16
    digits_vae = VariationalAutoencoder(n_components=8, loss="binary_crossentropy",
                                        random_state=0).fit(X_digits)
    save_grid(digits_vae.sample(64, random_state=0), (8, 8),
              RESULTS / "vae_samples_digits.png", 8)

    meta = {"torch": torch.__version__, "threads": torch.get_num_threads(),
            "date": time.strftime("%Y-%m-%d"), "binarisation": "stochastic, fixed draw "
            "(numpy seed 0)", "models": rows, "conditional": conditional}
    (RESULTS / "vae.json").write_text(json.dumps(meta, indent=2) + "\n")
    lines = [
        f"Binarised MNIST (stochastic binarisation, one fixed draw), standard split; "
        f"torch {meta['torch']}, {meta['threads']} threads, {meta['date']}. "
        "Negative test ELBO and IWAE negative log-likelihood in nats (lower is better).",
        "",
        "| model | epochs (best) | fit time | test -ELBO | test NLL, IWAE k | "
        "NLL on first 2,000 |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for r in rows:
        lines.append(
            f"| `{r['model']}` | {r['epochs']} ({r['best_epoch']}) | "
            f"{r['fit_s'] / 60:.1f} min | {r['test_neg_elbo']:.2f} | "
            f"{r['test_nll_iwae']:.2f} (k={r['iwae_k']}, {r['iwae_n_test']} images) | "
            f"{r['test_nll_iwae_first_2000']:.2f} |")
    lines += [
        "",
        f"Class-conditional samples: {conditional['recognised_as_requested']:.1%} of "
        f"{10 * conditional['samples_per_class']} samples (100 per class) are "
        "recognised as the requested class by an MLP trained on the real training "
        f"images (test accuracy {conditional['classifier_test_accuracy']:.1%}). "
        f"Per class: " + ", ".join(f"{c}: {a:.0%}" for c, a in
                                   enumerate(conditional["recognised_per_class"])) + ".",
    ]
    (RESULTS / "vae.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
