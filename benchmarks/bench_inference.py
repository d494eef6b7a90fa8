"""Inference cost: one-row latency against PCA, batch time against the bare
module, and the memory of a variational autoencoder's score.

1. **One row.** Each estimator is fitted briefly on scikit-learn's digits
   (pixels / 16; the weights do not change the cost of a forward pass); then
   one method is called on one row, ``--repeats`` times after a warm-up, in
   rounds of 20 calls of each contender in turn (a host whose speed drifts
   slows them alike). The median and mean of the calls are reported, with
   the median's ratio to ``PCA(n_components=10).transform`` of the same row
   in the same run (the target: at most 2x). The bare module's own forward (float32, no
   validation) is shown for scale, and so are the torch operations of a VAE's
   ``score_samples`` written out (posterior, 10 draws decoded, Gaussian
   log-likelihood, KL), to show how much of its time is torch's own.
2. **Batch.** ``transform`` of ``--batch-rows`` uniform-noise rows of
   28 x 28 = 784 features against the module's own ``encode`` in the dtype
   skae infers in on the CPU (float64), on a copy prepared once, over the
   same chunks of rows (the target: at most 1.3x). Median of
   ``--batch-repeats`` calls each.
   With the ``onnx`` extra installed, the same fitted estimators converted
   by ``skl2onnx.to_onnx`` (``import skae.onnx``) are timed in onnxruntime
   too: a session's ``run`` on the row (float32), and on the batch.
3. **Memory of a VAE's score.** Each case runs in a fresh process: a
   ``ConvVariationalAutoencoder`` on 28 x 28 noise images fitted for one
   epoch, then ``score`` on ``n`` rows with the resident memory sampled
   every 2 ms. "extra" is the peak above the memory before the call, with
   glibc's default allocator settings and with its mmap threshold fixed
   (``MALLOC_MMAP_THRESHOLD_=131072``), under which the resident memory
   follows the live tensors instead of the heap's high-water mark. The
   wide case (``stride=1``, ``channels=(16, 16)``) has a 12,544-wide
   flattened feature map, as the course's seed study's 12,800.

Writes benchmarks/results/inference.json and inference.md.

    python benchmarks/bench_inference.py [--repeats 2000] [--score-rows 500 2000 10000]
"""

import argparse
import copy
import functools
import json
import math
import os
import statistics
import subprocess
import sys
import warnings

import numpy as np
import torch
from _harness import (
    call_times,
    describe,
    interleaved_call_times,
    metadata,
    run_with_memory,
    write_results,
)
from sklearn.datasets import load_digits
from sklearn.decomposition import PCA

from skae import (
    Autoencoder,
    AutoencoderClassifier,
    AutoencoderOutlierDetector,
    ConvAutoencoder,
    ConvVariationalAutoencoder,
    DeepEmbeddedClustering,
    Reconstructor,
    VariationalAutoencoder,
)

SCORE_CASES = {
    "conv VAE, default": {},
    "conv VAE, wide (stride=1, channels=(16, 16))": {"stride": 1, "channels": (16, 16)},
}


def one_row_contenders(X, y):
    """``(name, fn)`` pairs; each ``fn(row)`` is one inference call."""
    quick = {"max_iter": 5, "random_state": 0}
    ae = Autoencoder(n_components=10, **quick).fit(X)
    conv = ConvAutoencoder(n_components=10, image_shape=(1, 8, 8), **quick).fit(X)
    vae = VariationalAutoencoder(n_components=10, **quick).fit(X)
    clf = AutoencoderClassifier(Autoencoder(n_components=10, **quick), **quick).fit(X, y)
    detector = AutoencoderOutlierDetector(Autoencoder(n_components=10, **quick),
                                          random_state=0).fit(X)
    dec = DeepEmbeddedClustering(10, Autoencoder(n_components=10, **quick),
                                 **quick).fit(X)
    reconstructor = Reconstructor(Autoencoder(n_components=10, **quick),
                                  random_state=0).fit(X)
    pca = PCA(n_components=10).fit(X)
    module = ae.module_

    def bare(row):
        with torch.inference_mode():
            return module.encode(torch.from_numpy(row))

    vae_module = vae.module_
    draws = torch.randn(10, 1, 10, generator=torch.Generator().manual_seed(0))

    def bare_elbo(row):
        # The torch work of a VAE's score_samples written out, with none of
        # skae's code around it: the posterior, 10 draws decoded, a Gaussian
        # log-likelihood (the default loss) and the KL term.
        with torch.inference_mode():
            x = torch.from_numpy(row)
            mean, log_var = vae_module.posterior(x)
            out = vae_module.decode_draws(mean + torch.exp(0.5 * log_var) * draws)
            log_scale = vae_module.log_scale
            nll = (0.5 * ((x - out.view(10, 1, -1)) * torch.exp(-log_scale)) ** 2
                   + log_scale + 0.5 * math.log(2 * math.pi)).sum(-1).mean(0)
            return -nll - 0.5 * (mean**2 + torch.exp(log_var) - 1 - log_var).sum(-1)

    codes = ae.transform(X[:1])
    served = onnx_contenders(X[:1], [("Autoencoder.transform", ae),
                                     ("ConvAutoencoder.transform", conv),
                                     ("VariationalAutoencoder.transform", vae),
                                     ("AutoencoderClassifier.predict_proba", clf),
                                     ("AutoencoderOutlierDetector.decision_function", detector),
                                     ("Reconstructor.transform", reconstructor)])
    return [
        ("PCA.transform", pca.transform),
        ("bare module encode, float32", bare),
        ("Autoencoder.transform", ae.transform),
        ("Autoencoder.inverse_transform", lambda row: ae.inverse_transform(codes)),
        ("Autoencoder.score_samples", ae.score_samples),
        ("ConvAutoencoder.transform", conv.transform),
        ("VariationalAutoencoder.transform", vae.transform),
        ("VariationalAutoencoder.score_samples", vae.score_samples),
        ("bare module ELBO, float32 (its torch operations only)", bare_elbo),
        ("AutoencoderClassifier.predict", clf.predict),
        ("AutoencoderClassifier.predict_proba", clf.predict_proba),
        ("AutoencoderOutlierDetector.decision_function", detector.decision_function),
        ("AutoencoderOutlierDetector.predict", detector.predict),
        ("DeepEmbeddedClustering.predict", dec.predict),
        ("Reconstructor.transform", reconstructor.transform),
    ] + served


def onnx_session(estimator, X):
    """An onnxruntime session of ``estimator`` converted by skl2onnx, or None
    without the onnx extra."""
    try:
        import onnxruntime
        from skl2onnx import to_onnx

        import skae.onnx  # noqa: F401  (registers skae's converters)
    except ImportError:
        return None
    options = ({id(estimator): {"zipmap": False}}
               if isinstance(estimator, AutoencoderClassifier) else None)
    onx = to_onnx(estimator, X[:1], options=options)
    return onnxruntime.InferenceSession(onx.SerializeToString(),
                                        providers=["CPUExecutionProvider"])


def onnx_contenders(X, named):
    """``(name, fn)`` of each estimator's ONNX model run by onnxruntime (none
    without the onnx extra)."""
    pairs = []
    for name, estimator in named:
        session = onnx_session(estimator, X)
        if session is None:
            return []
        feed = session.get_inputs()[0].name
        pairs.append((f"onnxruntime: {name}",
                      lambda row, session=session, feed=feed: session.run(None, {feed: row})))
    return pairs


def one_row(repeats):
    X, y = load_digits(return_X_y=True)
    X = (X / 16).astype(np.float32)
    row = X[:1]
    rows = []
    contenders = {name: functools.partial(fn, row) for name, fn in one_row_contenders(X, y)}
    for name, times in interleaved_call_times(contenders, repeats).items():
        rows.append({"part": "one row", "contender": name,
                     "median_ms": 1e3 * statistics.median(times),
                     "mean_ms": 1e3 * statistics.fmean(times),
                     "p99_ms": 1e3 * float(np.percentile(times, 99))})
        print(f"one row, {name}: {rows[-1]['median_ms']:.3f} ms median", flush=True)
    pca = rows[0]["median_ms"]
    for r in rows:
        r["ratio_to_pca"] = r["median_ms"] / pca
    return rows


def batch(n_rows, repeats):
    rng = np.random.default_rng(0)
    X = rng.random((n_rows, 784), dtype=np.float32)
    rows = []
    for name, estimator in [
        ("Autoencoder", Autoencoder(n_components=10, max_iter=1, random_state=0)),
        ("ConvAutoencoder", ConvAutoencoder(n_components=10, image_shape=(1, 28, 28),
                                            max_iter=1, random_state=0)),
    ]:
        estimator.fit(X[:2048])
        prepared = copy.deepcopy(estimator.module_).double().eval()
        chunks = [torch.from_numpy(X[i:i + 512]) for i in range(0, n_rows, 512)]

        def bare():
            with torch.inference_mode():
                return torch.cat([prepared.encode(c.double()) for c in chunks]).float().numpy()

        module_s = statistics.median(call_times(bare, repeats))
        skae_s = statistics.median(call_times(lambda: estimator.transform(X), repeats))
        session = onnx_session(estimator, X)
        onnx_s = (None if session is None else statistics.median(call_times(
            lambda: session.run(None, {session.get_inputs()[0].name: X}), repeats)))
        rows.append({"part": "batch", "contender": f"{name}.transform",
                     "n_rows": n_rows, "skae_s": skae_s, "module_float64_s": module_s,
                     "ratio_to_module": skae_s / module_s, "onnxruntime_s": onnx_s})
        print(f"batch, {name}: {skae_s:.3f} s against {module_s:.3f} s", flush=True)
    return rows


def score_memory_child(case, n_rows):
    """Runs in the child process: prints one JSON line."""
    rng = np.random.default_rng(0)
    X = rng.random((max(n_rows, 256), 784), dtype=np.float32)
    vae = ConvVariationalAutoencoder(n_components=10, image_shape=(1, 28, 28), max_iter=1,
                                     random_state=0, **SCORE_CASES[case]).fit(X[:256])
    vae.score(X[:8])  # warm-up
    _, seconds, before, peak = run_with_memory(lambda: vae.score(X[:n_rows]))
    print(json.dumps({"part": "score memory", "contender": case, "n_rows": n_rows,
                      "seconds": seconds, "extra_mb": peak["VmRSS"] - before["VmRSS"]}))


# glibc's malloc raises its mmap threshold as large blocks are freed (up to 32
# MB), after which freed blocks stay in the heap: the resident memory then
# shows the allocator's high-water mark, not what is alive. With the
# threshold fixed, every block over 128 KB is its own mapping, returned when
# freed, and the resident memory follows the live tensors.
ALLOCATORS = {"glibc default": {}, "mmap threshold 128 KB": {"MALLOC_MMAP_THRESHOLD_": "131072"}}


def score_memory(sizes):
    rows = []
    for case in SCORE_CASES:
        for allocator, env in ALLOCATORS.items():
            for n_rows in sizes:
                out = subprocess.run([sys.executable, __file__, "--child", case, str(n_rows)],
                                     capture_output=True, text=True, check=True,
                                     env={**os.environ, **env})
                rows.append({**json.loads(out.stdout.strip().splitlines()[-1]),
                             "allocator": allocator})
                print(f"score, {case}, {allocator}, {n_rows} rows: "
                      f"{rows[-1]['seconds']:.2f} s, {rows[-1]['extra_mb']:.0f} MB extra",
                      flush=True)
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=2000)
    parser.add_argument("--batch-rows", type=int, default=10000)
    parser.add_argument("--batch-repeats", type=int, default=5)
    parser.add_argument("--score-rows", type=int, nargs="+", default=[500, 2000, 10000])
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    warnings.simplefilter("ignore")  # short fits: their ConvergenceWarnings are expected
    if args.child:
        score_memory_child(args.child[0], int(args.child[1]))
        return

    meta = metadata(repeats=args.repeats, batch_rows=args.batch_rows,
                    batch_repeats=args.batch_repeats, score_rows=args.score_rows)
    rows = one_row(args.repeats) + batch(args.batch_rows, args.batch_repeats)
    rows += score_memory(args.score_rows)

    lines = [f"Inference cost ({describe(meta)}). Written by benchmarks/bench_inference.py.",
             "", f"One row of digits (64 features), {args.repeats} calls after a warm-up; "
             "ratio of the medians to PCA's transform (target: at most 2).", "",
             "| call | median ms | mean ms | p99 ms | ratio to PCA |",
             "| --- | --- | --- | --- | --- |"]
    lines += [f"| {r['contender']} | {r['median_ms']:.3f} | {r['mean_ms']:.3f} "
              f"| {r['p99_ms']:.3f} | {r['ratio_to_pca']:.2f} |"
              for r in rows if r["part"] == "one row"]
    lines += ["", f"{args.batch_rows} rows of 784 features, median of {args.batch_repeats} "
              "calls; the module's own encode in float64 over the same 512-row chunks "
              "(target: at most 1.3); onnxruntime's run of the converted estimator "
              "(float32, all the rows at once).", "",
              "| call | skae s | module s | ratio | onnxruntime s |",
              "| --- | --- | --- | --- | --- |"]
    lines += [f"| {r['contender']} | {r['skae_s']:.3f} | {r['module_float64_s']:.3f} "
              f"| {r['ratio_to_module']:.2f} | "
              + ("-" if r["onnxruntime_s"] is None else f"{r['onnxruntime_s']:.3f}") + " |"
              for r in rows if r["part"] == "batch"]
    lines += ["", "`score` of a ConvVariationalAutoencoder (28 x 28, 10 codes), one process "
              "per row; extra = peak resident memory above the memory before the call. "
              "With glibc's default settings the resident memory keeps freed blocks in the "
              "heap; with its mmap threshold fixed at 128 KB it follows the live tensors.", "",
              "| model | allocator | rows | seconds | ms per row | extra MB |",
              "| --- | --- | --- | --- | --- | --- |"]
    lines += [f"| {r['contender']} | {r['allocator']} | {r['n_rows']} | {r['seconds']:.2f} "
              f"| {1e3 * r['seconds'] / r['n_rows']:.2f} | {r['extra_mb']:.0f} |"
              for r in rows if r["part"] == "score memory"]
    write_results("inference", meta, rows, lines)


if __name__ == "__main__":
    main()
