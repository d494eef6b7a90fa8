"""
=====================================================
Two-digit images: reconstruction and generation
=====================================================

Images need not be square. :func:`skae.datasets.make_multi_digits` pastes two
digits side by side with a random overlap (28x39 pixels from MNIST digits);
a :class:`~skae.ConvAutoencoder` takes any ``image_shape=(C, H, W)``.

New images come from decoding new codes. Which codes? Drawn uniformly in the
box that holds the training codes, most of them fall where no training image
was, and decode to blurs. Drawn from a density fitted to the training codes
(``latent_density``, used by ``sample``), they stay where the data is.

Runs offline on scikit-learn's digits (8x14 pairs) in well under a minute;
with ``SKAE_EXAMPLE_DATASET=mnist`` the pairs are 28x39.
"""

# %%
import os

import matplotlib.pyplot as plt
import numpy as np

from skae import ConvAutoencoder
from skae.datasets import load_images, make_multi_digits
from skae.plotting import ReconstructionDisplay, SampleGridDisplay

MAX_ITER = int(os.environ.get("SKAE_EXAMPLE_MAX_ITER", 40))
data = load_images(os.environ.get("SKAE_EXAMPLE_DATASET", "digits"),
                   data_home=os.environ.get("SKAE_DATA_HOME"),
                   n_samples=int(os.environ.get("SKAE_EXAMPLE_N_SAMPLES", 10000)))
_, height, width = data.image_shape
# 8x8 digits fill their frame, so on digits the pair gets 14 columns (a little
# overlap); MNIST digits have blank margins and take the default 39.
pair_width = 14 if width == 8 else None
X, y = make_multi_digits(data.images, data.target, n_samples=5000, width=pair_width,
                         random_state=0)
image_shape = (1, height, X.shape[1] // height)
print("two-digit images:", X.shape, "of", image_shape, "; labels such as", y[:5])

# %%
# A convolutional autoencoder with a 16-dimensional code on the non-square
# images; a Gaussian mixture is fitted to the training codes for ``sample``.
# A fixed budget of ``MAX_ITER`` epochs (``tol=None``) keeps the example short;
# its loss still falls at the end, and the default ``max_iter`` trains on.
ae = ConvAutoencoder(n_components=16, image_shape=image_shape, channels=(32, 64),
                     latent_density="mixture", n_mixture_components=10,
                     max_iter=MAX_ITER, tol=None, random_state=0).fit(X)
display = ReconstructionDisplay.from_estimator(ae, X, n_images=6)
display.figure_.set_size_inches(8, 2.5)

# %%
# Generation: uniform codes in the training codes' bounding box against
# codes drawn from the fitted mixture.
rng = np.random.default_rng(0)
codes = ae.transform(X)
uniform = rng.uniform(codes.min(axis=0), codes.max(axis=0), size=(24, ae.n_components))
fig, axes = plt.subplots(1, 2, figsize=(12, 4))
SampleGridDisplay(ae.inverse_transform(uniform.astype(np.float32)), image_shape,
                  n_cols=6).plot(ax=axes[0], value_range=(0, 1))
axes[0].set_title("uniform codes in the bounding box")
SampleGridDisplay.from_estimator(ae, n_samples=24, n_cols=6, random_state=0, ax=axes[1],
                                   value_range=(0, 1))
axes[1].set_title("codes from the fitted mixture (sample)")
plt.show()
