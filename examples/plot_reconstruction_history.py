"""
==================================
Reconstructions epoch by epoch
==================================

Watching a few fixed images as training goes on shows what the network learns
first (the mean image, then the strokes, then the details).
:class:`~skae.plotting.ReconstructionHistory` is a callback that records the
reconstructions of the inputs it is given every ``every`` epochs; pass it in
``callbacks`` and show the record with
:class:`~skae.plotting.ReconstructionHistoryDisplay`.

Runs offline on scikit-learn's digits in a few seconds; the gallery's introduction
says how to switch to MNIST or Fashion-MNIST.
"""

# %%
import os

import matplotlib.pyplot as plt

from skae import ConvAutoencoder
from skae.datasets import load_images
from skae.plotting import LossCurveDisplay, ReconstructionHistory, ReconstructionHistoryDisplay

MAX_ITER = int(os.environ.get("SKAE_EXAMPLE_MAX_ITER", 150))
data = load_images(os.environ.get("SKAE_EXAMPLE_DATASET", "digits"),
                   data_home=os.environ.get("SKAE_DATA_HOME"),
                   n_samples=int(os.environ.get("SKAE_EXAMPLE_N_SAMPLES", 10000)))
X, y = data.data, data.target

# %%
# One image of each class, recorded before training and six times during it
# (every 25 epochs of the default 150, and at the last epoch).
fixed = X[[list(y).index(label) for label in range(10)]]
ae = ConvAutoencoder(n_components=8, image_shape=data.image_shape, max_iter=MAX_ITER,
                     random_state=0,
                     callbacks=[ReconstructionHistory(fixed, every=max(MAX_ITER // 6, 1))])
ae.fit(X)

# %%
# The grid (top row: the inputs) and the loss curve of the same run.
display = ReconstructionHistoryDisplay.from_estimator(ae)
display.figure_.set_size_inches(7, 6)
LossCurveDisplay.from_estimator(ae, log_scale=True)
plt.show()
