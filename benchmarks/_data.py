"""The data of the clustering benchmarks, shared by their scripts."""

import numpy as np
from sklearn.datasets import load_digits

from skae.datasets import fetch_fashion_mnist, fetch_mnist

DATASETS = ["digits", "mnist", "fashion-mnist"]


def load_clustering_data(dataset, n_samples=None, data_home=None):
    """``(X, y, image_shape)``: scikit-learn's digits (all 1,797, values 0..16), or
    the first ``n_samples`` of the 70,000 MNIST / Fashion-MNIST images (training
    then test images, scaled to [0, 1]; all of them by default)."""
    if dataset == "digits":
        X, y = load_digits(return_X_y=True)
        return X.astype(np.float32), y, (1, 8, 8)
    fetch = fetch_mnist if dataset == "mnist" else fetch_fashion_mnist
    X, y = fetch(data_home=data_home, subset="all", return_X_y=True)
    return X[:n_samples], y[:n_samples], (1, 28, 28)
