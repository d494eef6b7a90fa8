"""Which recipe makes autoencoder codes cluster: one change at a time, on digits
(the sweeps) or on the first images of MNIST / Fashion-MNIST (the confirmations).

Every recipe is ``ConvAutoencoder(image_shape=..., n_components=10)`` (or the
dense ``Autoencoder``) with one or two parameters changed, or a step added
before or after it; KMeans(10, n_init=10, random_state=0) then clusters the
codes of all the images and ``cluster_accuracy`` scores the result. Raw pixels
and PCA(10) are the baselines, measured on the same data.

Runs are appended to benchmarks/results/clustering_recipes.json (one record per
recipe and seed, with the fit time and the number of threads), and
benchmarks/results/clustering_recipes.md is rewritten from all records: a table
of recipe -> mean, min and max accuracy over the seeds -> mean fit time.

    python benchmarks/bench_clustering_recipes.py --recipes default input/16 --seeds 5
    python benchmarks/bench_clustering_recipes.py --dataset mnist --n-samples 10000 \\
        --data-home ../shared/data --recipes "raw pixels" "dense default" --seeds 2
    python benchmarks/bench_clustering_recipes.py --list
"""

import argparse
import json
import time
from pathlib import Path

import numpy as np
import torch
from _data import DATASETS, load_clustering_data
from _harness import metadata
from _recipes import (
    SGD_STEP_1,
    ImageShift,
    ShiftInvariance,
    conv_autoencoder,
    dec_keras,
    dense,
)
from scipy.linalg import sqrtm
from sklearn.cluster import KMeans
from sklearn.decomposition import PCA
from sklearn.neighbors import NearestNeighbors
from sklearn.preprocessing import Normalizer, StandardScaler
from torch import nn

from skae import Autoencoder, ConvVariationalAutoencoder
from skae.datasets import shift_images
from skae.metrics import cluster_accuracy

RESULTS = Path(__file__).parent / "results"
JSON = RESULTS / "clustering_recipes.json"


def conv(**params):
    def codes(X, seed, image_shape):
        return conv_autoencoder(image_shape, seed, **params).fit_transform(X)
    return codes


def conv_vae(**params):
    """The convolutional VAE's codes (``transform`` gives the posterior means),
    trained as the VAEs' defaults were when these recipes were measured (all
    rows, the training-loss rule, up to 200 epochs)."""
    def codes(X, seed, image_shape):
        vae = ConvVariationalAutoencoder(image_shape=image_shape, n_components=10,
                                         random_state=seed, **{
                                             "early_stopping": False, "max_iter": 200,
                                             "n_iter_no_change": 10, **params})
        return vae.fit_transform(X)
    return codes


def glorot_mlp(widths, seed):
    """A ReLU MLP through ``widths`` with a linear last layer, initialised as
    Keras does: Glorot-uniform weights and zero biases."""
    generator = torch.Generator().manual_seed(seed)
    layers = []
    for n_in, n_out in zip(widths[:-1], widths[1:]):
        linear = nn.Linear(n_in, n_out)
        bound = (6 / (n_in + n_out)) ** 0.5
        with torch.no_grad():
            linear.weight.uniform_(-bound, bound, generator=generator)
            linear.bias.zero_()
        layers += [linear, nn.ReLU()]
    return nn.Sequential(*layers[:-1])


def dense_glorot(hidden_layer_sizes, **params):
    """``dense(...)`` with the encoder and decoder initialised as Keras does
    (passed as ``encoder=``/``decoder=``, so skae trains them as they are)."""
    def codes(X, seed, image_shape):
        widths = (X.shape[1], *hidden_layer_sizes, 10)
        ae = Autoencoder(n_components=10, random_state=seed, scale=False,
                         encoder=glorot_mlp(widths, seed),
                         decoder=glorot_mlp(widths[::-1], seed + 1000), **params)
        return ae.fit_transform(X)
    return codes


def scaled_input(recipe, factor):
    return lambda X, seed, image_shape: recipe(X * factor, seed, image_shape)


def with_shifted_copies(n_copies, max_shift=1, **params):
    """``conv(**params)`` trained on X and ``n_copies`` copies of it, each image
    moved by up to ``max_shift`` pixels (``skae.datasets.shift_images``); the
    codes are those of X itself."""
    def codes(X, seed, image_shape):
        copies = [shift_images(X, image_shape=image_shape, max_shift=max_shift,
                               random_state=seed * 100 + i) for i in range(n_copies)]
        ae = conv_autoencoder(image_shape, seed, **params)
        return ae.fit(np.concatenate([X, *copies])).transform(X)
    return codes


def default_features(features):
    """The default ConvAutoencoder, and KMeans on ``features(ae, X)`` instead of
    its codes: which geometry of the same trained net clusters best."""
    def codes(X, seed, image_shape):
        return features(conv_autoencoder(image_shape, seed).fit(X), X)
    return codes


def pullback_codes(ae, X):
    """The codes mapped by ``M ** 0.5``, ``M`` the mean of ``J.T @ J`` over a
    quarter of the images, ``J`` the decoder's Jacobian at the code: distances
    between codes then match (on average, to first order) distances between
    their reconstructions, in pixels."""
    Z = ae.transform(X)
    module = ae.module_.eval()
    jacobian = torch.func.vmap(torch.func.jacrev(lambda z: module.decode(z[None])[0]))
    J = jacobian(torch.as_tensor(Z[::4])).detach().numpy()
    M = np.einsum("nik,nil->kl", J, J) / len(J)
    return Z @ np.real(sqrtm(M))


class NeighbourSwap(nn.Module):
    """Training-time corruption: each input replaced by one of its
    ``n_neighbors`` nearest training images (in pixels), drawn anew each time;
    the target stays the input. Looks the input up among ``X`` by distance."""

    def __init__(self, X, n_neighbors):
        super().__init__()
        self.register_buffer("X", torch.as_tensor(X))
        neighbours = NearestNeighbors(n_neighbors=n_neighbors + 1).fit(X)
        self.register_buffer("neighbours", torch.as_tensor(
            neighbours.kneighbors(X, return_distance=False)[:, 1:]))

    def forward(self, x):
        if not self.training:
            return x
        rows = torch.cdist(x, self.X).argmin(1)
        pick = torch.randint(0, self.neighbours.shape[1], (len(x),), device=x.device)
        return self.X[self.neighbours[rows, pick]]


def conv_changed(corruption=None, invariance=None):
    """``conv()`` with a training corruption of its own (``noise=corruption(X,
    image_shape)``) or the shift-invariance term of weight ``invariance``
    (``penalty=``)."""
    def codes(X, seed, image_shape):
        ae = conv_autoencoder(image_shape, seed)
        if corruption is not None:
            ae.set_params(noise=corruption(X, image_shape))
        if invariance is not None:
            ae.set_params(penalty=ShiftInvariance(image_shape, invariance))
        return ae.fit_transform(X)
    return codes


def standardized_codes(recipe):
    return lambda X, seed, image_shape: StandardScaler().fit_transform(
        recipe(X, seed, image_shape))


RECIPES = {
    "raw pixels": lambda X, seed, image_shape: X,
    "PCA(10)": lambda X, seed, image_shape: PCA(10, random_state=seed).fit_transform(X),
    "default": conv(),
    "input/16": scaled_input(conv(), 1 / 16),
    "input/6 (unit std)": scaled_input(conv(), 1 / 6),
    "input*4": scaled_input(conv(), 4),
    "standardized codes": standardized_codes(conv()),
    "max_iter=50": conv(max_iter=50),
    "max_iter=100": conv(max_iter=100),
    "max_iter=400": conv(max_iter=400),
    "batch_size=256": conv(batch_size=256),
    "batch_size=16": conv(batch_size=16),
    "batch_size=32": conv(batch_size=32),
    "max_iter=800": conv(max_iter=800),
    "batch_size=32, max_iter=400": conv(batch_size=32, max_iter=400),
    "learning_rate_init=3e-3": conv(learning_rate_init=3e-3),
    "learning_rate_init=3e-3, max_iter=400": conv(learning_rate_init=3e-3, max_iter=400),
    "weight_decay=1e-4": conv(weight_decay=1e-4),
    "weight_decay=1e-3": conv(weight_decay=1e-3),
    "batch_norm": conv(batch_norm=True),
    "dropout=0.1": conv(dropout=0.1),
    "activation=elu": conv(activation="elu"),
    "activation=leaky_relu": conv(activation="leaky_relu"),
    "activation=tanh": conv(activation="tanh"),
    "channels=(16, 32)": conv(channels=(16, 32)),
    "channels=(64, 128)": conv(channels=(64, 128)),
    "learning_rate_init=1e-2": conv(learning_rate_init=1e-2),
    "learning_rate_init=1e-4": conv(learning_rate_init=1e-4),
    "gaussian noise 1.0": conv(noise="gaussian", noise_level=1.0),
    "gaussian noise 3.0": conv(noise="gaussian", noise_level=3.0),
    "sparsity=l1": conv(sparsity="l1"),
    "dense default": dense(),
    "dense input/16": scaled_input(dense(), 1 / 16),
    "dense input/6 (unit std)": scaled_input(dense(), 1 / 6),
    "dense input*4": scaled_input(dense(), 4),
    # Does the input's scale act as a step size? [0, 1] inputs with larger steps.
    "dense input/16 learning_rate_init=3e-3": scaled_input(dense(learning_rate_init=3e-3),
                                                           1 / 16),
    "dense input/16 learning_rate_init=1e-2": scaled_input(dense(learning_rate_init=1e-2),
                                                           1 / 16),
    "input/16 learning_rate_init=3e-3": scaled_input(conv(learning_rate_init=3e-3), 1 / 16),
    "dense learning_rate_init=3e-4": dense(learning_rate_init=3e-4),
    # The DEC papers' dense net (d-500-500-2000-10), on counts and on [0, 1].
    "dense (500, 500, 2000)": dense(hidden_layer_sizes=(500, 500, 2000)),
    "dense (500, 500, 2000) input/16": scaled_input(
        dense(hidden_layer_sizes=(500, 500, 2000)), 1 / 16),
    # ... with DEC-keras's pretraining: batch 256, all 300 epochs (no stopping rule).
    "dense (500, 500, 2000) input/16 DEC pretraining": scaled_input(
        dense(hidden_layer_sizes=(500, 500, 2000), batch_size=256, max_iter=300,
              n_iter_no_change=300), 1 / 16),
    # Initialisation: torch's default (weights U(+-1/sqrt(fan_in)), random biases)
    # against Keras's (Glorot-uniform weights, zero biases), as the DEC papers ran.
    "dense (500, 500, 2000) batch_size=256": dense(hidden_layer_sizes=(500, 500, 2000),
                                                   batch_size=256),
    "dense (500, 500, 2000) batch_size=256 glorot": dense_glorot(
        (500, 500, 2000), batch_size=256),
    "dense default glorot": dense_glorot((128, 64)),
    "dense (500, 500, 2000) DEC-keras SGD": dec_keras(),
    "dense (500, 500, 2000) DEC-keras SGD max_iter=600": dec_keras(max_iter=600),
    # The original DEC paper pretrained with input corruption (its stacked denoising
    # autoencoder drops 20% of the inputs); here end to end, with masking noise.
    "dense (500, 500, 2000) DEC-keras SGD masking 0.2": dec_keras(noise="masking",
                                                                 noise_level=0.2),
    # The same optimizer on digits in [0, 1] (on counts a step of 1 diverges).
    "dense (500, 500, 2000) input/16 DEC-keras SGD": scaled_input(dec_keras(), 1 / 16),
    "dense input/16 SGD step 1": scaled_input(dense(**SGD_STEP_1), 1 / 16),
    # A cosine schedule: same budget, and half of it.
    "learning_rate=cosine": conv(learning_rate="cosine"),
    "learning_rate=cosine, learning_rate_init=3e-3": conv(learning_rate="cosine",
                                                          learning_rate_init=3e-3),
    "learning_rate=cosine, max_iter=100, learning_rate_init=3e-3": conv(
        learning_rate="cosine", max_iter=100, learning_rate_init=3e-3),
    "SGD step 1": conv(**SGD_STEP_1),
    "input/16 SGD step 1": scaled_input(conv(**SGD_STEP_1), 1 / 16),
    # The conv net's shape: a dense layer before the code, wider kernels,
    # pooling instead of strides.
    "hidden_layer_sizes=(128,)": conv(hidden_layer_sizes=(128,)),
    "hidden_layer_sizes=(256,)": conv(hidden_layer_sizes=(256,)),
    "kernel_size=5": conv(kernel_size=5),
    "pooling=max": conv(pooling="max"),
    # A bounded code; a longer run with weight decay.
    "code_activation=tanh": conv(code_activation="tanh"),
    "weight_decay=1e-3, max_iter=400": conv(weight_decay=1e-3, max_iter=400),
    # Trained on shifted copies as well (the codes are those of the images as they are).
    "4 shifted copies (1 px)": with_shifted_copies(4),
    "4 shifted copies (1 px), max_iter=100": with_shifted_copies(4, max_iter=100),
    # Digits in [0, 1] (as the demo feeds them) with the Bernoulli likelihood
    # (binary cross-entropy through a sigmoid), the usual loss for such images.
    "input/16 binary_crossentropy": scaled_input(conv(loss="binary_crossentropy"), 1 / 16),
    "dense input/16 binary_crossentropy": scaled_input(dense(loss="binary_crossentropy"),
                                                       1 / 16),
    # The variational autoencoder's posterior means: its prior pulls the codes
    # towards one spread-out cloud, which may help or hurt KMeans.
    "ConvVariationalAutoencoder": conv_vae(),
    "ConvVariationalAutoencoder input/16": scaled_input(conv_vae(), 1 / 16),
    "ConvVariationalAutoencoder beta=0.5": conv_vae(beta=0.5),
    "ConvVariationalAutoencoder beta=2": conv_vae(beta=2.0),
    "ConvVariationalAutoencoder kl_warmup=20": conv_vae(kl_warmup=20),
    # KMeans on the direction of the codes (each row scaled to unit length).
    "unit-length codes": lambda X, seed, image_shape: Normalizer().fit_transform(
        conv()(X, seed, image_shape)),
    # The same default net, other geometries for KMeans: its reconstructions (in
    # pixels), its codes whitened, its codes in the decoder's pull-back metric.
    "default, KMeans on the reconstructions": default_features(
        lambda ae, X: ae.inverse_transform(ae.transform(X))),
    "default, whitened codes": default_features(
        lambda ae, X: PCA(whiten=True).fit_transform(ae.transform(X))),
    "default, codes in the decoder's pull-back metric": default_features(pullback_codes),
    # Objectives beyond reconstruction: denoise a shifted image or a neighbour
    # back to the image; or make the code of a shifted view match the image's.
    "shift denoising (input moved up to 1 px)": conv_changed(
        corruption=lambda X, image_shape: ImageShift(image_shape)),
    "neighbour denoising (input one of its 10 nearest)": conv_changed(
        corruption=lambda X, image_shape: NeighbourSwap(X, 10)),
    "shift-invariance term 0.3": conv_changed(invariance=0.3),
    "shift-invariance term 1": conv_changed(invariance=1.0),
}


def cluster(codes):
    return KMeans(10, n_init=10, random_state=0).fit_predict(codes)


def data_label(record):
    """Which data a record was measured on; records before ``--dataset`` existed
    are all 1,797 digits."""
    dataset = record.get("dataset", "digits")
    n_samples = record.get("n_samples", 1797)
    return f"{dataset}, {n_samples:,} images"


def write_table(records):
    groups = {}
    for record in records:
        key = (data_label(record), record["recipe"])
        groups.setdefault(key, []).append(record)
    rows = []
    for (data, recipe), runs in groups.items():
        accuracies = [r["cluster_accuracy"] for r in runs]
        # Digits first (the sweeps), then the larger data; best recipe first.
        rows.append((data != "digits, 1,797 images", data, -float(np.mean(accuracies)),
                     recipe, runs, accuracies))
    rows.sort(key=lambda row: row[:3])
    lines = ["KMeans(10) on the codes of each recipe; every recipe is "
             "`ConvAutoencoder(image_shape=..., n_components=10)` with the change "
             "named, unless it says dense (`Autoencoder(n_components=10)`). Digits are "
             "scikit-learn's (all 1,797, values 0..16); MNIST is the first n images of the "
             "70,000 (training then test, scaled to [0, 1]). Written by "
             "benchmarks/bench_clustering_recipes.py from clustering_recipes.json.", "",
             "| data | recipe | seeds | mean accuracy | min | max | mean fit s | threads "
             "| date |",
             "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    for _, data, mean, recipe, runs, accuracies in rows:
        fit_s = np.mean([r["fit_s"] for r in runs])
        threads = sorted({r["threads"] for r in runs})
        dates = sorted({r["date"] for r in runs})
        lines.append(f"| {data} | {recipe} | {len(runs)} | {-mean:.3f} | "
                     f"{min(accuracies):.3f} | {max(accuracies):.3f} | {fit_s:.1f} | "
                     f"{','.join(map(str, threads))} | {dates[-1]} |")
    (RESULTS / "clustering_recipes.md").write_text("\n".join(lines) + "\n")
    return lines


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipes", nargs="+", default=["raw pixels", "PCA(10)", "default"])
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--first-seed", type=int, default=0)
    parser.add_argument("--dataset", choices=DATASETS, default="digits")
    parser.add_argument("--n-samples", type=int, default=10_000,
                        help="MNIST / Fashion-MNIST: how many of the 70,000 images")
    parser.add_argument("--data-home", default=None)
    parser.add_argument("--list", action="store_true")
    args = parser.parse_args()
    if args.list:
        print("\n".join(RECIPES))
        return
    unknown = set(args.recipes) - set(RECIPES)
    if unknown:
        parser.error(f"unknown recipes {sorted(unknown)}; see --list")

    X, y, image_shape = load_clustering_data(args.dataset, args.n_samples, args.data_home)
    where = {"dataset": args.dataset, "n_samples": len(X)}
    for name in args.recipes:
        for seed in range(args.first_seed, args.first_seed + args.seeds):
            start = time.perf_counter()
            codes = RECIPES[name](X, seed, image_shape)
            fit_s = time.perf_counter() - start
            accuracy = cluster_accuracy(y, cluster(codes))
            record = {**where, "recipe": name, "seed": seed, "cluster_accuracy": float(accuracy),
                      "fit_s": fit_s, **metadata()}
            print(f"{args.dataset} {name} seed {seed}: {accuracy:.3f} ({fit_s:.1f} s)", flush=True)
            # Append under a fresh read: two runs may share the file.
            records = json.loads(JSON.read_text()) if JSON.exists() else []
            records = [r for r in records
                       if (data_label(r), r["recipe"], r["seed"])
                       != (data_label(record), name, seed)]
            records.append(record)
            RESULTS.mkdir(exist_ok=True)
            JSON.write_text(json.dumps(records, indent=1))
    print("\n".join(write_table(json.loads(JSON.read_text()))))


if __name__ == "__main__":
    main()
