"""
==================================
Outlier detection
==================================

Images unlike the training images reconstruct badly.
:class:`~skae.AutoencoderOutlierDetector` fits an autoencoder on (mostly)
normal data and scores new data by minus the reconstruction error, with the
API of :class:`~sklearn.ensemble.IsolationForest`: ``score_samples``,
``decision_function`` and ``predict`` (1 for inliers, -1 for outliers, with a
``contamination``). Here one digit class is held out of training and must be
found among the test images.

Runs offline on scikit-learn's digits in well under a minute; the gallery's introduction
says how to switch to MNIST or Fashion-MNIST.
"""

# %%
import os

import matplotlib.pyplot as plt
import numpy as np
from sklearn.ensemble import IsolationForest
from sklearn.metrics import RocCurveDisplay, roc_auc_score
from sklearn.model_selection import train_test_split

from skae import Autoencoder, AutoencoderOutlierDetector
from skae.datasets import load_images
from skae.plotting import SampleGridDisplay

MAX_ITER = int(os.environ.get("SKAE_EXAMPLE_MAX_ITER", 150))
data = load_images(os.environ.get("SKAE_EXAMPLE_DATASET", "digits"),
                   data_home=os.environ.get("SKAE_DATA_HOME"),
                   n_samples=int(os.environ.get("SKAE_EXAMPLE_N_SAMPLES", 10000)))
X_train, X_test, y_train, y_test = train_test_split(data.data, data.target,
                                                    test_size=0.3, random_state=0)
HELD_OUT = 7
normal = X_train[y_train != HELD_OUT]
is_outlier = y_test == HELD_OUT

# %%
# Fit on the training images of the nine other digits; IsolationForest on the
# raw pixels is the baseline.
detector = AutoencoderOutlierDetector(
    Autoencoder(n_components=16, hidden_layer_sizes=(128,), max_iter=MAX_ITER,
                random_state=0), contamination=0.1).fit(normal)
forest = IsolationForest(random_state=0).fit(normal)
for name, model in (("autoencoder", detector), ("IsolationForest", forest)):
    auc = roc_auc_score(is_outlier, -model.score_samples(X_test))
    print(f"{name:>16}: ROC AUC {auc:.3f} for digit {HELD_OUT} among the test images")

# %%
# ``predict`` flags the 10% of training-like scores that are lowest
# (``contamination=0.1``); how many flagged test images are the held-out digit?
flagged = detector.predict(X_test) == -1
print(f"flagged {flagged.sum()} test images; {is_outlier[flagged].mean():.0%} of them are "
      f"{HELD_OUT}s, which are {is_outlier.mean():.0%} of the test set")

# %%
# ROC curves, and the test images the autoencoder finds most abnormal.
fig, ax = plt.subplots(figsize=(5, 4.5))
for name, model in (("autoencoder", detector), ("IsolationForest", forest)):
    RocCurveDisplay.from_predictions(is_outlier, -model.score_samples(X_test), name=name,
                                     ax=ax)
worst = np.argsort(detector.score_samples(X_test))[:24]
display = SampleGridDisplay(X_test[worst], data.image_shape, n_cols=8).plot(value_range=(0, 1))
display.ax_.set_title(f"lowest scores (held-out digit: {HELD_OUT}); labels "
                      + "".join(str(d) for d in y_test[worst][:12]) + "...")
plt.show()
