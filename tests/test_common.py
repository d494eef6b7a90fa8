"""Tests every public estimator must pass."""

import pytest
from sklearn.utils.estimator_checks import parametrize_with_checks

from skae import Autoencoder, ConvAutoencoder, DenoisingAutoencoder, SparseAutoencoder

# Few epochs keep scikit-learn's checks fast; they test the contract, not the fit.
FAST = dict(max_iter=3, random_state=0)
ESTIMATORS = [
    Autoencoder(n_components=2, hidden_layer_sizes=(8,), **FAST),
    ConvAutoencoder(n_components=2, channels=(4,), **FAST),
    DenoisingAutoencoder(n_components=2, hidden_layer_sizes=(8,), **FAST),
    SparseAutoencoder(n_components=2, hidden_layer_sizes=(8,), **FAST),
]


@parametrize_with_checks(ESTIMATORS)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)
