"""N2D as a plain Pipeline: autoencoder codes -> UMAP -> GaussianMixture.

McConville et al.'s N2D ("Not Too Deep" clustering, 2020) learns an autoencoder,
embeds its codes with UMAP (as many dimensions as clusters, n_neighbors=20,
min_dist=0) and clusters the embedding with a Gaussian mixture. With skae it is
``make_pipeline(ConvAutoencoder(...), UMAP(...), GaussianMixture(...))``.

To say which step earns the gain, every seed measures four pipelines on the
same data: KMeans and UMAP + GaussianMixture, each on the raw pixels and on the
autoencoder's codes (the autoencoder is fitted once per seed and its codes
reused). ``--architecture`` picks the autoencoder: the ConvAutoencoder, or the
DEC papers' dense d-500-500-2000-10 net trained by SGD as DEC-keras does
(``dec-keras``) or by Adam for every epoch as N2D's own code does (``n2d``).
The data: scikit-learn's digits (all 1,797, values 0..16, as in
bench_clustering_recipes.py) or the first ``--n-samples`` of the 70,000 images
of MNIST / Fashion-MNIST (training then test images, scaled to [0, 1], from
``--data-home``; all of them by default, the papers' protocol).

Needs umap-learn (``pip install "skae[umap]"``). Appends to
benchmarks/results/n2d.json and rewrites benchmarks/results/n2d.md.

    python benchmarks/bench_n2d.py --dataset digits --seeds 5
    python benchmarks/bench_n2d.py --dataset digits --seeds 3 --architecture dec-keras \\
        --max-iter 300
    python benchmarks/bench_n2d.py --dataset mnist --n-samples 10000 --seeds 1 \\
        --max-iter 50 --data-home ../shared/data
    python benchmarks/bench_n2d.py --dataset fashion-mnist --n-samples 10000 --seeds 1 \\
        --architecture n2d --max-iter 1000 --data-home ../shared/data
"""

import argparse
import json
import time
from pathlib import Path

import numpy as np
from _data import DATASETS, load_clustering_data
from _harness import metadata
from _recipes import dec_keras
from sklearn.cluster import KMeans
from sklearn.mixture import GaussianMixture
from sklearn.pipeline import make_pipeline
from umap import UMAP

from skae import Autoencoder, ConvAutoencoder
from skae.metrics import cluster_accuracy

RESULTS = Path(__file__).parent / "results"
JSON = RESULTS / "n2d.json"


def umap_gmm(n_clusters, seed):
    """The N2D clustering head: UMAP to n_clusters dimensions, then a full-covariance GMM."""
    return make_pipeline(
        UMAP(n_components=n_clusters, n_neighbors=20, min_dist=0.0, random_state=seed,
             n_jobs=1),
        GaussianMixture(n_clusters, covariance_type="full", random_state=seed),
    )


def n2d_autoencoder(max_iter, seed):
    """N2D's own autoencoder (its reference code, rymc/n2d): the dense
    d-500-500-2000-10 net trained by Adam at its defaults (a constant step of 1e-3)
    with batch 256 for all ``max_iter`` epochs (N2D runs 1,000; no stopping rule)."""
    return Autoencoder(n_components=10, hidden_layer_sizes=(500, 500, 2000), batch_size=256,
                       learning_rate_init=1e-3, learning_rate="constant",
                       max_iter=max_iter, tol=None, random_state=seed)


def write_table(records):
    groups = {}
    for r in records:
        key = (r["dataset"], r["n_samples"], r["max_iter"], r["features"], r["clustering"])
        groups.setdefault(key, []).append(r)
    lines = ["Cluster accuracy of KMeans and of UMAP + GaussianMixture (N2D), on raw pixels "
             "and on `ConvAutoencoder(n_components=10)` codes (or, where named, the codes of "
             "the DEC papers' dense 500-500-2000-10 net, trained by SGD as DEC-keras does or "
             "by Adam for every epoch as N2D does). Written by "
             "benchmarks/bench_n2d.py from n2d.json; seconds are per pipeline step "
             "(autoencoder fit, clustering fit).", "",
             "| data | n | AE max_iter | features | clustering | seeds | mean accuracy | "
             "min | max | AE fit s | clustering s | threads | date |",
             "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    for (dataset, n, max_iter, features, clustering), runs in sorted(groups.items()):
        acc = [r["cluster_accuracy"] for r in runs]
        lines.append(
            f"| {dataset} | {n} | {max_iter if features != 'raw pixels' else '-'} | "
            f"{features} | {clustering} | {len(runs)} | {np.mean(acc):.3f} | {min(acc):.3f} | "
            f"{max(acc):.3f} | {np.mean([r['ae_fit_s'] for r in runs]):.0f} | "
            f"{np.mean([r['cluster_s'] for r in runs]):.0f} | "
            f"{','.join(sorted({str(r['threads']) for r in runs}))} | "
            f"{max(r['date'] for r in runs)} |")
    (RESULTS / "n2d.md").write_text("\n".join(lines) + "\n")
    return lines


def record(entry):
    records = json.loads(JSON.read_text()) if JSON.exists() else []
    key = ("dataset", "n_samples", "max_iter", "features", "clustering", "seed")
    records = [r for r in records if tuple(r[k] for k in key) != tuple(entry[k] for k in key)]
    RESULTS.mkdir(exist_ok=True)
    JSON.write_text(json.dumps(records + [entry], indent=1))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", choices=DATASETS, default="digits")
    parser.add_argument("--n-samples", type=int, default=None)
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--first-seed", type=int, default=0,
                        help="seeds first-seed .. first-seed + seeds - 1, so that a long run "
                             "can add seeds to those already in n2d.json")
    parser.add_argument("--max-iter", type=int, default=200)
    parser.add_argument("--data-home", default=None)
    parser.add_argument("--architecture", choices=["conv", "dec-keras", "n2d"],
                        default="conv",
                        help="ConvAutoencoder(n_components=10) with its defaults; the DEC "
                             "papers' dense 500-500-2000-10 net pretrained as DEC-keras does "
                             "(SGD with step 1); or that net trained as N2D does (Adam, every "
                             "epoch). The dense nets see the images scaled to [0, 1] by their "
                             "maximum, since SGD's step 1 diverges on digits' counts")
    args = parser.parse_args()

    X, y, image_shape = load_clustering_data(args.dataset, args.n_samples, args.data_home)
    base = {**metadata(), "dataset": args.dataset, "n_samples": len(X),
            "max_iter": args.max_iter}
    for seed in range(args.first_seed, args.first_seed + args.seeds):
        start = time.perf_counter()
        if args.architecture == "conv":
            ae = ConvAutoencoder(image_shape=image_shape, n_components=10,
                                 max_iter=args.max_iter, random_state=seed)
            codes, name = ae.fit_transform(X), "ConvAutoencoder codes"
        elif args.architecture == "dec-keras":
            codes = dec_keras(max_iter=args.max_iter)(X / X.max(), seed, image_shape)
            name = "Autoencoder 500-500-2000 codes, DEC-keras SGD"
        else:
            codes = n2d_autoencoder(args.max_iter, seed).fit_transform(X / X.max())
            name = "Autoencoder 500-500-2000 codes, N2D Adam"
        ae_fit_s = time.perf_counter() - start
        for features, Z, fit_s in [("raw pixels", X, 0.0), (name, codes, ae_fit_s)]:
            for clustering, model in [
                ("KMeans", KMeans(10, n_init=10, random_state=0)),
                ("UMAP + GaussianMixture", umap_gmm(10, seed)),
            ]:
                start = time.perf_counter()
                labels = model.fit_predict(Z)
                entry = dict(base, features=features, clustering=clustering, seed=seed,
                             cluster_accuracy=float(cluster_accuracy(y, labels)),
                             ae_fit_s=fit_s, cluster_s=time.perf_counter() - start)
                record(entry)
                print(f"seed {seed} {features} + {clustering}: "
                      f"{entry['cluster_accuracy']:.3f} (AE {fit_s:.0f} s, "
                      f"clustering {entry['cluster_s']:.0f} s)", flush=True)
    print("\n".join(write_table(json.loads(JSON.read_text()))))


if __name__ == "__main__":
    main()
