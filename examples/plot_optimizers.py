"""
======================
Comparing optimizers
======================

The same autoencoder trained by seven of torch's optimizers, each at its usual
step size: the training and validation loss per epoch on one axes, and a table
of the held-out reconstruction error and the training time. ``optimizer``
takes a name (or any ``torch.optim.Optimizer`` class) and
``learning_rate_init`` its step size.

Runs offline on scikit-learn's digits in well under a minute; the gallery's introduction
says how to switch to MNIST or Fashion-MNIST.
"""

# %%
import os
import time

import matplotlib.pyplot as plt
from sklearn.model_selection import train_test_split

from skae import Autoencoder
from skae.datasets import load_images
from skae.plotting import LossCurveDisplay

MAX_ITER = int(os.environ.get("SKAE_EXAMPLE_MAX_ITER", 40))
data = load_images(os.environ.get("SKAE_EXAMPLE_DATASET", "digits"),
                   data_home=os.environ.get("SKAE_DATA_HOME"),
                   n_samples=int(os.environ.get("SKAE_EXAMPLE_N_SAMPLES", 10000)))
X_train, X_test = train_test_split(data.data, test_size=0.25, random_state=0)

# %%
# Each optimizer gets the step size it is usually run with; SGD uses Nesterov
# momentum (``momentum=0.9`` by default, as in scikit-learn's MLP).
step_sizes = {"sgd": 0.1, "adam": 1e-3, "adamax": 2e-3, "nadam": 2e-3,
              "rmsprop": 1e-3, "adagrad": 1e-2, "adadelta": 1.0}
fits, rows = {}, []
for name, step in step_sizes.items():
    ae = Autoencoder(n_components=16, hidden_layer_sizes=(128,), optimizer=name,
                     learning_rate_init=step, max_iter=MAX_ITER, early_stopping=True,
                     tol=None, random_state=0)
    start = time.perf_counter()
    fits[name] = ae.fit(X_train)
    rows.append((name, step, -ae.score(X_test), time.perf_counter() - start))

# %%
# The table: held-out mean squared error after ``MAX_ITER`` epochs (the best
# epoch's weights) and the fit time on this machine.
print(f"{'optimizer':>10} {'step':>7} {'test MSE':>9} {'fit (s)':>8}")
for name, step, error, seconds in sorted(rows, key=lambda row: row[2]):
    print(f"{name:>10} {step:>7g} {error:>9.4f} {seconds:>8.1f}")

# %%
# The curves: solid for training, dashed for validation, one colour each.
fig, ax = plt.subplots(figsize=(7, 4.5))
LossCurveDisplay.from_estimator(fits, ax=ax, log_scale=True)
ax.legend(ncol=2, fontsize="small")
ax.set_title("Autoencoder(16) on the same data, seven optimizers")
plt.show()
