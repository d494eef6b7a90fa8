"""
=============
Sparse codes
=============

A :class:`~skae.SparseAutoencoder` penalises active code units, so that each
input is described by a few of them. ``sparsity="l1"`` adds the mean absolute
code to the loss; ``sparsity="kl"`` puts a sigmoid on the codes and pulls each
unit's mean activation towards ``sparsity_target`` (the KL divergence of
Ng's sparse autoencoder). ``sparsity_weight`` sets the strength. A wide code
(64 units for 64 pixels on digits) is kept from copying its input only by the
penalty.

Runs offline on scikit-learn's digits in well under a minute; the gallery's introduction
says how to switch to MNIST or Fashion-MNIST.
"""

# %%
import os
import warnings

import matplotlib.pyplot as plt
import numpy as np
from sklearn.model_selection import train_test_split

from skae import Autoencoder, SparseAutoencoder
from skae.datasets import load_images

MAX_ITER = int(os.environ.get("SKAE_EXAMPLE_MAX_ITER", 150))
data = load_images(os.environ.get("SKAE_EXAMPLE_DATASET", "digits"),
                   data_home=os.environ.get("SKAE_DATA_HOME"),
                   n_samples=int(os.environ.get("SKAE_EXAMPLE_N_SAMPLES", 10000)))
X_train, X_test = train_test_split(data.data, test_size=0.3, random_state=0)

common = dict(n_components=64, hidden_layer_sizes=(256,), max_iter=MAX_ITER,
              random_state=0)
models = {
    "no penalty": Autoencoder(**common),
    "l1, weight 1e-3": SparseAutoencoder(sparsity="l1", sparsity_weight=1e-3, **common),
    "l1, weight 1e-2": SparseAutoencoder(sparsity="l1", sparsity_weight=1e-2, **common),
    "kl, target 0.05": SparseAutoencoder(sparsity="kl", sparsity_target=0.05, **common),
}

# %%
# The price in reconstruction and the gain in sparsity: the share of code
# values close to zero (below 5% of the largest absolute code).
codes = {}
for name, model in models.items():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model.fit(X_train)
    for warning in caught:  # the unpenalised baseline is warned about: shown, not hidden
        print(f"{name}: skae warns: {warning.message}")
    codes[name] = model.transform(X_test)
    scale = np.abs(codes[name]).max()
    near_zero = np.mean(np.abs(codes[name]) < 0.05 * scale)
    print(f"{name:>16}: test MSE {-model.score(X_test):.4f}, "
          f"{100 * near_zero:4.1f}% of code values near zero")

# %%
# Histograms of the code values: the penalties pile them up at zero.
fig, axes = plt.subplots(1, len(codes), figsize=(14, 3))
for ax, (name, values) in zip(axes, codes.items()):
    ax.hist(values.ravel(), bins=60)
    ax.set(title=name, xlabel="code value", yscale="log")

# %%
# What one unit does: decode a code with a single active unit for a few
# units of the strongest l1 model. Sparse units tend to stand for parts.
model = models["l1, weight 1e-2"]
strongest = np.argsort(-np.abs(codes["l1, weight 1e-2"]).mean(axis=0))[:8]
unit_codes = np.zeros((8, model.n_components), dtype=np.float32)
unit_codes[np.arange(8), strongest] = np.abs(codes["l1, weight 1e-2"]).max(axis=0)[strongest]
atoms = model.inverse_transform(unit_codes) - model.inverse_transform(0 * unit_codes)
fig, axes = plt.subplots(1, 8, figsize=(10, 1.6))
for ax, atom, unit in zip(axes, atoms, strongest):
    ax.imshow(atom.reshape(data.image_shape[1:]), cmap="RdBu_r")
    ax.set_title(f"unit {unit}", fontsize="small")
    ax.set_axis_off()
plt.show()
