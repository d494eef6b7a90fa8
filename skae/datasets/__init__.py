"""Data sets and image helpers.

Loaders for MNIST and Fashion-MNIST (and ``load_images``, one entry point
for them and scikit-learn's digits), a generator of two-digit images, and the
corruption and augmentation helpers used by the examples.
"""

from ._images import (
    add_noise,
    flip_images,
    make_multi_digits,
    rotate_images,
    shift_images,
)
from ._mnist import fetch_fashion_mnist, fetch_mnist, load_images

__all__ = [
    "add_noise",
    "fetch_fashion_mnist",
    "flip_images",
    "fetch_mnist",
    "load_images",
    "make_multi_digits",
    "rotate_images",
    "shift_images",
]
