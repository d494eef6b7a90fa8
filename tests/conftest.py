import numpy as np
import pytest
from sklearn.datasets import load_digits


@pytest.fixture(scope="session")
def digits():
    """Digits scaled to [0, 1] and their labels."""
    X, y = load_digits(return_X_y=True)
    return (X / 16).astype(np.float32), y


@pytest.fixture
def X_small():
    rng = np.random.default_rng(0)
    return rng.random((40, 16)).astype(np.float32)
