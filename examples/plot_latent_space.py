"""
===================================
The latent space with PCA and t-SNE
===================================

Codes wider than two dimensions are looked at through a projection:
:class:`~skae.plotting.LatentSpaceDisplay` projects them with PCA (linear,
fast, keeps large distances) or t-SNE (nonlinear, keeps neighbourhoods), and
colours them by label. Here the 16-dimensional codes of an autoencoder are
compared with PCA of the raw pixels, and a 2-dimensional code is shown as is.

Runs offline on scikit-learn's digits in well under a minute; the gallery's introduction
says how to switch to MNIST or Fashion-MNIST.
"""

# %%
import os

import matplotlib.pyplot as plt
from sklearn.decomposition import PCA

from skae import Autoencoder
from skae.datasets import load_images
from skae.plotting import LatentSpaceDisplay

MAX_ITER = int(os.environ.get("SKAE_EXAMPLE_MAX_ITER", 150))
data = load_images(os.environ.get("SKAE_EXAMPLE_DATASET", "digits"),
                   data_home=os.environ.get("SKAE_DATA_HOME"),
                   n_samples=int(os.environ.get("SKAE_EXAMPLE_N_SAMPLES", 3000)))
X, y = data.data, data.target

ae16 = Autoencoder(n_components=16, hidden_layer_sizes=(256, 64), max_iter=MAX_ITER,
                   random_state=0).fit(X)
ae2 = Autoencoder(n_components=2, hidden_layer_sizes=(256, 64), max_iter=MAX_ITER,
                  random_state=0).fit(X)

# %%
# Four views of the same images. PCA of the pixels is the linear baseline.
# PCA of the codes mixes the classes about as much: an autoencoder trained to
# reconstruct keeps much of the pixels' geometry, and two linear directions
# show little of it (on digits, KMeans on such codes scores about as on the
# pixels; the benchmarks page measures why). t-SNE of the same codes
# separates most classes, and a code trained to be 2-D needs no projection.
fig, axes = plt.subplots(2, 2, figsize=(11, 9))
LatentSpaceDisplay.from_estimator(PCA(n_components=2).fit(X), X, y, ax=axes[0, 0])
axes[0, 0].set_title("PCA of the pixels")
LatentSpaceDisplay.from_estimator(ae16, X, y, projection="pca", ax=axes[0, 1])
axes[0, 1].set_title("PCA of 16-d autoencoder codes")
LatentSpaceDisplay.from_estimator(ae16, X, y, projection="tsne", random_state=0,
                                  ax=axes[1, 0])
axes[1, 0].set_title("t-SNE of 16-d autoencoder codes")
LatentSpaceDisplay.from_estimator(ae2, X, y, ax=axes[1, 1])
axes[1, 1].set_title("2-d autoencoder codes")
for ax in axes.ravel()[1:]:
    ax.get_legend().remove()
fig.tight_layout()
plt.show()
