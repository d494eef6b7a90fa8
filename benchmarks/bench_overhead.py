"""Time one training epoch of skae's Autoencoder against a plain torch loop and a plain skorch net.

All three train the same architecture (the module skae builds) with Adam on
the same 60,000 x 784 float32 array (uniform noise by default, MNIST with
--data-home), with the same batch size and per-epoch shuffling; the plain
loop reads each batch's loss with ``.item()``, as a hand-written loop that
logs its loss does.

Each timed run is one whole call training ``--epochs`` epochs (for skae a
``fit``, with its input validation and the latent density fitted at the
end); the reported time per epoch is that call's time divided by the number
of epochs. Runs follow one warm-up call; the median of ``--repeats`` runs
is reported with its ratio to the plain loop. skae's fixed cost per ``fit``
(everything outside the epochs, from skorch's per-epoch durations) is
reported beside it.

Writes benchmarks/results/overhead.json and overhead.md.

    python benchmarks/bench_overhead.py [--repeats 5] [--data-home ../shared/data]
"""

import argparse
import copy
import json
import platform
import statistics
import time
from pathlib import Path

import numpy as np
import torch
from _harness import call_times
from skorch import NeuralNet

from skae import Autoencoder

RESULTS = Path(__file__).parent / "results"


def load_data(data_home, n_samples=60000, n_features=784):
    if data_home is None:
        rng = np.random.default_rng(0)
        return rng.random((n_samples, n_features), dtype=np.float32), "uniform noise"
    import gzip

    path = Path(data_home) / "mnist" / "train-images-idx3-ubyte.gz"
    with gzip.open(path, "rb") as f:
        pixels = np.frombuffer(f.read(), np.uint8, offset=16)
    return (pixels.reshape(-1, 784) / 255).astype(np.float32), "MNIST train images"


def time_plain_loop(module, X, batch_size, epochs, repeats):
    X = torch.from_numpy(X)
    optimizer = torch.optim.Adam(module.parameters(), lr=1e-3)
    loss_fn = torch.nn.MSELoss()

    def train():
        module.train()
        for _ in range(epochs):
            order = torch.randperm(len(X))
            for start in range(0, len(X), batch_size):
                xb = X[order[start:start + batch_size]]
                output, _ = module(xb)
                loss = loss_fn(output, xb)
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
                loss.item()

    return call_times(train, repeats)


class _FirstOutputMSE(torch.nn.Module):
    def forward(self, y_pred, y_true):
        return torch.nn.functional.mse_loss(y_pred[0], y_true)


def time_skorch(module, X, batch_size, epochs, repeats):
    net = NeuralNet(module, criterion=_FirstOutputMSE, optimizer=torch.optim.Adam,
                    lr=1e-3, max_epochs=epochs, batch_size=batch_size, train_split=None,
                    iterator_train__shuffle=True, verbose=0, warm_start=True)
    net.initialize()
    return call_times(lambda: net.partial_fit(X, X), repeats)


def time_skae(X, params, epochs, repeats):
    ae = Autoencoder(**params, max_iter=epochs, warm_start=True).fit(X[:256])
    fixed = []

    def fit():
        start = time.perf_counter()
        ae.fit(X)
        fixed.append(time.perf_counter() - start - sum(ae.net_.history[-epochs:, "dur"]))

    return call_times(fit, repeats), statistics.median(fixed[1:])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--data-home", default=None)
    args = parser.parse_args()

    X, data = load_data(args.data_home)
    params = dict(n_components=32, hidden_layer_sizes=(256, 128), batch_size=args.batch_size,
                  random_state=0)
    template = Autoencoder(**params, max_iter=1).fit(X[:256]).module_
    run = (args.batch_size, args.epochs, args.repeats)
    skae_times, skae_fixed = time_skae(X, params, args.epochs, args.repeats)
    times = {
        "plain torch loop": time_plain_loop(copy.deepcopy(template), X, *run),
        "plain skorch net": time_skorch(copy.deepcopy(template), X, *run),
        "skae Autoencoder": skae_times,
    }
    per_epoch = {name: [t / args.epochs for t in ts] for name, ts in times.items()}
    per_epoch["skae Autoencoder, epochs only"] = [
        t - skae_fixed / args.epochs for t in per_epoch["skae Autoencoder"]]
    base = statistics.median(per_epoch["plain torch loop"])
    rows = [{"contender": name, "median_s": statistics.median(t), "min_s": min(t),
             "ratio_to_plain_loop": statistics.median(t) / base, "times_s": t}
            for name, t in per_epoch.items()]
    meta = {"data": f"{data}, {X.shape[0]} x {X.shape[1]} float32",
            "architecture": "784-256-128-32 MLP encoder, mirrored decoder, ReLU",
            "batch_size": args.batch_size, "repeats": args.repeats, "epochs": args.epochs,
            "skae_fixed_cost_per_fit_s": skae_fixed,
            "torch": torch.__version__, "threads": torch.get_num_threads(),
            "machine": platform.platform(), "date": time.strftime("%Y-%m-%d")}

    lines = [f"Time per epoch, {meta['data']}, batch {args.batch_size}, calls of "
             f"{args.epochs} epochs, median of {args.repeats} (torch {meta['torch']}, "
             f"{meta['threads']} threads, {meta['date']}).", "",
             "| contender | median s/epoch | min s/epoch | ratio to plain loop |",
             "| --- | --- | --- | --- |"]
    lines += [f"| {r['contender']} | {r['median_s']:.3f} | {r['min_s']:.3f} | "
              f"{r['ratio_to_plain_loop']:.3f} |" for r in rows]
    lines += ["", f"skae's fixed cost per fit (validation, latent density; outside the "
              f"epochs): {skae_fixed:.3f} s."]
    print("\n".join(lines))
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "overhead.json").write_text(json.dumps({"meta": meta, "rows": rows}, indent=2))
    (RESULTS / "overhead.md").write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
