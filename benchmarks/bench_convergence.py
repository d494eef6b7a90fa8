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
    python benchmarks/bench_convergence.py --dataset digits-demo --seeds 6 --epochs 200 \\
        --estimator dense

``--default-fit TOL [TOL ...]`` fits the estimator once per tol with its
defaults (the stopping rule on, no callback) and records the epochs it ran,
its time and KMeans accuracy on its codes, in default_fit.json / .md:

    python benchmarks/bench_convergence.py --dataset mnist --n-samples 60000 \\
        --default-fit 2e-3 3e-3 --data-home ../shared/data

``--dataset digits-demo`` follows the demo (``python -m skae``): digits in [0, 1],
KMeans fitted on the codes of the 1,347 training digits and scored on the 450
held out (a new split for each seed, as the demo's ``--random-state`` draws it).
"""

import argparse
import json
import time
from pathlib import Path

import numpy as np
import torch
from _data import DATASETS, load_clustering_data
from _harness import stop_epoch
from sklearn.cluster import KMeans
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from skorch.callbacks import Callback

from skae import Autoencoder, ConvAutoencoder
from skae.metrics import cluster_accuracy

RESULTS = Path(__file__).parent / "results"
JSON = RESULTS / "convergence.json"
N_ITER_NO_CHANGE = 10
RULES = [("relative", tol) for tol in (1e-4, 1e-3, 2e-3, 3e-3, 1e-2)] + [
    ("absolute", tol) for tol in (1e-4,)]


class ClusterAccuracyPerEpoch(Callback):
    """KMeans cluster accuracy of the codes after every epoch, with the time.

    KMeans is fitted on the codes of ``X`` and scored on them, or, given
    ``X_test``, scored on the codes of ``X_test`` (the demo's held-out protocol).
    """

    def __init__(self, X, y, X_test=None, y_test=None, kmeans_seed=0):
        self.X, self.y, self.X_test, self.y_test = X, y, X_test, y_test
        self.kmeans_seed = kmeans_seed

    def on_train_begin(self, net, **kwargs):
        self.accuracy_, self.seconds_, self.start_ = [], [], time.perf_counter()

    def _codes(self, module, X):
        with torch.no_grad():
            return torch.cat([module.encode(torch.as_tensor(chunk)) for chunk in
                              np.array_split(X, max(1, len(X) // 4096))]).numpy()

    def on_epoch_end(self, net, **kwargs):
        self.seconds_.append(time.perf_counter() - self.start_)  # training time only
        module = net.module_
        module.eval()
        codes = self._codes(module, self.X)
        kmeans = KMeans(10, n_init=10, random_state=self.kmeans_seed).fit(codes)
        if self.X_test is None:
            accuracy = cluster_accuracy(self.y, kmeans.labels_)
        else:
            accuracy = cluster_accuracy(self.y_test,
                                        kmeans.predict(self._codes(module, self.X_test)))
        module.train()
        self.accuracy_.append(float(accuracy))
        self.start_ = time.perf_counter() - self.seconds_[-1]


def demo_split(seed):
    """The demo's data (``python -m skae``): digits scaled to [0, 1], a stratified
    split with 25% held out, drawn with the seed."""
    X, y = load_digits(return_X_y=True)
    return train_test_split((X / 16).astype(np.float32), y, test_size=0.25, stratify=y,
                            random_state=seed)


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


def autoencoder(estimator, image_shape, **params):
    """``ConvAutoencoder`` (``"conv"``) or the dense ``Autoencoder`` (pixels as
    given: ``scale=False``), with a code of 10."""
    ae = (ConvAutoencoder(image_shape=image_shape) if estimator == "conv"
          else Autoencoder(scale=False))
    return ae.set_params(n_components=10, **params)


def default_fit(args):
    """One fit with the estimator's defaults (``tol`` from ``--default-fit``): the
    epochs it runs, its time, and KMeans accuracy on its codes. Appends to
    default_fit.json and rewrites default_fit.md."""
    X, y, image_shape = load_clustering_data(args.dataset, args.n_samples, args.data_home)
    records_path = RESULTS / "default_fit.json"
    records = json.loads(records_path.read_text()) if records_path.exists() else []
    for tol in args.default_fit:
        ae = autoencoder(args.estimator, image_shape, tol=tol, random_state=0)
        start = time.perf_counter()
        codes = ae.fit_transform(X)
        fit_s = time.perf_counter() - start
        labels = KMeans(10, n_init=10, random_state=0).fit_predict(codes)
        records.append({"dataset": args.dataset, "n_samples": len(X),
                        "estimator": type(ae).__name__, "tol": tol, "n_iter": ae.n_iter_,
                        "max_iter": ae.max_iter, "fit_s": fit_s,
                        "accuracy": float(cluster_accuracy(y, labels)),
                        "threads": torch.get_num_threads(), "torch": torch.__version__,
                        "date": time.strftime("%Y-%m-%d")})
        print(json.dumps(records[-1]), flush=True)
        RESULTS.mkdir(exist_ok=True)
        records_path.write_text(json.dumps(records, indent=1))
    lines = ["Default fits (`n_components=10`, seed 0, every other parameter at its default "
             "but `tol`), fitted on the first n images; KMeans(10) on their codes. Written "
             "by benchmarks/bench_convergence.py --default-fit.", "",
             "| data | n | estimator | tol | epochs run (of max_iter) | fit | KMeans accuracy "
             "| threads | date |", "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    lines += [f"| {r['dataset']} | {r['n_samples']} | {r['estimator']} | {r['tol']:g} | "
              f"{r['n_iter']} ({r['max_iter']}) | {r['fit_s'] / 60:.1f} min | "
              f"{r['accuracy']:.3f} | {r['threads']} | {r['date']} |" for r in records]
    (RESULTS / "default_fit.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", choices=[*DATASETS, "digits-demo"], default="digits",
                        help="digits-demo: the demo's protocol, KMeans fitted on the "
                             "codes of 1,347 digits in [0, 1] and scored on the other 450")
    parser.add_argument("--n-samples", type=int, default=None)
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=400)
    parser.add_argument("--estimator", choices=["conv", "dense"], default="conv",
                        help="ConvAutoencoder (conv) or the dense Autoencoder")
    parser.add_argument("--batch-size", type=int, default=64,
                        help="the autoencoder's batch_size (default: its default, 64)")
    parser.add_argument("--data-home", default=None)
    parser.add_argument("--default-fit", type=float, nargs="+", metavar="TOL",
                        help="instead of the replay: one fit with the defaults and each "
                             "of these tol values (no callback, the stopping rule on)")
    args = parser.parse_args()
    if args.default_fit:
        return default_fit(args)

    if args.dataset != "digits-demo":
        X, y, image_shape = load_clustering_data(args.dataset, args.n_samples, args.data_home)
    for seed in range(args.seeds):
        if args.dataset == "digits-demo":
            X, X_test, y, y_test = demo_split(seed)
            image_shape = (1, 8, 8)
            probe = ClusterAccuracyPerEpoch(X, y, X_test, y_test, kmeans_seed=seed)
        else:
            probe = ClusterAccuracyPerEpoch(X, y)
        # n_iter_no_change=epochs: every epoch runs, whatever the stopping rule.
        ae = autoencoder(args.estimator, image_shape, max_iter=args.epochs,
                         n_iter_no_change=args.epochs, batch_size=args.batch_size,
                         random_state=seed, callbacks=[("probe", probe)])
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
