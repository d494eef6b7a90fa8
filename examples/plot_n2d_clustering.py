"""
========================================================
N2D clustering: autoencoder codes, UMAP, GaussianMixture
========================================================

N2D ("Not Too Deep" clustering, McConville et al., 2020) clusters in three
steps: an autoencoder learns codes, UMAP embeds the codes in as many
dimensions as there are clusters, and a Gaussian mixture clusters the
embedding. Every step is a scikit-learn estimator, so the whole recipe is one
:class:`~sklearn.pipeline.Pipeline` with nothing written by hand.

To see which step earns the gain, the same two clusterings (KMeans, and UMAP +
GaussianMixture) run on the raw pixels and on the codes. On the 8x8 digits most
of the gain is UMAP's with this quick ConvAutoencoder: it clusters the raw pixels
about as well as the codes. The DEC papers' dense net trained as N2D trains it (Adam
for 1,000 epochs, a few minutes; the clustering guide has the recipe) gives codes
that UMAP clusters 3 points better than the pixels on average
(``benchmarks/bench_n2d.py`` has the figures over several seeds).

UMAP comes from umap-learn, an optional extra (``pip install "skae[umap]"``);
without it this example says so and stops. Runs offline on scikit-learn's
digits in about a minute (the first UMAP call compiles numba code). Set
``SKAE_EXAMPLE_DATASET`` / ``SKAE_DATA_HOME`` for MNIST or Fashion-MNIST and
``SKAE_EXAMPLE_MAX_ITER`` to train for fewer epochs.
"""

# %%
# Data: digit images scaled to [0, 1] (1,797 of 8x8 pixels by default).
import os

import matplotlib.pyplot as plt
from sklearn.cluster import KMeans
from sklearn.mixture import GaussianMixture
from sklearn.pipeline import make_pipeline

from skae import ConvAutoencoder
from skae.datasets import load_images
from skae.metrics import cluster_accuracy
from skae.plotting import LatentSpaceDisplay

try:
    from umap import UMAP
except ImportError:
    UMAP = None
    print('umap-learn is not installed (pip install "skae[umap]"); skipping N2D.')

MAX_ITER = int(os.environ.get("SKAE_EXAMPLE_MAX_ITER", 200))
data = load_images(os.environ.get("SKAE_EXAMPLE_DATASET", "digits"),
                   data_home=os.environ.get("SKAE_DATA_HOME"),
                   n_samples=int(os.environ.get("SKAE_EXAMPLE_N_SAMPLES", 10000)))
X, y = data.data, data.target

# %%
# The N2D pipeline: UMAP with n_neighbors=20 and min_dist=0 (tight clusters), a
# full-covariance Gaussian mixture, both with as many components as clusters.
if UMAP is not None:
    def umap_gmm(n_clusters=10):
        return [UMAP(n_components=n_clusters, n_neighbors=20, min_dist=0.0,
                     random_state=0, n_jobs=1),
                GaussianMixture(n_clusters, covariance_type="full", random_state=0)]

    autoencoder = ConvAutoencoder(image_shape=data.image_shape, n_components=10,
                                  max_iter=MAX_ITER, random_state=0)
    n2d = make_pipeline(autoencoder, *umap_gmm())
    accuracy = {"codes + UMAP + GMM (N2D)": cluster_accuracy(y, n2d.fit_predict(X))}

    # The ablations: the fitted autoencoder's codes with KMeans alone, and the
    # raw pixels with either clustering.
    codes = n2d[0].transform(X)
    kmeans = KMeans(10, n_init=10, random_state=0)
    accuracy["codes + KMeans"] = cluster_accuracy(y, kmeans.fit_predict(codes))
    accuracy["raw pixels + UMAP + GMM"] = cluster_accuracy(
        y, make_pipeline(*umap_gmm()).fit_predict(X))
    accuracy["raw pixels + KMeans"] = cluster_accuracy(y, kmeans.fit_predict(X))
    for name, value in accuracy.items():
        print(f"{name:>26}: cluster accuracy {value:.3f}")

# %%
# The codes seen through a 2-D UMAP, coloured by the true digit.
if UMAP is not None:
    LatentSpaceDisplay.from_estimator(n2d[0], X, y, projection="umap", random_state=0)
    plt.title("ConvAutoencoder codes, UMAP projection")
    plt.show()
