"""Downstream workflows on MNIST and Fashion-MNIST: clustering, probes, fine-tuning, outliers.

Reads the original IDX files with ``skae.datasets`` (``--data-home``), pixels
in [0, 1], the standard 60,000 / 10,000 split. Parts (``--parts``):

- ``cluster``: ``Pipeline([ConvAutoencoder(n_components=10), KMeans(10)])``
  fitted and scored on all 70,000 images (the usual protocol for
  unsupervised clustering), cluster accuracy (Hungarian); KMeans on the raw
  pixels in the same run.
- ``dec``: ``DeepEmbeddedClustering`` (IDEC) on a ConvAutoencoder, all
  70,000 images; KMeans, and N2D's UMAP + GaussianMixture when umap-learn is
  installed, on its pretrained codes.

``--probe-architecture conv`` probes the codes of a ConvAutoencoder(32)
instead. ``--augment`` fine-tunes the classifier on a new shifted (up to 2 pixels)
and rotated (up to 10 degrees) copy of the training images at every epoch;
``--augment flip`` mirrors half of them left to right instead (for
Fashion-MNIST); ``--augmentation flip_shift`` (or ``flip``, ``shift``) sets
the classifier's own ``augmentation``, which changes every training batch
as it trains; and ``--channels 64 128`` widens the classifier's encoder;
``--n-components``, ``--head``, ``--batch-norm``, ``--pooling`` and
``--learning-rate`` set its code width, head, batch norm (encoder and head),
pooling and fine-tuning schedule; ``--classifier-validation`` scores it on the
last 10,000 training images, fitted on the first 50,000, to choose among
recipes without the test set.
``--architecture dense`` swaps the ConvAutoencoder of ``cluster`` and ``dec``
for the DEC papers' dense d-500-500-2000-10 autoencoder; ``--architecture
dec-keras`` trains that net as DEC-keras does on MNIST (SGD with step 1 and
momentum 0.9), and then DEC itself (``method="dec"``, SGD with step 0.01), or,
with ``--dec-method idec``, IDEC as its reference code does (Adam).
``--seed`` sets the seed of ``cluster`` and ``dec`` (0 by default).
- ``probe``: LogisticRegression on the frozen 32-dimensional codes of an
  ``Autoencoder`` (fitted on the training images, or the first
  ``--probe-train-samples`` of them; ``--probe-noise-level`` trains it with masking
  noise), test accuracy, against LogisticRegression on the raw pixels fitted on
  the same images; ``--probe-standardize`` puts a StandardScaler before both
  probes, and ``--batch-norm`` and ``--pooling`` apply to the conv probe too;
  ``--probe-sparsity``, ``--probe-sparsity-weight`` and ``--probe-code-activation``
  set the autoencoder's sparse or bounded code, and ``--probe-invariance`` adds
  a shift-invariance term to the conv probe's loss.
- ``classifier``: ``AutoencoderClassifier`` with a pretrained ConvAutoencoder,
  fine-tuned, test accuracy.
- ``outlier``: one MNIST digit held out as the anomaly: an
  ``AutoencoderOutlierDetector`` fitted on the training images of the nine
  other digits scores the whole test set; ROC AUC per held-out digit, against
  IsolationForest on the raw pixels in the same run.

Each part writes its figures into ``benchmarks/results/downstream.json`` (other
parts already there are kept) and the Markdown table ``downstream.md``.

    python benchmarks/bench_downstream.py --data-home ../shared/data [--parts ...]
"""

import argparse
import json
import time
from pathlib import Path

import numpy as np
import torch
from _harness import metadata
from _recipes import SGD_STEP_1, ShiftInvariance
from sklearn.cluster import KMeans
from sklearn.ensemble import IsolationForest
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler

from skae import (
    Autoencoder,
    AutoencoderClassifier,
    AutoencoderOutlierDetector,
    ConvAutoencoder,
    ConvVariationalAutoencoder,
    DeepEmbeddedClustering,
)
from skae.datasets import (
    fetch_fashion_mnist,
    fetch_mnist,
    flip_images,
    rotate_images,
    shift_images,
)
from skae.metrics import cluster_accuracy

RESULTS = Path(__file__).parent / "results"
PARTS = ("outlier", "probe", "cluster", "classifier", "dec")
FETCH = {"mnist": fetch_mnist, "fashion-mnist": fetch_fashion_mnist}


def conv_autoencoder(n_components, max_iter, seed=0, channels=(32, 64)):
    return ConvAutoencoder(n_components=n_components, image_shape=(1, 28, 28),
                           channels=channels, batch_size=256, max_iter=max_iter,
                           random_state=seed)


def dense_autoencoder(n_components, max_iter, seed=0):
    """The DEC/IDEC papers' d-500-500-2000-10 autoencoder."""
    return Autoencoder(n_components=n_components, hidden_layer_sizes=(500, 500, 2000),
                       batch_size=256, max_iter=max_iter, random_state=seed)


# DEC-keras's MNIST recipe (its DEC.py): the same dense net pretrained by SGD
# with step 1 and momentum 0.9, then DEC (no reconstruction term) by SGD with
# step 0.01 and momentum 0.9. IDEC's reference code (its IDEC.py) starts from
# the same pretrained weights and runs IDEC with Adam at Keras's defaults,
# which are DeepEmbeddedClustering's own (``--dec-method idec``).
DEC_KERAS_CLUSTERING = dict(method="dec", optimizer="sgd", learning_rate_init=0.01,
                            momentum=0.9, nesterovs_momentum=False)


def dec_keras_autoencoder(n_components, max_iter, seed=0):
    # DEC-keras pretrains for a fixed number of epochs; tol=1e-4 (the default
    # when the recorded runs were made) lets all of them run.
    return dense_autoencoder(n_components, max_iter, seed).set_params(**SGD_STEP_1, tol=1e-4)


ARCHITECTURES = {"conv": ("ConvAutoencoder(10)", conv_autoencoder),
                 "dense": ("Autoencoder 500-500-2000-10", dense_autoencoder),
                 "dec-keras": ("Autoencoder 500-500-2000-10, SGD step 1 momentum 0.9",
                               dec_keras_autoencoder)}


def timed(fn):
    start = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - start


def cluster_part(data, args):
    X, y = data.data, data.target
    raw, raw_s = timed(lambda: KMeans(10, n_init=10, random_state=0).fit_predict(X))
    pipe = Pipeline([("ae", ARCHITECTURES[args.architecture][1](10, args.epochs, args.seed)),
                     ("km", KMeans(10, n_init=10, random_state=0))])
    labels, fit_s = timed(lambda: pipe.fit_predict(X))
    return {"raw_pixels": cluster_accuracy(y, raw), "raw_s": raw_s,
            "conv_autoencoder_kmeans": cluster_accuracy(y, labels), "fit_s": fit_s,
            "epochs": args.epochs, "n_samples": len(X), "seed": args.seed,
            "architecture": ARCHITECTURES[args.architecture][0]}


def dec_part(data, args):
    X, y = data.data, data.target
    autoencoder = ARCHITECTURES[args.architecture][1](10, args.epochs, args.seed)
    if args.pretrain_noise_level:
        autoencoder.set_params(noise="masking", noise_level=args.pretrain_noise_level)
    if args.pretrain_learning_rate:
        autoencoder.set_params(learning_rate_init=args.pretrain_learning_rate)
    # The DEC papers' stopping rule (the default when the recorded figures
    # were measured).
    dec = DeepEmbeddedClustering(10, autoencoder, batch_size=256, tol=1e-3,
                                 max_iter=args.dec_epochs, random_state=args.seed)
    if args.architecture == "dec-keras" and args.dec_method == "dec":
        dec.set_params(**DEC_KERAS_CLUSTERING)
    labels, fit_s = timed(lambda: dec.fit_predict(X))
    codes = dec.autoencoder_.transform(X)
    if args.save_codes:
        Path(args.save_codes).mkdir(parents=True, exist_ok=True)
        np.save(Path(args.save_codes) / f"{data['name']}_{args.architecture}_codes.npy", codes)
    start = KMeans(10, n_init=20, random_state=0).fit_predict(codes)
    result = {"kmeans_on_pretrained_codes": cluster_accuracy(y, start),
              "dec": cluster_accuracy(y, labels), "fit_s": fit_s,
              "pretrain_epochs": dec.autoencoder_.n_iter_, "dec_epochs": dec.n_iter_,
              "n_samples": len(X), "architecture": ARCHITECTURES[args.architecture][0],
              "method": dec.method, "optimizer": dec.optimizer,
              "noise": "masking" if args.pretrain_noise_level else None,
              "noise_level": args.pretrain_noise_level,
              "pretrain_learning_rate": autoencoder.learning_rate_init, "seed": args.seed}
    try:  # N2D's head on the same pretrained codes, when umap-learn is installed
        from bench_n2d import umap_gmm
    except ImportError:
        return result
    n2d, n2d_s = timed(lambda: umap_gmm(10, 0).fit_predict(codes))
    return dict(result, umap_gmm_on_pretrained_codes=cluster_accuracy(y, n2d), umap_gmm_s=n2d_s)


def first_training_images(split, n=None):
    """Mask of the first ``n`` training images (all of them when None)."""
    train = split == "train"
    return train if n is None else train & (np.cumsum(train) <= n)


def probe_part(data, args):
    test = data.split == "test"
    train = first_training_images(data.split, args.probe_train_samples)
    X, y = data.data, data.target

    def linear_probe():
        logreg = LogisticRegression(max_iter=1000)
        return make_pipeline(StandardScaler(), logreg) if args.probe_standardize else logreg

    raw, raw_s = timed(lambda: linear_probe().fit(X[train], y[train]).score(X[test], y[test]))
    if args.probe_architecture == "conv":
        ae = conv_autoencoder(32, args.epochs).set_params(batch_norm=args.batch_norm,
                                                          pooling=args.pooling)
    elif args.probe_architecture == "conv-vae":
        ae = ConvVariationalAutoencoder(n_components=32, image_shape=(1, 28, 28),
                                        channels=(32, 64), batch_size=256,
                                        max_iter=args.epochs, early_stopping=False,
                                        n_iter_no_change=10, random_state=0)
    elif args.probe_architecture == "dec-keras":
        ae = dec_keras_autoencoder(32, args.epochs)
    else:
        ae = Autoencoder(n_components=32, hidden_layer_sizes=(512, 256), batch_size=256,
                         max_iter=args.epochs, random_state=0)
    if args.probe_noise_level:
        ae.set_params(noise="masking", noise_level=args.probe_noise_level)
    if args.pretrain_learning_rate:
        ae.set_params(learning_rate_init=args.pretrain_learning_rate)
    if args.probe_sparsity:
        ae.set_params(sparsity=args.probe_sparsity,
                      sparsity_weight=args.probe_sparsity_weight)
    if args.probe_code_activation:
        ae.set_params(code_activation=args.probe_code_activation)
    if args.probe_invariance:
        ae.set_params(penalty=ShiftInvariance(ae.image_shape, args.probe_invariance))
    _, ae_s = timed(lambda: ae.fit(X[train]))
    codes = ae.transform(X)
    probe = linear_probe().fit(codes[train], y[train])
    return {"raw_pixels": raw, "raw_s": raw_s, "codes_32": probe.score(codes[test], y[test]),
            "autoencoder_fit_s": ae_s, "epochs": args.epochs,
            "architecture": type(ae).__name__, "n_train": int(train.sum()),
            "hidden_layer_sizes": list(ae.get_params().get("hidden_layer_sizes") or []),
            "optimizer": ae.optimizer, "learning_rate_init": ae.learning_rate_init,
            "noise": "masking" if args.probe_noise_level else None,
            "noise_level": args.probe_noise_level,
            "standardized": args.probe_standardize,
            "sparsity": args.probe_sparsity,
            "sparsity_weight": args.probe_sparsity_weight if args.probe_sparsity else None,
            "code_activation": args.probe_code_activation,
            "invariance": args.probe_invariance,
            "batch_norm": bool(ae.get_params().get("batch_norm", False)),
            "pooling": ae.get_params().get("pooling")}


def augmented(X, seed, how="shift-rotate"):
    """A new copy of the images, each shifted by up to 2 pixels and rotated by
    up to 10 degrees, or (``how="flip"``) half of them mirrored left to right."""
    if how == "flip":
        return flip_images(X, image_shape=(1, 28, 28), p=0.5, random_state=seed)
    shifted = shift_images(X, image_shape=(1, 28, 28), max_shift=2, random_state=seed)
    return rotate_images(shifted, image_shape=(1, 28, 28), max_angle=10.0,
                         random_state=seed)


def classifier_part(data, args):
    train, test = data.split == "train", data.split == "test"
    if args.classifier_validation:
        # Choose recipes without the test set: fit on the first 50,000 training
        # images and score on the last 10,000.
        test, train = train, first_training_images(data.split, 50_000)
        test = test & ~train
    X, y = data.data, data.target
    autoencoder = conv_autoencoder(args.n_components, args.pretrain_epochs,
                                   channels=tuple(args.channels)).set_params(
        batch_norm=args.batch_norm, pooling=args.pooling)
    clf = AutoencoderClassifier(autoencoder, hidden_layer_sizes=tuple(args.head), dropout=0.3,
                                batch_norm=args.batch_norm, learning_rate=args.learning_rate,
                                augmentation=args.augmentation, batch_size=128,
                                max_iter=args.finetune_epochs, random_state=0)
    if not args.augment:
        _, fit_s = timed(lambda: clf.fit(X[train], y[train]))
    else:
        # One epoch per fit, each on a fresh augmented copy of the training
        # images; warm_start keeps the network and the optimizer state.
        clf.set_params(max_iter=1, warm_start=True)
        start = time.perf_counter()
        for epoch in range(args.finetune_epochs):
            clf.fit(augmented(X[train], epoch, args.augment) if epoch else X[train],
                    y[train])
        fit_s = time.perf_counter() - start
    return {"test_accuracy": clf.score(X[test], y[test]), "fit_s": fit_s,
            "scored_on": "validation" if args.classifier_validation else "test",
            "pretrain_epochs": args.pretrain_epochs, "finetune_epochs": clf.n_iter_,
            "augmented": args.augment, "channels": list(args.channels),
            "n_components": args.n_components, "head": list(args.head),
            "batch_norm": args.batch_norm, "pooling": args.pooling,
            "learning_rate": args.learning_rate, "augmentation": args.augmentation}


def outlier_part(data, args):
    train, test = data.split == "train", data.split == "test"
    X, y = data.data, data.target
    rows = []
    for digit in range(10):
        normal = X[train & (y != digit)]
        is_anomaly = (y[test] == digit).astype(int)
        detector = AutoencoderOutlierDetector(Autoencoder(
            n_components=32, hidden_layer_sizes=(512, 256), batch_size=256,
            max_iter=args.outlier_epochs, random_state=0))
        _, fit_s = timed(lambda: detector.fit(normal))
        auc = roc_auc_score(is_anomaly, -detector.score_samples(X[test]))
        forest = IsolationForest(random_state=0).fit(normal)
        auc_forest = roc_auc_score(is_anomaly, -forest.score_samples(X[test]))
        rows.append({"held_out_digit": digit, "autoencoder_auc": auc,
                     "isolation_forest_auc": auc_forest, "fit_s": fit_s})
        print(json.dumps(rows[-1]), flush=True)
    return {"per_digit": rows, "epochs": args.outlier_epochs,
            "mean_autoencoder_auc": float(np.mean([r["autoencoder_auc"] for r in rows])),
            "mean_isolation_forest_auc": float(np.mean([r["isolation_forest_auc"]
                                                        for r in rows]))}


def markdown(meta):
    lines = [f"torch {meta.get('torch')}, last run {meta.get('date')}; CPU threads used by "
             "each run in brackets.", ""]
    for key, r in sorted(meta.get("cluster", {}).items()):
        arch = r.get("architecture", "ConvAutoencoder(10)")
        lines.append(f"- {key}, {arch} + KMeans(10), {r['n_samples']} images, "
                     f"{r['epochs']} epochs: cluster accuracy "
                     f"{r['conv_autoencoder_kmeans']:.3f} (raw pixels "
                     f"{r['raw_pixels']:.3f}); {r['fit_s'] / 60:.1f} min "
                     f"[{r.get('threads')}].")
    for key, r in sorted(meta.get("dec", {}).items()):
        arch = r.get("architecture", "ConvAutoencoder(10)")
        method = r.get("method", "idec").upper()
        if r.get("noise"):
            arch = f"{arch}, pretrained with {r['noise']} noise {r['noise_level']}"
        if r.get("pretrain_learning_rate", 1.0) != 1.0 and "SGD step 1" in arch:
            arch = arch.replace("SGD step 1", f"SGD step {r['pretrain_learning_rate']:g}")
        lines.append(f"- {key}, DeepEmbeddedClustering ({method}) on {arch}: "
                     f"cluster accuracy {r['dec']:.3f} (KMeans on the pretrained codes "
                     f"{r['kmeans_on_pretrained_codes']:.3f}"
                     + (f", UMAP + GaussianMixture on them {r['umap_gmm_on_pretrained_codes']:.3f}"
                        if "umap_gmm_on_pretrained_codes" in r else "")
                     + f"); {r['pretrain_epochs']} "
                     f"pretraining + {r['dec_epochs']} joint epochs, "
                     f"{r['fit_s'] / 60:.1f} min [{r.get('threads')}].")
    for key, r in sorted(meta.get("probe", {}).items()):
        arch = r.get("architecture", "Autoencoder")
        setting = [f"{r['n_train']:,} training images"] if r.get("n_train", 60000) != 60000 else []
        setting += [f"{r['noise']} noise {r['noise_level']}"] if r.get("noise") else []
        setting += ["batch norm"] if r.get("batch_norm") else []
        if r.get("sparsity"):
            setting += [f"sparsity={r['sparsity']!r}, sparsity_weight={r['sparsity_weight']:g}"]
        if r.get("code_activation"):
            setting += [f"code_activation={r['code_activation']!r}"]
        if r.get("invariance"):
            setting += [f"shift-invariance term {r['invariance']:g}"]
        setting += [f"pooling={r['pooling']!r}"] if r.get("pooling") else []
        if r.get("hidden_layer_sizes") and r["hidden_layer_sizes"] != [512, 256]:
            setting += [f"hidden_layer_sizes={tuple(r['hidden_layer_sizes'])}"]
        if r.get("optimizer") == "sgd":
            setting += [f"SGD step {r['learning_rate_init']:g}"]
        if setting:
            arch = f"{arch} ({', '.join(setting)})"
        probe = ("StandardScaler + LogisticRegression" if r.get("standardized")
                 else "LogisticRegression")
        lines.append(f"- {key}, {probe} test accuracy: 32-d {arch} codes "
                     f"{r['codes_32']:.4f}, raw pixels {r['raw_pixels']:.4f} "
                     f"({r['epochs']} epochs, {r['autoencoder_fit_s'] / 60:.1f} min) "
                     f"[{r.get('threads')}].")
    for key, r in sorted(meta.get("classifier", {}).items()):
        how = {True: " on shifted and rotated copies", "shift-rotate":
               " on shifted and rotated copies", "flip": " on copies half mirrored"}.get(
            r.get("augmented"), "")
        channels = tuple(r.get("channels", (32, 64)))
        extra = "".join(f", {name}={r[name]!r}" for name, default in
                        [("batch_norm", False), ("pooling", None)]
                        if r.get(name, default) != default)
        head = (f"head {tuple(r.get('head', (128,)))}"
                + (", batch norm" if r.get("batch_norm") else "")
                + (f", {r['learning_rate']} schedule"
                   if r.get("learning_rate", "constant") != "constant" else "")
                + (f", augmentation={r['augmentation']!r}" if r.get("augmentation") else ""))
        lines.append(f"- {key}, AutoencoderClassifier "
                     f"(ConvAutoencoder({r.get('n_components', 32)}, "
                     f"channels={channels}{extra}) pretrained "
                     f"{r['pretrain_epochs']} epochs, {head}, "
                     f"fine-tuned {r['finetune_epochs']}{how}): "
                     f"{r.get('scored_on', 'test')} accuracy {r['test_accuracy']:.4f}; "
                     f"{r['fit_s'] / 60:.1f} min "
                     f"[{r.get('threads')}].")
    outlier = meta.get("outlier", {}).get("mnist")
    if outlier:
        lines += ["", "MNIST, one digit held out as the anomaly (test set ROC AUC) "
                  f"[{outlier.get('threads')}]:", "",
                  "| held-out digit | AutoencoderOutlierDetector | IsolationForest |",
                  "| --- | --- | --- |"]
        lines += [f"| {r['held_out_digit']} | {r['autoencoder_auc']:.3f} | "
                  f"{r['isolation_forest_auc']:.3f} |" for r in outlier["per_digit"]]
        lines.append(f"| mean | {outlier['mean_autoencoder_auc']:.3f} | "
                     f"{outlier['mean_isolation_forest_auc']:.3f} |")
    return "\n".join(lines) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-home", default=None)
    parser.add_argument("--parts", nargs="+", choices=PARTS, default=list(PARTS))
    parser.add_argument("--datasets", nargs="+", choices=sorted(FETCH),
                        default=["mnist", "fashion-mnist"])
    parser.add_argument("--epochs", type=int, default=30,
                        help="autoencoder epochs for cluster, dec and probe")
    parser.add_argument("--dec-epochs", type=int, default=30)
    parser.add_argument("--pretrain-noise-level", type=float, default=None,
                        help="dec: pretrain the autoencoder with masking noise of this "
                             "level, as the DEC paper's denoising pretraining")
    parser.add_argument("--pretrain-learning-rate", type=float, default=None,
                        help="dec, probe: the autoencoder's learning_rate_init (default: the "
                             "architecture's)")
    parser.add_argument("--dec-method", choices=["dec", "idec"], default="dec",
                        help="dec with --architecture dec-keras: DEC by SGD as DEC-keras "
                             "(dec), or IDEC with DeepEmbeddedClustering's defaults, as "
                             "IDEC's reference code (idec); other architectures run IDEC")
    parser.add_argument("--architecture", choices=sorted(ARCHITECTURES), default="conv",
                        help="autoencoder for cluster and dec: ConvAutoencoder(32, 64), "
                             "the DEC papers' dense 500-500-2000, or that net trained "
                             "as DEC-keras does (dec-keras)")
    parser.add_argument("--save-codes", default=None, metavar="DIR",
                        help="dec: save the pretrained codes to DIR/<data>_<architecture>"
                             "_codes.npy, to try other clustering heads on them")
    parser.add_argument("--pretrain-epochs", type=int, default=10)
    parser.add_argument("--finetune-epochs", type=int, default=20)
    parser.add_argument("--outlier-epochs", type=int, default=10)
    parser.add_argument("--probe-architecture",
                        choices=["conv", "conv-vae", "dense", "dec-keras"], default="dense",
                        help="probe: Autoencoder(512, 256), ConvAutoencoder(32, 64), "
                             "ConvVariationalAutoencoder(32, 64) (its posterior means), or "
                             "the 500-500-2000 net trained as DEC-keras does (dec-keras)")
    parser.add_argument("--probe-train-samples", type=int, default=None,
                        help="probe: fit on the first N training images (default: all)")
    parser.add_argument("--probe-noise-level", type=float, default=None,
                        help="probe: train the autoencoder with masking noise of this level")
    parser.add_argument("--probe-standardize", action="store_true",
                        help="probe: StandardScaler before the LogisticRegression, on the "
                             "codes and on the raw pixels alike")
    parser.add_argument("--seed", type=int, default=0,
                        help="cluster, dec: random_state of the autoencoder and of "
                             "DeepEmbeddedClustering; a seed other than 0 is added to the "
                             "results' key")
    parser.add_argument("--probe-sparsity", choices=["l1", "kl"], default=None,
                        help="probe: train the autoencoder with this sparsity penalty")
    parser.add_argument("--probe-sparsity-weight", type=float, default=1e-3,
                        help="probe: the penalty's sparsity_weight (skae's default 1e-3)")
    parser.add_argument("--probe-code-activation", default=None,
                        help="probe: the autoencoder's code_activation (e.g. relu)")
    parser.add_argument("--probe-invariance", type=float, default=None, metavar="WEIGHT",
                        help="conv probe: add to the autoencoder's loss a term that makes "
                             "the code of each image match that of a copy shifted by up to "
                             "2 pixels, of this weight (bench_clustering_recipes.py's "
                             "shift-invariance term)")
    parser.add_argument("--tag", default=None,
                        help="appended to the results' key, to keep runs with other "
                             "settings apart (e.g. '100 epochs')")
    parser.add_argument("--augment", nargs="?", const="shift-rotate", default=None,
                        choices=["shift-rotate", "flip"],
                        help="classifier: fine-tune on a fresh augmented copy of the "
                             "training images at every epoch: shifted and rotated (the "
                             "default), or half of them mirrored left to right (flip)")
    parser.add_argument("--augmentation", choices=["flip", "shift", "flip_shift"],
                        default=None,
                        help="classifier: its augmentation parameter, new changes to every "
                             "training batch (unlike --augment's copies made outside it)")
    parser.add_argument("--channels", type=int, nargs="+", default=[32, 64],
                        help="classifier: channels of the ConvAutoencoder's stages")
    parser.add_argument("--classifier-validation", action="store_true",
                        help="classifier: fit on the first 50,000 training images and score "
                             "on the last 10,000, to compare recipes without the test set")
    parser.add_argument("--n-components", type=int, default=32,
                        help="classifier: the ConvAutoencoder's n_components")
    parser.add_argument("--head", type=int, nargs="*", default=[128],
                        help="classifier: hidden_layer_sizes of its head")
    parser.add_argument("--batch-norm", action="store_true",
                        help="classifier: batch norm in the encoder and the head; conv "
                             "probe: in its encoder and decoder")
    parser.add_argument("--pooling", choices=["max", "avg"], default=None,
                        help="classifier and conv probe: the ConvAutoencoder's pooling")
    parser.add_argument("--learning-rate", choices=["constant", "plateau", "cosine"],
                        default="constant", help="classifier: fine-tuning schedule")
    args = parser.parse_args()
    if args.probe_invariance and args.probe_architecture != "conv":
        parser.error("--probe-invariance needs --probe-architecture conv")
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / "downstream.json"
    meta = {}
    data = {name: FETCH[name](data_home=args.data_home) for name in args.datasets}
    for name, bunch in data.items():
        bunch["name"] = name
    parts = {"cluster": cluster_part, "dec": dec_part, "probe": probe_part,
             "classifier": classifier_part, "outlier": outlier_part}
    for part in PARTS:
        if part not in args.parts:
            continue
        names = ["mnist"] if part == "outlier" else args.datasets
        for name in names:
            if name not in data:
                continue
            # Read before the part: UMAP (numba) raises OpenMP's thread count.
            threads = torch.get_num_threads()
            result = parts[part](data[name], args)
            result["threads"] = threads
            print(part, name, json.dumps(result), flush=True)
            key = name
            if part in ("cluster", "dec") and args.architecture != "conv":
                key = f"{name}, {args.architecture}"
            if part == "dec" and args.architecture == "dec-keras" and args.dec_method == "idec":
                key = f"{key}, idec"
            if part == "classifier" and args.augment:
                key = f"{name}, {'augmented' if args.augment == 'shift-rotate' else 'flipped'}"
            if part == "classifier" and args.augmentation:
                key = f"{key}, augmentation={args.augmentation}"
            if part == "classifier" and args.classifier_validation:
                key = f"{key}, validation"
            if part in ("cluster", "dec") and args.seed:
                key = f"{key}, seed {args.seed}"
            if args.tag:
                key = f"{key}, {args.tag}"
            # Re-read before writing: another run may have saved its parts since.
            meta = json.loads(path.read_text()) if path.exists() else {}
            meta.setdefault(part, {})[key] = result
            meta.update(metadata(), threads=threads)
            path.write_text(json.dumps(meta, indent=2) + "\n")
            (RESULTS / "downstream.md").write_text(markdown(meta))
    print(markdown(meta))


if __name__ == "__main__":
    main()
