"""Time to quality of candidate defaults: how long a default-sized ``Autoencoder``
takes to come within 1% of the best held-out reconstruction error, and where the
stopping rule stops it.

Each data set is split once per seed, 25% of the rows held out; tables are
standardised by a ``StandardScaler`` fitted on the training rows, digits
scaled to [0, 1]. Each candidate ``(batch_size, learning_rate_init)`` trains
``Autoencoder(n_components=k)`` (the default layers) for ``--epochs`` epochs
with the stopping rule off; after every epoch a callback records the
held-out mean squared error (not counted in the training time, which is the
sum of skorch's epoch durations). Per data set and seed, the reference is the
lowest held-out error any candidate reached at any epoch. Reported per
candidate (means over the seeds):

- ``to 1%``: the training time (and epochs) until the held-out error first
  comes within 1% of the reference;
- ``rule``: where the relative stopping rule (tol=2e-3, n_iter_no_change=10,
  replayed on the training-loss curve, capped at 200 epochs: the defaults
  today) stops, its time, and its held-out error over the reference;
- beside them, PCA of the same width (held-out error over the reference).

``--equal-steps`` gives each candidate the optimizer steps of ``--epochs``
epochs of batch 64 (on digits a batch of 256 runs 3.7 times the epochs; on a
table smaller than the batch, one step an epoch); ``--early-stopping``
adds candidates that hold out 10% of the training rows and keep their best
weights (``early_stopping=True``), stopping themselves.

The data sets: scikit-learn's digits, breast cancer, wine and diabetes, and
generated tables (``table-N``: N rows of 32 features, a noisy nonlinear image
of 4 latent factors). ``--data-home`` adds the first ``--image-rows`` MNIST
and Fashion-MNIST images (``mnist``, ``fashion-mnist``).

Writes benchmarks/results/defaults.json and defaults.md (with ``--equal-steps``,
defaults_equal_steps.json and .md).

    python benchmarks/bench_defaults.py --seeds 3 --epochs 300
    python benchmarks/bench_defaults.py --seeds 3 --epochs 150 --equal-steps --early-stopping
    python benchmarks/bench_defaults.py --datasets table-20000 --seeds 2 --epochs 100
"""

import argparse
import math
import statistics
import warnings

import numpy as np
import torch
from _data import code_width, held_out_split, load_reconstruction_data
from _harness import describe, metadata, stop_epoch, write_results
from sklearn.decomposition import PCA
from skorch.callbacks import Callback

from skae import Autoencoder

# (batch_size, learning_rate_init, early_stopping)
CANDIDATES = [(64, 1e-3, False), (128, 1e-3, False), (128, 2e-3, False), (256, 2e-3, False),
              (256, 3e-3, False), (512, 3e-3, False)]
WITH_EARLY_STOPPING = [(64, 1e-3, True), (256, 3e-3, True)]
OLD_DEFAULT = (64, 1e-3, False)
RULE_TOL, RULE_EPOCHS = 2e-3, 200
WITHIN = 0.01


class HeldOutError(Callback):
    """The held-out mean squared error after every epoch."""

    def __init__(self, X_test):
        self.X_test = X_test

    def on_train_begin(self, net, **kwargs):
        self.errors_ = []

    def on_epoch_end(self, net, **kwargs):
        module = net.module_
        module.eval()
        with torch.no_grad():
            X = torch.as_tensor(self.X_test)
            error = float(((module.decode(module.encode(X)) - X) ** 2).mean())
        module.train()
        self.errors_.append(error)


def run(X_train, X_test, n_components, candidate, epochs, seed):
    """Curves of one candidate: held-out error, training loss, cumulative seconds.
    Without early stopping the rule is off (it is replayed on the curves); with
    it, the estimator holds out 10% of X_train and stops itself, keeping the
    best weights."""
    batch_size, learning_rate, early_stopping = candidate
    stopping = ({"early_stopping": True} if early_stopping
                else {"n_iter_no_change": epochs + 1})
    ae = Autoencoder(n_components=n_components, batch_size=batch_size,
                     learning_rate_init=learning_rate, max_iter=epochs, random_state=seed,
                     callbacks=[("held_out", HeldOutError(X_test))], **stopping).fit(X_train)
    record = dict(ae.net_.callbacks_)["held_out"]  # the fit's copy of the callback
    seconds = np.cumsum([row["dur"] for row in ae.net_.history])
    curves = {"held_out": record.errors_, "loss": list(ae.loss_curve_),
              "seconds": seconds.tolist()}
    if early_stopping:  # the fitted model: its best epoch's weights
        restored = ae.inverse_transform(ae.transform(X_test))
        curves["stopped"] = {"epoch": ae.n_iter_, "seconds": float(seconds[-1]),
                             "error": float(np.mean((restored - X_test) ** 2))}
    return curves


def summarise(curves, reference):
    """The candidate's time to 1% and where the stopping rule stops: replayed
    on the training loss within 200 epochs, or as the estimator stopped itself."""
    held_out, seconds = np.asarray(curves["held_out"]), curves["seconds"]
    reached = np.flatnonzero(held_out <= (1 + WITHIN) * reference)
    if "stopped" in curves:
        stop, stop_seconds = curves["stopped"]["epoch"], curves["stopped"]["seconds"]
        stop_error = curves["stopped"]["error"]
    else:
        stop = stop_epoch(curves["loss"][:RULE_EPOCHS], "relative", RULE_TOL)
        stop_seconds, stop_error = seconds[stop - 1], held_out[stop - 1]
    return {
        "epochs_to_1pct": int(reached[0]) + 1 if len(reached) else None,
        "seconds_to_1pct": seconds[reached[0]] if len(reached) else None,
        "rule_epoch": stop, "rule_seconds": stop_seconds,
        "rule_error_ratio": float(stop_error / reference),
        "final_error_ratio": float(held_out[-1] / reference),
    }


def name_of(candidate):
    batch_size, learning_rate, early_stopping = candidate
    return f"{batch_size}/{learning_rate:g}{', early stopping' if early_stopping else ''}"


def mean_or_none(values):
    values = [v for v in values if v is not None]
    return statistics.fmean(values) if values else None


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", nargs="+",
                        default=["digits", "breast-cancer", "wine", "diabetes", "table-2000"])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=300)
    parser.add_argument("--data-home", default=None)
    parser.add_argument("--image-rows", type=int, default=10000)
    parser.add_argument("--equal-steps", action="store_true",
                        help="give each candidate --epochs x batch_size / 64 epochs: the "
                             "optimizer steps of --epochs epochs of batch 64")
    parser.add_argument("--early-stopping", action="store_true",
                        help="add candidates with early_stopping=True (a 10%% validation "
                             "split, the best weights restored)")
    args = parser.parse_args()
    candidates = CANDIDATES + (WITH_EARLY_STOPPING if args.early_stopping else [])

    def epochs_of(candidate, n_train):
        """--epochs, or with --equal-steps the epochs that take as many optimizer
        steps as --epochs epochs of batch 64 on n_train rows."""
        if not args.equal_steps:
            return args.epochs
        steps = args.epochs * math.ceil(n_train / 64)
        return math.ceil(steps / math.ceil(n_train / candidate[0]))
    warnings.simplefilter("ignore")  # the stopping rule is off: no ConvergenceWarning matters

    rows = []
    for name in args.datasets:
        X, is_table = load_reconstruction_data(name, args.data_home, args.image_rows)
        k = code_width(name)
        per_seed = []
        for seed in range(args.seeds):
            X_train, X_test = held_out_split(X, is_table, seed)
            pca = PCA(k).fit(X_train)
            pca_error = float(np.mean((pca.inverse_transform(pca.transform(X_test))
                                       - X_test) ** 2))
            curves = {c: run(X_train, X_test, k, c, epochs_of(c, len(X_train)), seed)
                      for c in candidates}
            reference = min(min(c["held_out"]) for c in curves.values())
            per_seed.append({"seed": seed, "reference": reference, "pca_error": pca_error,
                             "candidates": {name_of(c): summarise(curve, reference)
                                            for c, curve in curves.items()}})
            print(f"{name} seed {seed}: reference {reference:.4g}, PCA {pca_error:.4g}",
                  flush=True)
        for candidate in candidates:
            runs = [s["candidates"][name_of(candidate)] for s in per_seed]
            rows.append({
                "dataset": name, "n_rows": len(X), "n_features": X.shape[1],
                "n_components": k, "candidate": name_of(candidate),
                "epochs": epochs_of(candidate, len(X) - math.ceil(0.25 * len(X))),
                "seconds_to_1pct": mean_or_none([r["seconds_to_1pct"] for r in runs]),
                "epochs_to_1pct": mean_or_none([r["epochs_to_1pct"] for r in runs]),
                "reached_1pct": sum(r["seconds_to_1pct"] is not None for r in runs),
                "rule_epoch": statistics.fmean(r["rule_epoch"] for r in runs),
                "rule_seconds": statistics.fmean(r["rule_seconds"] for r in runs),
                "rule_error_ratio": statistics.fmean(r["rule_error_ratio"] for r in runs),
                "final_error_ratio": statistics.fmean(r["final_error_ratio"] for r in runs),
                "pca_error_ratio": statistics.fmean(s["pca_error"] / s["reference"]
                                                    for s in per_seed),
                "seeds": per_seed if candidate == OLD_DEFAULT else None,
            })

    budget = (f"{args.epochs} epochs x batch / 64 each (equal steps)" if args.equal_steps
              else f"{args.epochs} epochs each")
    meta = metadata(seeds=args.seeds, epochs=args.epochs, equal_steps=args.equal_steps,
                    candidates=candidates,
                    rule={"tol": RULE_TOL, "n_iter_no_change": 10, "max_iter": RULE_EPOCHS})
    lines = [f"Time to quality of candidate defaults ({describe(meta)}); means over "
             f"{args.seeds} seeds, {budget}. Written by benchmarks/bench_defaults.py.", "",
             "Error ratios are held-out MSE over the best any candidate reached (the "
             "reference). 'to 1%': training seconds (epochs) until the held-out error is "
             "within 1% of it, over the seeds that got there. 'rule': where tol=2e-3, "
             "n_iter_no_change=10 stops within 200 epochs (replayed on the training loss), "
             "or, with early stopping, where the estimator stopped and the error of the "
             "best weights it kept.", "",
             "| data | rows x features, k | batch / lr | epochs | to 1%: s (epochs) [seeds] "
             "| rule: epoch, s, error ratio | last epoch's ratio | PCA ratio |",
             "| --- | --- | --- | --- | --- | --- | --- | --- |"]
    for r in rows:
        to = ("never" if r["seconds_to_1pct"] is None else
              f"{r['seconds_to_1pct']:.2f} ({r['epochs_to_1pct']:.0f})")
        lines.append(
            f"| {r['dataset']} | {r['n_rows']} x {r['n_features']}, {r['n_components']} "
            f"| {r['candidate']} | {r['epochs']} "
            f"| {to} [{r['reached_1pct']}/{args.seeds}] "
            f"| {r['rule_epoch']:.0f}, {r['rule_seconds']:.2f}, {r['rule_error_ratio']:.3f} "
            f"| {r['final_error_ratio']:.3f} | {r['pca_error_ratio']:.3f} |")
    write_results("defaults_equal_steps" if args.equal_steps else "defaults", meta, rows, lines)


if __name__ == "__main__":
    main()
