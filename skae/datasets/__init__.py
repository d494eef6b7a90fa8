"""Data sets: MNIST and Fashion-MNIST loaders."""

from ._mnist import fetch_fashion_mnist, fetch_mnist

__all__ = ["fetch_fashion_mnist", "fetch_mnist"]
