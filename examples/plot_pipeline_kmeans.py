"""
=================================================
Autoencoder codes in a Pipeline and a grid search
=================================================

An autoencoder is a scikit-learn transformer, so it stands where PCA stands:
before KMeans in a :class:`~sklearn.pipeline.Pipeline`, and inside
:class:`~sklearn.model_selection.GridSearchCV`, whose default scoring uses the
autoencoder's :meth:`~skae.Autoencoder.score` (minus the reconstruction error).

Runs offline on scikit-learn's digits in well under a minute. Set the
environment variable ``SKAE_EXAMPLE_MAX_ITER`` to train for fewer epochs.
"""

# %%
# Data: 1,797 digit images of 8x8 pixels, scaled to [0, 1].
import os

import matplotlib.pyplot as plt
import numpy as np
from sklearn.cluster import KMeans
from sklearn.datasets import load_digits
from sklearn.decomposition import PCA
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import Pipeline

from skae import Autoencoder, ConvAutoencoder
from skae.metrics import cluster_accuracy

MAX_ITER = int(os.environ.get("SKAE_EXAMPLE_MAX_ITER", 100))
X, y = load_digits(return_X_y=True)
X = X / 16

# %%
# Cluster the codes: the same Pipeline with PCA, a dense and a convolutional
# autoencoder in front of KMeans, against KMeans on the raw pixels. Cluster
# accuracy matches clusters to digit labels one to one.
reducers = {
    "raw pixels": "passthrough",
    "PCA": PCA(n_components=10, random_state=0),
    "Autoencoder": Autoencoder(n_components=10, max_iter=MAX_ITER, random_state=0),
    "ConvAutoencoder": ConvAutoencoder(n_components=10, image_shape=(1, 8, 8),
                                       max_iter=MAX_ITER, random_state=0),
}
for name, reducer in reducers.items():
    pipe = Pipeline([("reduce", reducer), ("km", KMeans(10, n_init=10, random_state=0))])
    print(f"{name:>16}: cluster accuracy {cluster_accuracy(y, pipe.fit_predict(X)):.3f}")

# %%
# Tune the width of the code. ``score`` is minus the mean reconstruction error,
# so GridSearchCV needs no ``scoring=``; wider codes reconstruct better.
search = GridSearchCV(Autoencoder(max_iter=MAX_ITER, random_state=0),
                      {"n_components": [2, 4, 8, 16, 32]}, cv=3)
search.fit(X)
print("best n_components:", search.best_params_["n_components"])

widths = search.cv_results_["param_n_components"].data.astype(int)
fig, ax = plt.subplots(figsize=(5, 3.5))
ax.plot(widths, -search.cv_results_["mean_test_score"], "o-")
ax.set(xscale="log", xticks=widths, xticklabels=widths, xlabel="n_components",
       ylabel="held-out reconstruction error (MSE)",
       title="Autoencoder on digits, 3-fold cross-validation")
fig.tight_layout()

# %%
# The best model reconstructs held-out digits; draw a few from it, too.
best = search.best_estimator_
fig, axes = plt.subplots(3, 8, figsize=(8, 3.3))
rows = [X[:8], best.inverse_transform(best.transform(X[:8])), best.sample(8, random_state=0)]
for images, row, label in zip(rows, axes, ["original", "reconstructed", "sampled"]):
    for image, ax in zip(images, row):
        ax.imshow(np.clip(image, 0, 1).reshape(8, 8), cmap="gray_r")
        ax.set_xticks([])
        ax.set_yticks([])
    row[0].set_ylabel(label)
fig.tight_layout()
plt.show()
