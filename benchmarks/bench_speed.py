"""skae side by side with what a user would otherwise train an autoencoder with.

For three models (skae's default dense ``Autoencoder``, ``ConvAutoencoder`` on
28x28 images and ``VariationalAutoencoder``; 16-d codes) and two batch sizes
(64, skae's default, and 256), each contender trains the same architecture
with Adam (learning rate 1e-3) on the same float32 rows, shuffled every epoch:

- a plain torch loop over a copy of the module skae builds (each batch cut by
  indexing the whole tensor, its loss read with ``.item()`` as a loop that logs
  its loss does; the squared error of the reconstruction, and for the VAE the
  negative ELBO of a Gaussian likelihood with the module's learned scale,
  written out here as a user would);
- a plain skorch ``NeuralNet`` over the same module and loss;
- scikit-learn's ``MLPRegressor`` fitted to reproduce its input (dense only;
  hidden layers 128-64-16-64-128, all ReLU, float32 kept);
- PyOD's torch ``AutoEncoder`` / ``VAE`` (dense and VAE; same layer sizes, no
  batch norm, no dropout, no weight decay, no standardisation; its ``fit``
  also scores the training rows at the end, as it always does), when pyod is
  installed;
- skae: a fresh ``fit`` of the estimator (input checks, module build, the
  latent density fitted at the end included).

Every timed run is one whole call that trains ``--epochs`` epochs from scratch,
after one warm-up call of each; the contenders take turns, one call each per
round, so that a machine whose speed drifts (a shared one) affects all alike.
The figure is the median of ``--repeats`` calls divided by the number of
epochs; the ratio to the plain loop (same model and batch size) is the median
over the rounds of each round's ratio.
All contenders use this process's threads (torch's default; numpy's BLAS for
MLPRegressor).

Writes benchmarks/results/speed.json, speed.md and speed.png.

    python benchmarks/bench_speed.py [--n-samples 20000] [--data-home ../shared/data]
"""

import argparse
import copy
import json
import math
import statistics
import time
import warnings

import numpy as np
import torch
from _harness import RESULTS, describe, metadata, write_results
from skorch import NeuralNet

from skae import Autoencoder, ConvAutoencoder, VariationalAutoencoder

HIDDEN, CODE = (128, 64), 16
MODELS = {
    "dense autoencoder": lambda **kw: Autoencoder(hidden_layer_sizes=HIDDEN, n_components=CODE,
                                                  **kw),
    "conv autoencoder": lambda **kw: ConvAutoencoder(image_shape=(1, 28, 28),
                                                     n_components=CODE, **kw),
    "VAE": lambda **kw: VariationalAutoencoder(hidden_layer_sizes=HIDDEN, n_components=CODE,
                                               **kw),
}


def load_data(data_home, n_samples):
    if data_home is None:
        rng = np.random.default_rng(0)
        return rng.random((n_samples, 784), dtype=np.float32), "uniform noise"
    from skae.datasets import fetch_mnist

    X = fetch_mnist(data_home=data_home, subset="train", return_X_y=True)[0][:n_samples]
    return np.ascontiguousarray(X, dtype=np.float32), "MNIST training images"


def squared_error(y_pred, y_true):
    """The autoencoders' loss on skae's module output ``(reconstruction, codes)``."""
    return torch.nn.functional.mse_loss(y_pred[0], y_true)


def negative_elbo(y_pred, y_true):
    """The VAE's loss on skae's module output ``(mean of p(x | z), mean and
    log-variance of q(z | x), log of the likelihood's scale)``, per sample."""
    output, mean, log_var, log_scale = y_pred
    standardised = (y_true - output) * torch.exp(-log_scale)
    nll = (0.5 * standardised**2 + log_scale + 0.5 * math.log(2 * math.pi)).sum(1)
    kl = 0.5 * (mean**2 + log_var.exp() - 1.0 - log_var).sum(1)
    return (nll + kl).mean()


class Objective(torch.nn.Module):
    """A loss function as the criterion module skorch wants."""

    def __init__(self, loss):
        super().__init__()
        self.loss = loss

    def forward(self, y_pred, y_true):
        return self.loss(y_pred, y_true)


def criterion_for(model):
    return Objective(negative_elbo if model == "VAE" else squared_error)


def plain_loop(template, X, model, batch_size, epochs):
    def train():
        module = copy.deepcopy(template)
        optimizer = torch.optim.Adam(module.parameters(), lr=1e-3)
        loss_fn = criterion_for(model)
        data = torch.from_numpy(X)
        module.train()
        for _ in range(epochs):
            order = torch.randperm(len(data))
            for start in range(0, len(data), batch_size):
                xb = data[order[start:start + batch_size]]
                loss = loss_fn(module(xb), xb)
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
                loss.item()
    return train


def plain_skorch(template, X, model, batch_size, epochs):
    def train():
        NeuralNet(copy.deepcopy(template), criterion=criterion_for(model),
                  optimizer=torch.optim.Adam,
                  lr=1e-3, max_epochs=epochs, batch_size=batch_size, train_split=None,
                  iterator_train__shuffle=True, verbose=0).fit(X, X)
    return train


def mlp_regressor(template, X, model, batch_size, epochs):
    if model != "dense autoencoder":
        return None
    from sklearn.neural_network import MLPRegressor

    def train():
        MLPRegressor(hidden_layer_sizes=HIDDEN + (CODE,) + HIDDEN[::-1], batch_size=batch_size,
                     learning_rate_init=1e-3, max_iter=epochs, n_iter_no_change=epochs + 1,
                     random_state=0).fit(X, X)
    return train


def pyod(template, X, model, batch_size, epochs):
    if model == "conv autoencoder":
        return None
    try:
        from pyod.models.auto_encoder import AutoEncoder
        from pyod.models.vae import VAE
    except ImportError:
        return None
    common = dict(epoch_num=epochs, batch_size=batch_size, lr=1e-3, batch_norm=False,
                  dropout_rate=0.0, preprocessing=False, optimizer_params={"weight_decay": 0.0},
                  verbose=0, random_state=0)
    if model == "VAE":
        def make():
            return VAE(encoder_neuron_list=list(HIDDEN), decoder_neuron_list=list(HIDDEN[::-1]),
                       latent_dim=CODE, **common)
    else:
        def make():
            return AutoEncoder(hidden_neuron_list=list(HIDDEN) + [CODE], **common)
    return lambda: make().fit(X)


def skae_fit(template, X, model, batch_size, epochs):
    return lambda: MODELS[model](batch_size=batch_size, max_iter=epochs,
                                 n_iter_no_change=epochs + 1, early_stopping=False,
                                 random_state=0).fit(X)


CONTENDERS = {
    "plain torch loop": plain_loop,
    "plain skorch net": plain_skorch,
    "scikit-learn MLPRegressor": mlp_regressor,
    "PyOD": pyod,
    "skae": skae_fit,
}


def median_times(trains, repeats):
    """Median seconds per call of each ``name -> train`` function; the calls are
    interleaved (one of each per round, after a warm-up round) so that a
    machine that slows down or speeds up meanwhile affects all alike."""
    for train in trains.values():
        train()  # warm-up
    times = {name: [] for name in trains}
    for _ in range(repeats):
        for name, train in trains.items():
            start = time.perf_counter()
            train()
            times[name].append(time.perf_counter() - start)
    return {name: (statistics.median(t), t) for name, t in times.items()}


def plot(rows, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    models = list(dict.fromkeys(r["model"] for r in rows))
    names = list(dict.fromkeys(r["contender"] for r in rows))
    colours = dict(zip(names, plt.rcParams["axes.prop_cycle"].by_key()["color"]))
    fig, axes = plt.subplots(1, len(models), figsize=(4.2 * len(models), 3.8), sharey=True)
    for ax, model in zip(np.atleast_1d(axes), models):
        mine = [r for r in rows if r["model"] == model]
        present = [n for n in names if any(r["contender"] == n for r in mine)]
        sizes = sorted({r["batch_size"] for r in mine})
        width = 0.8 / len(present)
        for i, name in enumerate(present):
            ratios = [next((r["ratio_to_plain_loop"] for r in mine
                            if r["contender"] == name and r["batch_size"] == b), np.nan)
                      for b in sizes]
            ax.bar(np.arange(len(sizes)) + (i - (len(present) - 1) / 2) * width, ratios, width,
                   label=name, color=colours[name])
        ax.axhline(1.0, color="k", lw=0.8)
        ax.set_xticks(np.arange(len(sizes)), [f"batch {b}" for b in sizes])
        ax.set_title(model)
    np.atleast_1d(axes)[0].set_ylabel("time per epoch / plain torch loop")
    handles = [plt.Rectangle((0, 0), 1, 1, color=colours[n]) for n in names]
    fig.legend(handles, names, loc="lower center", ncol=len(names), frameon=False)
    fig.tight_layout(rect=(0, 0.08, 1, 1))
    fig.savefig(path, dpi=110)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-samples", type=int, default=20000)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--batch-sizes", type=int, nargs="+", default=[64, 256])
    parser.add_argument("--models", nargs="+", default=list(MODELS), choices=list(MODELS))
    parser.add_argument("--data-home", default=None)
    parser.add_argument("--replot", action="store_true",
                        help="redraw speed.png from speed.json without timing anything")
    args = parser.parse_args()
    if args.replot:
        plot(json.loads((RESULTS / "speed.json").read_text())["rows"], RESULTS / "speed.png")
        return
    warnings.simplefilter("ignore")  # ConvergenceWarnings of the short fits

    X, data = load_data(args.data_home, args.n_samples)
    torch.manual_seed(0)
    rows = []
    for model in args.models:
        template = MODELS[model](max_iter=1, random_state=0).fit(X[:256]).module_
        for batch_size in args.batch_sizes:
            trains = {name: make(template, X, model, batch_size, args.epochs)
                      for name, make in CONTENDERS.items()}
            timed = median_times({k: v for k, v in trains.items() if v is not None},
                                 args.repeats)
            base = timed["plain torch loop"][1]
            for name, (median, times) in timed.items():
                per_epoch = median / args.epochs
                ratio = statistics.median(t / b for t, b in zip(times, base))
                rows.append({"model": model, "batch_size": batch_size, "contender": name,
                             "s_per_epoch": per_epoch, "ratio_to_plain_loop": ratio,
                             "call_times_s": times})
                print(f"{model}, batch {batch_size}, {name}: {per_epoch:.3f} s/epoch "
                      f"({ratio:.2f}x)", flush=True)

    try:
        import pyod as pyod_module
        pyod_version = pyod_module.__version__
    except ImportError:
        pyod_version = None
    meta = metadata(data=f"{data}, {X.shape[0]} x {X.shape[1]} float32", epochs=args.epochs,
                    repeats=args.repeats, pyod=pyod_version)
    lines = [f"Time per epoch, {meta['data']}, calls of {args.epochs} epochs from scratch, "
             f"median of {args.repeats} ({describe(meta)}, pyod "
             f"{pyod_version or 'not installed'}). Written by benchmarks/bench_speed.py.",
             "", "| model | batch | contender | s/epoch | ratio to plain loop |",
             "| --- | --- | --- | --- | --- |"]
    lines += [f"| {r['model']} | {r['batch_size']} | {r['contender']} | {r['s_per_epoch']:.3f} "
              f"| {r['ratio_to_plain_loop']:.2f} |" for r in rows]
    write_results("speed", meta, rows, lines)
    plot(rows, RESULTS / "speed.png")


if __name__ == "__main__":
    main()
