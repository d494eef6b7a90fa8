"""
===============
Regularisation
===============

Four ways to keep an autoencoder from memorising a small training set, each
one parameter: an L2 penalty on the weights (``weight_decay``), batch
normalisation (``batch_norm``), dropout (``dropout``) and early stopping
(``early_stopping``, which restores the best epoch's weights). The model is
deliberately too wide for its 300 training images, so that the gap between
training and validation loss shows.

Runs offline on scikit-learn's digits in well under a minute; the gallery's introduction
says how to switch to MNIST or Fashion-MNIST.
"""

# %%
import os

import matplotlib.pyplot as plt
from sklearn.model_selection import train_test_split

from skae import Autoencoder
from skae.datasets import load_images
from skae.plotting import LossCurveDisplay

MAX_ITER = int(os.environ.get("SKAE_EXAMPLE_MAX_ITER", 80))
data = load_images(os.environ.get("SKAE_EXAMPLE_DATASET", "digits"),
                   data_home=os.environ.get("SKAE_DATA_HOME"),
                   n_samples=int(os.environ.get("SKAE_EXAMPLE_N_SAMPLES", 2000)))
X_train, X_test = train_test_split(data.data, train_size=300, random_state=0)

# %%
# Every model keeps a validation split so that its curve can be drawn; only
# the last one stops early (the others run all epochs: ``tol=None`` is a fixed
# budget, with the best validation epoch's weights restored).
common = dict(n_components=32, hidden_layer_sizes=(512, 256), max_iter=MAX_ITER,
              early_stopping=True, tol=None, random_state=0)
variants = {
    "none": {},
    "weight_decay=1e-4": {"weight_decay": 1e-4},
    "batch_norm": {"batch_norm": True},
    "dropout=0.2": {"dropout": 0.2},
    "early stopping": {"tol": 2e-3},  # the default tol and n_iter_no_change
}
fits = {name: Autoencoder(**{**common, **extra}).fit(X_train)
        for name, extra in variants.items()}

# %%
# Held-out reconstruction error. Early stopping ends once the validation loss
# has not improved by ``tol`` for ``n_iter_no_change`` epochs, and keeps the best
# epoch's weights; a shorter patience (``n_iter_no_change=5``) stops these
# digits within 20 epochs, before the network has learned anything (skae warns).
for name, ae in fits.items():
    print(f"{name:>18}: test MSE {-ae.score(X_test):.4f} after {ae.n_iter_} epochs "
          f"(best epoch {ae.best_epoch_})")

# %%
# Without regularisation the training loss (solid) keeps falling while the
# validation loss (dashed) flattens: the gap is memorisation. Weight decay and
# dropout close the gap, batch norm trains faster but noisier, and early
# stopping simply stops once the validation loss stalls. Closing the gap is
# not the same as lowering the held-out error: compare the table above, where
# on this data the penalties cost more fit than they save.
fig, axes = plt.subplots(1, len(fits), figsize=(16, 3.5), sharey=True)
for ax, (name, ae) in zip(axes, fits.items()):
    LossCurveDisplay.from_estimator(ae, ax=ax, log_scale=True)
    ax.set_title(name)
fig.tight_layout()
plt.show()
