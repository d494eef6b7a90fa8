"""
=======================================
Hyperparameter search with Optuna
=======================================

An autoencoder's ``score`` is minus its reconstruction error, so
cross-validation needs no scoring function, and any search tool that calls
``cross_val_score`` can tune it. Here Optuna searches the code width
(``n_components``) and the step size (``learning_rate_init``, on a log scale)
with its default TPE sampler.

Optuna is optional (``pip install optuna``); without it this example says so
and stops. Runs offline on scikit-learn's digits in well under a minute. Set
``SKAE_EXAMPLE_DATASET`` / ``SKAE_DATA_HOME`` for MNIST or Fashion-MNIST,
``SKAE_EXAMPLE_MAX_ITER`` to train for fewer epochs and
``SKAE_EXAMPLE_N_TRIALS`` for fewer trials.
"""

# %%
import os
import warnings

import matplotlib.pyplot as plt
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import cross_val_score

from skae import Autoencoder
from skae.datasets import load_images

try:
    import optuna
except ImportError:
    optuna = None
    print("Optuna is not installed (pip install optuna); skipping the search.")

MAX_ITER = int(os.environ.get("SKAE_EXAMPLE_MAX_ITER", 20))
N_TRIALS = int(os.environ.get("SKAE_EXAMPLE_N_TRIALS", 12))
data = load_images(os.environ.get("SKAE_EXAMPLE_DATASET", "digits"),
                   data_home=os.environ.get("SKAE_DATA_HOME"),
                   n_samples=int(os.environ.get("SKAE_EXAMPLE_N_SAMPLES", 5000)))
X = data.data


def objective(trial):
    """Mean 3-fold held-out score (minus the reconstruction error).

    Every trial trains for the same fixed budget (``tol=None``). A step size at
    the ends of the range can leave a model that learned (almost) nothing, which
    skae warns about: the trial records it instead of printing the warning.
    """
    ae = Autoencoder(
        n_components=trial.suggest_int("n_components", 2, 32, log=True),
        learning_rate_init=trial.suggest_float("learning_rate_init", 1e-4, 1e-1, log=True),
        hidden_layer_sizes=(128,), max_iter=MAX_ITER, tol=None, random_state=0,
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        score = cross_val_score(ae, X, cv=3).mean()
    trial.set_user_attr("learned_nothing", any(
        issubclass(w.category, ConvergenceWarning) for w in caught))
    return score


# %%
# Run the study. Each trial is a full 3-fold cross-validation.
if optuna is not None:
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(direction="maximize",
                                sampler=optuna.samplers.TPESampler(seed=0))
    study.optimize(objective, n_trials=N_TRIALS)
    print("best parameters:", study.best_params)
    print(f"best held-out reconstruction error: {-study.best_value:.4f}")
    failed = [t.params["learning_rate_init"] for t in study.trials
              if t.user_attrs["learned_nothing"]]
    steps = ", ".join(f"{step:.1e}" for step in sorted(failed))
    print(f"trials whose autoencoder learned (almost) nothing: {len(failed)} of "
          f"{len(study.trials)}" + (f", at steps {steps}" if failed else ""))

# %%
# Each trial in the plane of the two parameters, coloured by its held-out
# error: wide codes and a step size near 1e-2 to 1e-3 reconstruct best.
if optuna is not None:
    trials = study.trials_dataframe()
    fig, ax = plt.subplots(figsize=(6, 4))
    points = ax.scatter(trials["params_n_components"], trials["params_learning_rate_init"],
                        c=-trials["value"], cmap="viridis_r", s=60)
    fig.colorbar(points, ax=ax, label="held-out MSE")
    ax.set(xscale="log", yscale="log", xlabel="n_components",
           ylabel="learning_rate_init", title="Optuna trials")
    plt.show()
