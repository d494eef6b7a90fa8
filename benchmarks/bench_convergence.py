"""When has a default fit converged? Stopping rules against code quality, epoch by epoch.

``ConvAutoencoder(n_components=10)`` (or, with ``--estimator dense``, the dense
``Autoencoder(n_components=10)``) trains for ``--epochs`` epochs with
``early_stopping=False`` (and no stop before the last epoch); after every epoch
a callback encodes the data and scores KMeans(10) on the codes (cluster
accuracy). Each stopping rule is then
replayed on the recorded training-loss curve: "stop once the training loss has
not improved on its best by more than tol x |best| for n_iter_no_change=10
epochs in a row" (a relative tolerance, so the rule does not depend on the
scale of the data), and, for comparison, the same rule with an absolute
tolerance (scikit-learn MLP's). Reported per rule: the epoch it stops at, the
fraction of the full run's time, and the accuracy there against the best
accuracy of the run.

Appends to benchmarks/results/convergence.json and rewrites convergence.md.

    python benchmarks/bench_convergence.py --dataset digits --seeds 3 --epochs 400
    python benchmarks/bench_convergence.py --dataset mnist --n-samples 10000 --seeds 1 \\
        --epochs 60 --data-home ../shared/data
    python benchmarks/bench_convergence.py --dataset mnist --n-samples 60000 --seeds 1 \\
        --epochs 40 --batch-size 256 --data-home ../shared/data
"""

import argparse
import json
import time
from pathlib import Path

import numpy as np
import torch
from _data import DATASETS, load_clustering_data
from sklearn.cluster import KMeans
from skorch.callbacks import Callback

from skae import Autoencoder, ConvAutoencoder
from skae.metrics import cluster_accuracy

RESULTS = Path(__file__).parent / "results"
JSON = RESULTS / "convergence.json"
N_ITER_NO_CHANGE = 10
RULES = [("relative", tol) for tol in (1e-4, 1e-3, 3e-3, 1e-2)] + [
    ("absolute", tol) for tol in (1e-4,)]


class ClusterAccuracyPerEpoch(Callback):
    """KMeans cluster accuracy of the codes of X after every epoch, with the time."""

    def __init__(self, X, y):
        self.X, self.y = X, y

    def on_train_begin(self, net, **kwargs):
        self.accuracy_, self.seconds_, self.start_ = [], [], time.perf_counter()

    def on_epoch_end(self, net, **kwargs):
        self.seconds_.append(time.perf_counter() - self.start_)  # training time only
        module = net.module_
        module.eval()
        with torch.no_grad():
            codes = torch.cat([module.encode(torch.as_tensor(chunk))
                               for chunk in np.array_split(self.X, max(1, len(self.X) // 4096))])
        module.train()
        labels = KMeans(10, n_init=10, random_state=0).fit_predict(codes.numpy())
        self.accuracy_.append(float(cluster_accuracy(self.y, labels)))
        self.start_ = time.perf_counter() - self.seconds_[-1]


def stop_epoch(losses, kind, tol, n_iter_no_change=N_ITER_NO_CHANGE):
    """The epoch (1-based) at which the rule stops, or len(losses) if it never does."""
    best, count = np.inf, 0
    for epoch, loss in enumerate(losses, 1):
        margin = tol * abs(best) if kind == "relative" else tol
        count = count + 1 if not loss < best - margin else 0
        best = min(best, loss)
        if count >= n_iter_no_change:
            return epoch
    return len(losses)


def record_key(record):
    """What a run measured; records from before ``--batch-size`` and ``--estimator``
    used the defaults (64, conv)."""
    return (record["dataset"], record["n_samples"], record.get("estimator", "conv"),
            record.get("batch_size", 64), record["seed"])


def write_table(records):
    lines = ["Stopping rules replayed on the training-loss curve of "
             "`ConvAutoencoder(n_components=10)`, or `Autoencoder(n_components=10)` where "
             "the row says dense (KMeans(10) on the codes after every "
             f"epoch; n_iter_no_change={N_ITER_NO_CHANGE}). Written by "
             "benchmarks/bench_convergence.py from convergence.json.", "",
             "| data | n | batch | seed | rule | stops at epoch | of epochs run | time fraction | "
             "accuracy there | best accuracy (epoch) | accuracy at last epoch | date |",
             "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    for r in records:
        best = int(np.argmax(r["accuracy"]))
        dense = ", dense" if r.get("estimator", "conv") == "dense" else ""
        for kind, tol in RULES:
            epoch = stop_epoch(r["loss"], kind, tol)
            lines.append(
                f"| {r['dataset']}{dense} | {r['n_samples']} | {r.get('batch_size', 64)} | "
                f"{r['seed']} | {kind} tol={tol:g} | "
                f"{epoch} | {len(r['loss'])} | "
                f"{r['seconds'][epoch - 1] / r['seconds'][-1]:.2f} | "
                f"{r['accuracy'][epoch - 1]:.3f} | {r['accuracy'][best]:.3f} ({best + 1}) | "
                f"{r['accuracy'][-1]:.3f} | {r['date']} |")
    (RESULTS / "convergence.md").write_text("\n".join(lines) + "\n")
    return lines


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", choices=DATASETS, default="digits")
    parser.add_argument("--n-samples", type=int, default=None)
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=400)
    parser.add_argument("--estimator", choices=["conv", "dense"], default="conv",
                        help="ConvAutoencoder (conv) or the dense Autoencoder")
    parser.add_argument("--batch-size", type=int, default=64,
                        help="the autoencoder's batch_size (default: its default, 64)")
    parser.add_argument("--data-home", default=None)
    args = parser.parse_args()

    X, y, image_shape = load_clustering_data(args.dataset, args.n_samples, args.data_home)
    for seed in range(args.seeds):
        probe = ClusterAccuracyPerEpoch(X, y)
        # n_iter_no_change=epochs: every epoch runs, whatever the stopping rule.
        ae = (ConvAutoencoder(image_shape=image_shape) if args.estimator == "conv"
              else Autoencoder()).set_params(
            n_components=10, max_iter=args.epochs, n_iter_no_change=args.epochs,
            batch_size=args.batch_size, random_state=seed, callbacks=[("probe", probe)])
        ae.fit(X)
        probe = dict(ae.net_.callbacks_)["probe"]
        entry = {"dataset": args.dataset, "n_samples": len(X), "seed": seed,
                 "batch_size": args.batch_size, "estimator": args.estimator,
                 "loss": ae.loss_curve_, "accuracy": probe.accuracy_,
                 "seconds": probe.seconds_, "threads": torch.get_num_threads(),
                 "torch": torch.__version__, "date": time.strftime("%Y-%m-%d")}
        records = json.loads(JSON.read_text()) if JSON.exists() else []
        records = [r for r in records if record_key(r) != record_key(entry)]
        RESULTS.mkdir(exist_ok=True)
        JSON.write_text(json.dumps(records + [entry]))
        print(f"seed {seed}: {probe.seconds_[-1]:.0f} s, accuracy at the end "
              f"{probe.accuracy_[-1]:.3f}, best {max(probe.accuracy_):.3f}", flush=True)
    print("\n".join(write_table(json.loads(JSON.read_text()))))


if __name__ == "__main__":
    main()
