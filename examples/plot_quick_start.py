"""
===========
Quick start
===========

Fit an autoencoder, encode, decode and generate, in the scikit-learn way:
:class:`~skae.Autoencoder` is a transformer with ``fit``, ``transform``
(codes), ``inverse_transform`` (codes back to images) and ``sample`` (new
images).

Runs offline on scikit-learn's digits in a few seconds; the gallery's introduction
says how to switch to MNIST or Fashion-MNIST.
"""

# %%
# Load the images as rows of pixel values in [0, 1] and hold a quarter out.
import os

import matplotlib.pyplot as plt
from sklearn.model_selection import train_test_split

from skae import Autoencoder
from skae.datasets import load_images
from skae.plotting import LossCurveDisplay, ReconstructionDisplay, SampleGridDisplay

MAX_ITER = int(os.environ.get("SKAE_EXAMPLE_MAX_ITER", 150))
data = load_images(os.environ.get("SKAE_EXAMPLE_DATASET", "digits"),
                   data_home=os.environ.get("SKAE_DATA_HOME"),
                   n_samples=int(os.environ.get("SKAE_EXAMPLE_N_SAMPLES", 10000)))
X_train, X_test = train_test_split(data.data, test_size=0.25, random_state=0)
print("training images:", X_train.shape)

# %%
# Fit an autoencoder with a 16-dimensional code. ``early_stopping`` holds out
# 10% of the training images and keeps the weights of the best epoch.
ae = Autoencoder(n_components=16, hidden_layer_sizes=(128,), max_iter=MAX_ITER,
                 early_stopping=True, random_state=0)
ae.fit(X_train)
print(f"{ae.n_iter_} epochs; best epoch {ae.best_epoch_}")
LossCurveDisplay.from_estimator(ae)

# %%
# ``transform`` gives the codes, ``inverse_transform`` decodes them, and
# ``score`` is minus the mean reconstruction error (higher is better).
codes = ae.transform(X_test)
print("codes:", codes.shape, " held-out score:", round(ae.score(X_test), 4))
ReconstructionDisplay.from_estimator(ae, X_test, n_images=10)

# %%
# ``sample`` decodes codes drawn from a Gaussian fitted to the training codes:
# new images that resemble the training set.
SampleGridDisplay.from_estimator(ae, n_samples=36, random_state=0, value_range=(0, 1))
plt.show()
