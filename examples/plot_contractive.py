"""
===========================================
Contractive, denoising and sparse codes
===========================================

Three ways to keep an autoencoder from learning a code that only copies its
input, side by side with no regulariser at all:

- ``DenoisingAutoencoder`` trains on corrupted inputs to reconstruct the clean
  ones;
- ``SparseAutoencoder`` penalises active code units;
- ``contractive_weight`` (any deterministic autoencoder) penalises the squared
  Frobenius norm of the encoder's Jacobian at the training rows (Rifai et al.,
  2011), so that the codes change little when the input moves off the data.

Each is measured on held-out digits: the reconstruction error, how far the
codes move when the input gets a little Gaussian noise (relative to the spread
of the codes, since a penalty could otherwise win by shrinking the codes), and
how well a logistic regression classifies the codes. The contractive and the
plain model here use sigmoid codes, as Rifai et al.'s: bounded codes cannot
escape the penalty by shrinking while the decoder grows.

The contractive penalty takes one extra backward pass through the encoder per
code unit: its fit takes several times as long as the others.

Runs offline on scikit-learn's digits in under a minute; the gallery's
introduction says how to switch to MNIST or Fashion-MNIST.
"""

# %%
import os

import matplotlib.pyplot as plt
import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split

from skae import Autoencoder, DenoisingAutoencoder, SparseAutoencoder
from skae.datasets import load_images

MAX_ITER = int(os.environ.get("SKAE_EXAMPLE_MAX_ITER", 150))
data = load_images(os.environ.get("SKAE_EXAMPLE_DATASET", "digits"),
                   data_home=os.environ.get("SKAE_DATA_HOME"),
                   n_samples=int(os.environ.get("SKAE_EXAMPLE_N_SAMPLES", 10000)))
X_train, X_test, y_train, y_test = train_test_split(data.data, data.target, test_size=0.3,
                                                    random_state=0)

common = dict(n_components=16, max_iter=MAX_ITER, random_state=0)
models = {
    "plain (sigmoid codes)": Autoencoder(code_activation="sigmoid", **common),
    "denoising": DenoisingAutoencoder(**common),
    "sparse (l1)": SparseAutoencoder(sparsity="l1", sparsity_weight=1e-3, **common),
    "contractive (sigmoid codes)": Autoencoder(code_activation="sigmoid",
                                               contractive_weight=1e-3, **common),
}

# %%
# Fit each model and measure it on the held-out rows.
noise = 0.05 * np.random.default_rng(0).standard_normal(X_test.shape).astype(np.float32)
results = {}
for name, model in models.items():
    model.fit(X_train)
    codes = model.transform(X_test)
    moved = np.linalg.norm(model.transform(X_test + noise) - codes, axis=1).mean()
    spread = np.sqrt(codes.var(axis=0).sum())
    classifier = LogisticRegression(max_iter=2000).fit(model.transform(X_train), y_train)
    results[name] = {"held-out MSE": -model.score(X_test),
                     "code change / code spread": moved / spread,
                     "logistic regression accuracy": classifier.score(codes, y_test)}
    print(f"{name:>28}: " + ", ".join(f"{k} {v:.4f}" for k, v in results[name].items()))

# %%
# The three figures side by side: the contractive codes move least for the
# same noise, and pay for it in reconstruction and in what a linear
# classifier reads from them.
fig, axes = plt.subplots(1, 3, figsize=(13, 3.5))
names = list(results)
for ax, measure in zip(axes, results[names[0]]):
    ax.barh(names, [results[name][measure] for name in names])
    ax.set_title(measure)
axes[0].invert_yaxis()
for ax in axes[1:]:
    ax.set_yticks([])
fig.tight_layout()

# %%
# The contractive term is logged beside the reconstruction in
# ``loss_terms_curve_`` (and in ``validation_loss_terms_curve_`` with a
# validation set); their sum is ``loss_curve_``.
cae = models["contractive (sigmoid codes)"]
fig, ax = plt.subplots(figsize=(6, 3.5))
for term, curve in cae.loss_terms_curve_.items():
    ax.plot(np.arange(1, len(curve) + 1), curve, label=term)
ax.set(xlabel="epoch", ylabel="training loss term", yscale="log")
ax.legend()
plt.show()
