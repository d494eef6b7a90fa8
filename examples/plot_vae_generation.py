"""
=========================================================
Variational autoencoders: samples, traversals, classes
=========================================================

A variational autoencoder (VAE) learns a decoder from a standard normal prior,
so that decoding random codes gives new samples. This example trains
:class:`~skae.VariationalAutoencoder` on digits, follows the two terms of its
objective, draws samples, walks the latent space one dimension at a time,
compares the ELBO with the tighter importance-sampled log-likelihood, tunes the
code width on held-out likelihood, and generates digits of a chosen class with
:class:`~skae.ConditionalVariationalAutoencoder`, checked by a classifier
trained on real digits.

Runs offline on scikit-learn's digits in well under a minute. Set
``SKAE_EXAMPLE_DATASET=mnist`` (and ``SKAE_DATA_HOME`` to the folder holding
``mnist/``) to use 10,000 MNIST training images instead, and
``SKAE_EXAMPLE_MAX_ITER`` to train for fewer epochs.
"""

# %%
# Data: pixel intensities in [0, 1], modelled by a Bernoulli likelihood
# (``loss="binary_crossentropy"``).
import os

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, train_test_split

from skae import ConditionalVariationalAutoencoder, VariationalAutoencoder
from skae.datasets import fetch_mnist

MAX_ITER = int(os.environ.get("SKAE_EXAMPLE_MAX_ITER", 100))
if os.environ.get("SKAE_EXAMPLE_DATASET", "digits") == "mnist":
    X, y = fetch_mnist(data_home=os.environ.get("SKAE_DATA_HOME"), subset="train",
                       return_X_y=True)
    X, y, side = X[:10000], y[:10000], 28
else:
    X, y = load_digits(return_X_y=True)
    X, side = X / 16, 8
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, random_state=0)


def show(images, n_cols, title):
    n_rows = int(np.ceil(len(images) / n_cols))
    fig, axes = plt.subplots(n_rows, n_cols, figsize=(n_cols * 0.7, n_rows * 0.7 + 0.4))
    for ax, image in zip(axes.ravel(), images):
        ax.imshow(image.reshape(side, side), cmap="gray_r", vmin=0, vmax=1)
    for ax in axes.ravel():
        ax.set_axis_off()
    fig.suptitle(title)


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
show(vae.sample(40, random_state=0), 10, "VAE samples")

# %%
# A latent traversal: each row moves one latent dimension from -3 to +3 prior
# standard deviations around the code of one test image.
grid = vae.latent_traversal(X_test[[0]], n_steps=9)
show(grid.reshape(-1, X.shape[1]), 9, "One latent dimension per row")

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
# with no ``scoring=``: here the width of the latent space.
search = GridSearchCV(VariationalAutoencoder(loss="binary_crossentropy",
                                             max_iter=max(1, MAX_ITER // 2), random_state=0),
                      {"n_components": [2, 8]}, cv=3).fit(X_train)
print("best n_components by held-out ELBO:", search.best_params_["n_components"])

# %%
# Conditional generation: a conditional VAE is fitted with the labels and
# decodes a code *as a given class*. Ask for each class in turn, then check
# with a classifier trained on real images how many samples it recognises as
# the class that was asked for.
cvae = ConditionalVariationalAutoencoder(n_components=4, loss="binary_crossentropy",
                                         max_iter=MAX_ITER, random_state=0)
cvae.fit(X_train, y_train)
requested = np.repeat(np.arange(10), 10)
samples = cvae.sample(len(requested), y=requested, random_state=0)
clf = LogisticRegression(max_iter=2000).fit(X_train, y_train)
print(f"classifier accuracy on real test images: {clf.score(X_test, y_test):.3f}")
print(f"samples recognised as the requested class: "
      f"{np.mean(clf.predict(samples) == requested):.3f}")
show(samples, 10, "Conditional samples, one class per row")
plt.show()
