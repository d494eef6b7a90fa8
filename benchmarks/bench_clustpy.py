"""Deep clustering at an equal pretraining budget: skae's recipes against ClustPy's.

Per seed, each side pretrains the DEC papers' dense d-500-500-2000-10 net for the
same number of epochs (``--pretrain-epochs``) on the same images in [0, 1]
(scikit-learn's digits divided by 16, or the first ``--n-samples`` MNIST /
Fashion-MNIST images), then four heads cluster with that one network:

- KMeans(10) on the codes;
- DEC and IDEC (ClustPy: ``DEC`` / ``IDEC`` with their defaults, handed the
  pretrained network, which they do not pretrain again; skae:
  ``DeepEmbeddedClustering(method="dec")`` with the user guide's DEC settings,
  and ``method="idec"`` with its defaults, on the autoencoder frozen with
  ``sklearn.frozen.FrozenEstimator``; both with the DEC papers' ``tol=1e-3``,
  skae's default when the recorded figures were measured);
- N2D: UMAP (10 dimensions, ``n_neighbors=20``, ``min_dist=0``) and a
  full-covariance Gaussian mixture on the codes (ClustPy: ``N2D`` with UMAP as
  its manifold; its default, t-SNE in 10 dimensions, runs the exact method).

The pretrainings compared:

- ``clustpy``: ClustPy's own (``FeedforwardAutoencoder``, LeakyReLU, Adam at
  1e-3, batches of 256, every epoch);
- ``skae sgd``: the user guide's DEC recipe (SGD with a step of 1 and momentum
  0.9, batches of 256, as DEC-keras);
- ``skae adam``: skae's default training on the same layers (Adam, batches of
  128, a step of 3e-3 annealed to 0 by a cosine over the epochs);
- ``skae n2d``: the user guide's N2D training (Adam at a constant 1e-3,
  batches of 256: ClustPy's optimizer settings, with ReLU and torch's
  initialisation); ``skae n2d leaky``: the same with LeakyReLU, as ClustPy's
  network.

Scores are ``cluster_accuracy`` on all the images. Needs ClustPy (``pip install
clustpy``; it is in the ``[bench]`` extra) and umap-learn. ClustPy's deep module
imports torchvision for its image augmentation and ResNet layers, which these
dense networks never use; where torchvision cannot be imported (PyPI's
torchvision wheels are CUDA builds that fail to load beside a CPU-only torch),
the script gives it an empty stand-in and says so.

Writes results/clustpy_<dataset>.json and .md.

    python benchmarks/bench_clustpy.py --dataset digits --seeds 3 --pretrain-epochs 50
    python benchmarks/bench_clustpy.py --dataset mnist --n-samples 10000 --seeds 3 \\
        --pretrain-epochs 30 --data-home ../shared/data
"""

import argparse
import copy
import json
import statistics
import sys
import time
import types

from _data import add_image_data_arguments, images_in_unit_range
from _harness import describe, metadata, write_results
from _recipes import SGD_STEP_1
from sklearn.cluster import KMeans
from sklearn.frozen import FrozenEstimator
from sklearn.mixture import GaussianMixture
from sklearn.pipeline import make_pipeline
from umap import UMAP

from skae import Autoencoder, DeepEmbeddedClustering
from skae.metrics import cluster_accuracy

LAYERS = (500, 500, 2000)
HEADS = ["KMeans", "DEC", "IDEC", "N2D"]
PRETRAININGS = ["clustpy", "skae sgd", "skae adam", "skae n2d", "skae n2d leaky"]


def import_clustpy():
    """ClustPy's deep module, with an empty torchvision stand-in where the
    installed torchvision cannot be imported (the names ClustPy's dense code
    paths import are type annotations only)."""
    try:
        import torchvision  # noqa: F401
    except (ImportError, RuntimeError) as error:
        print(f"torchvision cannot be imported ({error!r}); ClustPy gets a stand-in")
        stand_in = types.ModuleType("torchvision")
        stand_in.models = types.ModuleType("torchvision.models")
        stand_in.models._api = types.ModuleType("torchvision.models._api")
        stand_in.models._api.Weights = stand_in.models._api.WeightsEnum = type(
            "Unavailable", (), {})
        for name, module in [("torchvision", stand_in), ("torchvision.models", stand_in.models),
                             ("torchvision.models._api", stand_in.models._api)]:
            sys.modules[name] = module
    import clustpy.deep

    return clustpy.deep


def umap_params(seed):
    """N2D's UMAP, the same for both sides."""
    return dict(n_components=10, n_neighbors=20, min_dist=0.0, random_state=seed, n_jobs=1)


def umap_gmm(seed):
    return make_pipeline(UMAP(**umap_params(seed)),
                         GaussianMixture(10, covariance_type="full", random_state=seed))


def kmeans_labels(codes, seed):
    return KMeans(10, n_init=10, random_state=seed).fit_predict(codes)


def skae_autoencoder(pretraining, epochs, seed):
    params = dict(n_components=10, hidden_layer_sizes=LAYERS, max_iter=epochs, tol=None,
                  random_state=seed)
    if pretraining == "skae sgd":
        params.update(batch_size=256, **SGD_STEP_1)
    elif pretraining.startswith("skae n2d"):
        params.update(batch_size=256, learning_rate_init=1e-3, learning_rate="constant")
    if pretraining == "skae n2d leaky":
        params.update(activation="leaky_relu")
    return Autoencoder(**params)


def skae_heads(X, autoencoder, seed, heads, idec_params):
    """Labels of the ``heads`` on a fitted skae autoencoder; ``idec_params``
    replace IDEC's (skae's defaults but for the papers' ``tol=1e-3``)."""
    codes = autoencoder.transform(X)
    frozen = FrozenEstimator(autoencoder)
    make = {
        "KMeans": lambda: kmeans_labels(codes, seed),
        "DEC": lambda: DeepEmbeddedClustering(
            10, frozen, method="dec", optimizer="sgd", learning_rate_init=0.01, momentum=0.9,
            nesterovs_momentum=False, tol=1e-3, max_iter=75,
            random_state=seed).fit_predict(X),
        "IDEC": lambda: DeepEmbeddedClustering(
            10, frozen, random_state=seed,
            **(dict(tol=1e-3) if idec_params is None
               else idec_params)).fit_predict(X),
        "N2D": lambda: umap_gmm(seed).fit_predict(codes),
    }
    return {head: make[head]() for head in heads}


def clustpy_heads(deep, X, epochs, seed, heads):
    """Seconds of ClustPy's pretraining and the labels of the ``heads``."""
    start = time.perf_counter()
    network = deep.get_trained_network(data=X, n_epochs=epochs, batch_size=256,
                                       embedding_size=10, random_state=seed)
    seconds = time.perf_counter() - start
    codes = deep.encode_batchwise(deep.get_dataloader(X, 256, shuffle=False), network)
    make = {
        "KMeans": lambda: kmeans_labels(codes, seed),
        "DEC": lambda: deep.DEC(10, neural_network=copy.deepcopy(network),
                                random_state=seed).fit(X).labels_,
        "IDEC": lambda: deep.IDEC(10, neural_network=copy.deepcopy(network),
                                  random_state=seed).fit(X).labels_,
        "N2D": lambda: deep.N2D(10, neural_network=copy.deepcopy(network),
                                manifold_class=UMAP, manifold_params=umap_params(seed),
                                random_state=seed).fit(X).labels_,
    }
    return seconds, {head: make[head]() for head in heads}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_image_data_arguments(parser)
    parser.add_argument("--pretrain-epochs", type=int, default=50)
    parser.add_argument("--pretrainings", nargs="+", choices=PRETRAININGS,
                        default=PRETRAININGS)
    parser.add_argument("--heads", nargs="+", choices=HEADS, default=HEADS)
    parser.add_argument("--idec-params", type=json.loads, default=None,
                        help="skae's IDEC parameters as JSON, e.g. '{\"gamma\": 0.0016}'")
    parser.add_argument("--tag", default=None, help="a suffix of the result files")
    args = parser.parse_args()
    X, y = images_in_unit_range(args)
    deep = import_clustpy() if "clustpy" in args.pretrainings else None

    rows = []
    for seed in range(args.seeds):
        for pretraining in args.pretrainings:
            if pretraining == "clustpy":
                seconds, labels = clustpy_heads(deep, X, args.pretrain_epochs, seed, args.heads)
            else:
                autoencoder = skae_autoencoder(pretraining, args.pretrain_epochs, seed)
                start = time.perf_counter()
                autoencoder.fit(X)
                seconds = time.perf_counter() - start
                labels = skae_heads(X, autoencoder, seed, args.heads, args.idec_params)
            row = {"pretraining": pretraining, "seed": seed, "pretrain_seconds": seconds,
                   **{head: cluster_accuracy(y, labels[head]) for head in args.heads}}
            rows.append(row)
            print(row, flush=True)

    meta = metadata(dataset=args.dataset, n_samples=len(X), seeds=args.seeds,
                    pretrain_epochs=args.pretrain_epochs, idec_params=args.idec_params)
    idec = f"; skae's IDEC with {args.idec_params}" if args.idec_params else ""
    lines = [f"Cluster accuracy at an equal pretraining budget ({args.pretrain_epochs} epochs "
             f"of the dense {len(X):,} x {X.shape[1]}-500-500-2000-10 net on {args.dataset} in "
             f"[0, 1]): mean [min, max] over {args.seeds} seeds; pretraining seconds, mean "
             f"({describe(meta)}){idec}. Written by benchmarks/bench_clustpy.py.", "",
             "| pretraining | pretrain s | " + " | ".join(args.heads) + " |",
             "| --- | --- |" + " --- |" * len(args.heads)]
    for pretraining in args.pretrainings:
        mine = [r for r in rows if r["pretraining"] == pretraining]
        cells = [f"{statistics.fmean(r[h] for r in mine):.3f} "
                 f"[{min(r[h] for r in mine):.3f}, {max(r[h] for r in mine):.3f}]"
                 for h in args.heads]
        lines.append(f"| {pretraining} | "
                     f"{statistics.fmean(r['pretrain_seconds'] for r in mine):.1f} | "
                     + " | ".join(cells) + " |")
    name = f"clustpy_{args.dataset}" + (f"_{len(X)}" if args.dataset != "digits" else "")
    name += f"_{args.tag}" if args.tag else ""
    write_results(name, meta, rows, lines)


if __name__ == "__main__":
    main()
