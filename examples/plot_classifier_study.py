"""
======================================================================
A classifier study: optimizers x from scratch, fine-tuned and frozen
======================================================================

The comparison many courses and papers run: the same convolutional network,
trained as a classifier three ways, under several optimizers.

- **from scratch**: ``AutoencoderClassifier(ae, pretrain=False)``, a plain CNN
  classifier (the encoder starts from random weights);
- **fine-tuned**: the encoder of an autoencoder fitted once on the training
  images (labels unused), trained further with the head;
- **frozen**: that encoder kept fixed, only the head trains.

The autoencoder is fitted once and shared by wrapping it in scikit-learn's
:class:`~sklearn.frozen.FrozenEstimator`: the classifiers use it as it is,
with no refit. ``fit(X, y, X_val=..., y_val=...)`` records the test accuracy
after every epoch (``validation_accuracy_curve_``) without early stopping. Each
optimizer gets the step size of skae's rule (the user guide's training
parameters): 1e-3 for Adam and RMSprop, 0.05 for SGD with momentum, 1.0 for
Adadelta.

Runs offline on scikit-learn's digits in about a minute; the gallery's
introduction says how to switch to MNIST or Fashion-MNIST.
"""

# %%
import os
import warnings

import matplotlib.pyplot as plt
from sklearn.exceptions import ConvergenceWarning
from sklearn.frozen import FrozenEstimator
from sklearn.metrics import ConfusionMatrixDisplay
from sklearn.model_selection import train_test_split

from skae import AutoencoderClassifier, ConvAutoencoder
from skae.datasets import load_images

MAX_ITER = int(os.environ.get("SKAE_EXAMPLE_MAX_ITER", 30))
data = load_images(os.environ.get("SKAE_EXAMPLE_DATASET", "digits"),
                   data_home=os.environ.get("SKAE_DATA_HOME"),
                   n_samples=int(os.environ.get("SKAE_EXAMPLE_N_SAMPLES", 10000)))
X_train, X_test, y_train, y_test = train_test_split(data.data, data.target,
                                                    test_size=0.3, random_state=0)
# Every network trains a fixed budget of epochs on purpose: no warning that
# more epochs would still lower the loss.
warnings.filterwarnings("ignore", category=ConvergenceWarning)

# %%
# One autoencoder, fitted once on the training images without their labels.
ae = ConvAutoencoder(image_shape=data.image_shape, n_components=32,
                     max_iter=MAX_ITER * 3, random_state=0)
pretrained = FrozenEstimator(ae.fit(X_train))

# %%
# Twelve classifiers: four optimizers, three ways to train. Dropout 0.2 in the
# head regularises all of them alike, and every one trains MAX_ITER epochs
# (``n_iter_no_change=MAX_ITER`` turns off the stop at convergence), so the
# curves compare epoch for epoch.
optimizers = {"adam": 1e-3, "rmsprop": 1e-3, "sgd": 0.05, "adadelta": 1.0}
ways = {
    "from scratch": dict(autoencoder=ae, pretrain=False),
    "fine-tuned": dict(autoencoder=pretrained),
    "frozen": dict(autoencoder=pretrained, freeze_encoder=True),
}
fitted = {}
for optimizer, step in optimizers.items():
    for way, params in ways.items():
        clf = AutoencoderClassifier(**params, hidden_layer_sizes=(64,), dropout=0.2,
                                    optimizer=optimizer, learning_rate_init=step,
                                    max_iter=MAX_ITER, n_iter_no_change=MAX_ITER,
                                    random_state=0)
        fitted[optimizer, way] = clf.fit(X_train, y_train, X_val=X_test, y_val=y_test)
        print(f"{optimizer:>8}, {way:>12}: test accuracy {clf.score(X_test, y_test):.3f}")

# %%
# Test accuracy after every epoch: pretraining gives the fine-tuned and frozen
# networks their head start, and the optimizers differ most from scratch.
fig, axes = plt.subplots(1, len(optimizers), figsize=(3.2 * len(optimizers), 3.2),
                         sharey=True)
for ax, optimizer in zip(axes, optimizers):
    for way in ways:
        curve = fitted[optimizer, way].validation_accuracy_curve_
        ax.plot(range(1, len(curve) + 1), curve, label=way)
    ax.set(title=optimizer, xlabel="epoch")
axes[0].set(ylabel="test accuracy")
axes[0].legend()
fig.tight_layout()
plt.show()

# %%
# The confusion matrix of the best of the twelve on the test images.
best = max(fitted, key=lambda key: fitted[key].validation_accuracy_curve_[-1])
ConfusionMatrixDisplay.from_estimator(fitted[best], X_test, y_test, colorbar=False)
plt.title(f"{best[0]}, {best[1]}")
plt.show()
