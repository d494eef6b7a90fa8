"""Images stored as flat rows: the (C, H, W) layout of each row. Used by the
conv estimators, the datasets and the plots alike."""

import math


def infer_image_shape(n_features):
    """The most square one-channel layout ``(1, H, W)`` with ``H * W == n_features``."""
    height = max(h for h in range(1, math.isqrt(n_features) + 1) if n_features % h == 0)
    return (1, height, n_features // height)


def resolve_image_shape(image_shape, n_features, name="X"):
    """``image_shape`` as a tuple of Python ints (numpy's included), or the
    most square layout when None; ValueError when it does not hold
    ``n_features`` values."""
    if image_shape is None:
        return infer_image_shape(n_features)
    image_shape = tuple(int(side) for side in image_shape)
    if math.prod(image_shape) != n_features:
        raise ValueError(
            f"image_shape={image_shape} has {math.prod(image_shape)} values per image, but "
            f"{name} has {n_features} features; {name} must hold one flattened (C, H, W) "
            "image per row."
        )
    return image_shape
