"""Variational autoencoders on binarised MNIST: test ELBO and importance-sampled NLL.

Protocol: the standard MNIST split (60,000 training, 10,000 test images, read
from the original IDX files with ``skae.datasets.fetch_mnist``) under
stochastic binarisation (each pixel is 1 with probability equal to its grey
level). The test images are binarised once (numpy seed 0) for every model.
"static": the training images are binarised once too (the same draw), and
each model trains with early stopping on a held-out 10% of them (the weights
of the best epoch restored). "dynamic": the training images are binarised
anew at every epoch (one warm-started ``fit`` per epoch), which keeps the
model from overfitting one draw. Bernoulli likelihood and a KL warm-up
throughout. Reported on the test set: the negative ELBO (``-score``) and the
negative importance-sampled log-likelihood (``-log_likelihood`` with k draws,
the IWAE bound), in nats.

A class-conditional VAE is then trained on the grey-level training images;
samples of each requested class are classified by an MLP trained on the real
training images, and the fraction recognised as the requested class is
reported. Sample grids are saved as PNG next to the JSON and Markdown results.

    python benchmarks/bench_vae.py --data-home ../shared/data [--parts dynamic ...]
"""

import argparse
import json
import time
from pathlib import Path

import numpy as np
from _harness import metadata
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


def binarise(grey, rng):
    """Stochastic binarisation: each pixel is 1 with probability its grey level."""
    return (rng.random_sample(grey.shape) < grey).astype(np.float32)


def static_part(args, mnist, X_test):
    """Both VAEs on one fixed binarisation, with early stopping."""
    X_train = binarise(mnist.data, np.random.RandomState(0))[mnist.split == "train"]
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
        row = evaluate(name, model, X_train, X_test, args.k, n_iwae,
                       time.perf_counter() - start)
        rows.append({"binarisation": "static", **row})
        save_grid(model.sample(64, random_state=0), (28, 28), RESULTS / f"{stem}.png", 8)
    return rows


def dynamic_part(args, mnist, X_test):
    """The dense VAE with a new binarisation of the training images at every epoch.

    One epoch per ``fit`` with ``warm_start=True``: each call continues the same
    network and optimizer state (and the KL warm-up) on a fresh draw. No early
    stopping: all 60,000 training images are used for ``--epochs-dynamic`` epochs.
    """
    grey = mnist.data[mnist.split == "train"]
    rng = np.random.RandomState(1)
    model = VariationalAutoencoder(
        hidden_layer_sizes=(512, 256), n_components=32, loss="binary_crossentropy",
        batch_size=128, kl_warmup=10, max_iter=1, warm_start=True, early_stopping=False,
        random_state=0)
    start = time.perf_counter()
    for _ in range(args.epochs_dynamic):
        model.fit(binarise(grey, rng))
    fit_s = time.perf_counter() - start
    row = evaluate("VariationalAutoencoder(hidden_layer_sizes=(512, 256))", model,
                   binarise(grey, rng), X_test, args.k, len(X_test), fit_s)
    save_grid(model.sample(64, random_state=0), (28, 28),
              RESULTS / "vae_dynamic_samples_mnist.png", 8)
    return [{"binarisation": "dynamic", **row}]


def conditional_part(args, mnist):
    """Class-conditional generation, judged by a classifier trained on real images."""
    train, test = mnist.split == "train", mnist.split == "test"
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
    return conditional


def digits_part():
    """The small case every user can run: samples of a VAE trained on digits (8x8)."""
    X_digits = load_digits().data / 16
    digits_vae = VariationalAutoencoder(n_components=8, loss="binary_crossentropy",
                                        random_state=0).fit(X_digits)
    save_grid(digits_vae.sample(64, random_state=0), (8, 8),
              RESULTS / "vae_samples_digits.png", 8)


def markdown(meta):
    lines = [
        "Binarised MNIST, standard split (60,000 training, 10,000 test images). Static: "
        "one fixed stochastic binarisation (numpy seed 0) for training and test, early "
        "stopping on 10% of the training images. Dynamic: a new binarisation of the "
        "training images at every epoch, all 60,000 used, no early stopping; tested on "
        "the same fixed test binarisation. Negative test ELBO and IWAE negative "
        "log-likelihood in nats (lower is better).",
        "",
        "| model | binarisation | epochs (best) | fit time | train -ELBO | test -ELBO | "
        "test NLL, IWAE | NLL on first 2,000 |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for r in meta["models"]:
        best = "" if r["best_epoch"] is None else f" ({r['best_epoch']})"
        lines.append(
            f"| `{r['model']}` | {r['binarisation']} | {r['epochs']}{best} | "
            f"{r['fit_s'] / 60:.1f} min | {r['train_neg_elbo']:.2f} | "
            f"{r['test_neg_elbo']:.2f} | {r['test_nll_iwae']:.2f} (k={r['iwae_k']}, "
            f"{r['iwae_n_test']} images) | {r['test_nll_iwae_first_2000']:.2f} |")
    conditional = meta.get("conditional")
    if conditional:
        lines += [
            "",
            f"Class-conditional samples: {conditional['recognised_as_requested']:.1%} of "
            f"{10 * conditional['samples_per_class']} samples (100 per class) are "
            "recognised as the requested class by an MLP trained on the real training "
            f"images (test accuracy {conditional['classifier_test_accuracy']:.1%}). "
            "Per class: " + ", ".join(f"{c}: {a:.0%}" for c, a in
                                      enumerate(conditional["recognised_per_class"]))
            + ".",
        ]
    lines += ["", f"torch {meta['torch']}, {meta['threads']} threads, {meta['date']}."]
    return "\n".join(lines) + "\n"


PARTS = ("static", "dynamic", "conditional", "digits")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-home", default=None)
    parser.add_argument("--parts", nargs="+", choices=PARTS, default=list(PARTS),
                        help="what to run; results of other parts already in "
                             "results/vae.json are kept")
    parser.add_argument("--max-iter-dense", type=int, default=200)
    parser.add_argument("--max-iter-conv", type=int, default=100)
    parser.add_argument("--epochs-dynamic", type=int, default=150)
    parser.add_argument("--max-iter-conditional", type=int, default=30)
    parser.add_argument("--k", type=int, default=1000, help="IWAE draws per image")
    parser.add_argument("--conv-iwae-images", type=int, default=2000,
                        help="test images scored by IWAE for the conv VAE (slower decoder)")
    args = parser.parse_args()
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / "vae.json"
    meta = json.loads(path.read_text()) if path.exists() else {"models": []}

    mnist = fetch_mnist(data_home=args.data_home)
    X_test = binarise(mnist.data, np.random.RandomState(0))[mnist.split == "test"]
    for part in ("static", "dynamic"):
        if part in args.parts:
            rows = (static_part if part == "static" else dynamic_part)(args, mnist, X_test)
            meta["models"] = [r for r in meta["models"]
                              if r.get("binarisation") != part] + rows
    if "conditional" in args.parts:
        meta["conditional"] = conditional_part(args, mnist)
    if "digits" in args.parts:
        digits_part()

    meta.update(metadata())
    path.write_text(json.dumps(meta, indent=2) + "\n")
    (RESULTS / "vae.md").write_text(markdown(meta))
    print(markdown(meta))


if __name__ == "__main__":
    main()
