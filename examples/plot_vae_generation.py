"""
=============================================
Variational autoencoders: samples, traversals
=============================================

A variational autoencoder (VAE) learns a decoder from a standard normal prior,
so that decoding random codes gives new samples. This example trains
:class:`~skae.VariationalAutoencoder` on digits, follows the two terms of its
objective, draws samples, walks the latent space one dimension at a time,
compares the ELBO with the tighter importance-sampled log-likelihood, and
tunes the code width on held-out likelihood.

Runs offline on scikit-learn's digits in well under a minute; the gallery's introduction
says how to switch to MNIST or Fashion-MNIST.
"""

# %%
# Data: pixel intensities in [0, 1], modelled by a Bernoulli likelihood
# (``loss="binary_crossentropy"``).
import os

import matplotlib.pyplot as plt
import numpy as np
from sklearn.model_selection import GridSearchCV, train_test_split

from skae import VariationalAutoencoder
from skae.datasets import load_images
from skae.plotting import LatentTraversalDisplay, SampleGridDisplay

MAX_ITER = int(os.environ.get("SKAE_EXAMPLE_MAX_ITER", 500))
data = load_images(os.environ.get("SKAE_EXAMPLE_DATASET", "digits"),
                   data_home=os.environ.get("SKAE_DATA_HOME"),
                   n_samples=int(os.environ.get("SKAE_EXAMPLE_N_SAMPLES", 10000)))
X_train, X_test = train_test_split(data.data, test_size=0.25, random_state=0)

# %%
# Train a VAE with an 8-dimensional latent space. The objective, the negative
# evidence lower bound (ELBO), is a reconstruction term plus the KL divergence
# of the posterior from the prior; both are recorded at every epoch. A KL
# warm-up lets the decoder use its codes before the KL term weighs in full.
vae = VariationalAutoencoder(n_components=8, loss="binary_crossentropy", kl_warmup=10,
                             max_iter=MAX_ITER, random_state=0).fit(X_train)

fig, ax = plt.subplots(figsize=(5, 3.5))
for term, curve in vae.loss_terms_curve_.items():
    ax.plot(np.arange(1, vae.n_iter_ + 1), curve, label=term)
ax.set(xlabel="epoch", ylabel="nats per image", title="The two terms of the loss")
ax.legend()

# %%
# Samples: codes drawn from the standard normal prior, decoded. The same
# ``random_state`` gives the same samples.
display = SampleGridDisplay.from_estimator(vae, n_samples=40, n_cols=10, random_state=0,
                                           value_range=(0, 1))
display.ax_.set_title("VAE samples")

# %%
# A latent traversal: each row moves one latent dimension from -3 to +3 prior
# standard deviations around the code of one test image.
display = LatentTraversalDisplay.from_estimator(vae, X_test[[0]], n_steps=9,
                                                value_range=(0, 1))
display.ax_.set_title("One latent dimension per row")

# %%
# How good is the model? ``score`` is the mean ELBO in nats, a lower bound of
# the log-likelihood; ``log_likelihood`` tightens it by importance sampling
# (the IWAE bound) with more posterior draws.
print(f"held-out ELBO: {vae.score(X_test):.2f} nats")
for k in (1, 10, 100):
    ll = vae.log_likelihood(X_test, n_importance_samples=k, random_state=0).mean()
    print(f"held-out log-likelihood, IWAE with k={k:>3}: {ll:.2f} nats")

# %%
# Since ``score`` is a held-out likelihood bound, GridSearchCV tunes a VAE
# with no ``scoring=``: here the width of the latent space, each candidate
# stopped, as by default, when the ELBO of a tenth of its training rows held
# out stops rising.
search = GridSearchCV(VariationalAutoencoder(loss="binary_crossentropy",
                                             max_iter=MAX_ITER, random_state=0),
                      {"n_components": [2, 8]}, cv=3).fit(X_train)
print("best n_components by held-out ELBO:", search.best_params_["n_components"])
plt.show()
