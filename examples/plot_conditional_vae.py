"""
=================================================
Conditional generation: digits of a chosen class
=================================================

:class:`~skae.ConditionalVariationalAutoencoder` is fitted with the labels:
its encoder and decoder both see the class, so it can decode a code *as a
given class*. Ask for each class in turn, then check with a classifier trained
on real images how many samples it recognises as the class that was asked for.

Runs offline on scikit-learn's digits in well under a minute; the gallery's introduction
says how to switch to MNIST or Fashion-MNIST.
"""

# %%
import os

import matplotlib.pyplot as plt
import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split

from skae import ConditionalVariationalAutoencoder
from skae.datasets import load_images
from skae.plotting import SampleGridDisplay

MAX_ITER = int(os.environ.get("SKAE_EXAMPLE_MAX_ITER", 500))
data = load_images(os.environ.get("SKAE_EXAMPLE_DATASET", "digits"),
                   data_home=os.environ.get("SKAE_DATA_HOME"),
                   n_samples=int(os.environ.get("SKAE_EXAMPLE_N_SAMPLES", 10000)))
X_train, X_test, y_train, y_test = train_test_split(data.data, data.target,
                                                    test_size=0.25, random_state=0)

# %%
# Fit with the labels, then draw ten samples of each class.
cvae = ConditionalVariationalAutoencoder(n_components=4, loss="binary_crossentropy",
                                         max_iter=MAX_ITER, random_state=0)
cvae.fit(X_train, y_train)
requested = np.repeat(np.arange(10), 10)
samples = cvae.sample(len(requested), y=requested, random_state=0)
clf = LogisticRegression(max_iter=2000).fit(X_train, y_train)
print(f"classifier accuracy on real test images: {clf.score(X_test, y_test):.3f}")
print(f"samples recognised as the requested class: "
      f"{np.mean(clf.predict(samples) == requested):.3f}")

# %%
# One class per row.
display = SampleGridDisplay(samples, data.image_shape, n_cols=10,
                            labels=requested).plot(value_range=(0, 1))
display.ax_.set_title("Conditional samples, one class per row")
plt.show()
