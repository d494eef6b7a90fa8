"""Image helpers: two-digit images, corruption and augmentation.

Every helper takes images as rows of a 2-D array, one flattened
``(C, H, W)`` image per row as the convolutional estimators do (``image_shape``,
inferred as the most square one-channel layout when ``None``), and returns
new rows in the same layout. Float32 input stays float32; any other input is
returned as float64.
"""

from numbers import Integral, Real

import numpy as np
import torch
from scipy import ndimage
from sklearn.utils import check_array, check_random_state
from sklearn.utils._param_validation import Interval, StrOptions, validate_params

from .._image_shape import resolve_image_shape
from .._modules import NOISES, corrupt
from .._validation import SizeTuple

_FLOATS = [np.float64, np.float32]


def _as_images(X, image_shape, name="X"):
    """``X`` as a float array of shape (n, C, H, W), and ``(C, H, W)``."""
    X = check_array(X, dtype=_FLOATS, allow_nd=True, input_name=name)
    if X.ndim == 3:
        if image_shape is not None and tuple(image_shape) != (1, *X.shape[1:]):
            raise ValueError(
                f"{name} holds images of shape {X.shape[1:]}, which does not match "
                f"image_shape={tuple(image_shape)}; pass flattened rows with "
                "image_shape, or (n, H, W) images without it."
            )
        return X[:, None], (1, *X.shape[1:])
    if X.ndim != 2:
        raise ValueError(
            f"{name} must be 2-D (one flattened image per row) or 3-D (n, H, W); "
            f"got {X.ndim} dimensions."
        )
    shape = resolve_image_shape(image_shape, X.shape[1], name)
    return X.reshape(len(X), *shape), shape


@validate_params(
    {
        "X": ["array-like"],
        "noise": [StrOptions(set(NOISES))],
        "noise_level": [Interval(Real, 0, None, closed="left")],
        "low": [Real, None],
        "high": [Real, None],
        "random_state": ["random_state"],
    },
    prefer_skip_nested_validation=True,
)
def add_noise(X, noise="gaussian", noise_level=0.1, *, low=None, high=None,
              random_state=None):
    """Corrupt data with the noise a :class:`~skae.DenoisingAutoencoder` trains on.

    The clean data and its corrupted copy make a denoising benchmark: train
    on clean rows, reconstruct the corrupted ones, score against the clean.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        The clean data.
    noise : {"gaussian", "masking", "missing", "salt_and_pepper"}, \
default="gaussian"
        ``"gaussian"`` adds noise of standard deviation ``noise_level``;
        ``"masking"`` sets a fraction ``noise_level`` of the entries to 0;
        ``"missing"`` makes them missing (NaN), as gaps in a table;
        ``"salt_and_pepper"`` sets a fraction ``noise_level`` of them to
        ``low`` or ``high`` with equal odds.
    noise_level : float, default=0.1
        Standard deviation, or the fraction of entries hit (then at most 1).
    low, high : float, default=None
        Salt-and-pepper values; the minimum and maximum of ``X`` when None.
    random_state : int, RandomState instance or None, default=None
        Seed of the draws.

    Returns
    -------
    X_noisy : ndarray of shape (n_samples, n_features)
        A new array; no value is clipped.

    See Also
    --------
    skae.metrics.peak_signal_noise_ratio : How close a denoised image is to the clean one.

    Examples
    --------
    >>> import numpy as np
    >>> from skae.datasets import add_noise
    >>> X = np.ones((4, 3), dtype=np.float32)
    >>> add_noise(X, "masking", 0.5, random_state=0).shape
    (4, 3)
    """
    X = check_array(X, dtype=_FLOATS)
    if noise != "gaussian" and noise_level > 1:
        raise ValueError(
            f"noise_level must be in [0, 1] for noise={noise!r} (the fraction of "
            f"entries corrupted); got {noise_level!r}."
        )
    seed = check_random_state(random_state).randint(np.iinfo(np.int32).max)
    generator = torch.Generator().manual_seed(int(seed))
    low = float(X.min()) if low is None else low
    high = float(X.max()) if high is None else high
    # A read-only X (a DataFrame's values) is copied: torch takes writable arrays.
    noisy = corrupt(torch.from_numpy(np.require(X, requirements="W")), noise, noise_level,
                    low, high, generator)
    return noisy.numpy()


@validate_params(
    {
        "X": ["array-like"],
        "image_shape": [SizeTuple(length=3), None],
        "max_shift": [Interval(Integral, 0, None, closed="left")],
        "random_state": ["random_state"],
    },
    prefer_skip_nested_validation=True,
)
def shift_images(X, *, image_shape=None, max_shift=2, random_state=None):
    """Translate each image by a random whole number of pixels.

    Each image moves by its own (dy, dx), each drawn uniformly from
    ``-max_shift`` to ``max_shift``; pixels that enter the frame are 0.

    Parameters
    ----------
    X : array-like of shape (n_samples, C * H * W)
        Flattened images.
    image_shape : tuple of 3 ints (C, H, W), default=None
        Layout of a row; the most square ``(1, H, W)`` when None.
    max_shift : int, default=2
        Largest shift in pixels along each axis.
    random_state : int, RandomState instance or None, default=None
        Seed of the shifts.

    Returns
    -------
    X_shifted : ndarray of shape (n_samples, C * H * W)
        The images, each shifted.

    See Also
    --------
    flip_images : Random flips of images.
    rotate_images : Random rotations of images.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from skae.datasets import shift_images
    >>> X, _ = load_digits(return_X_y=True)
    >>> shift_images(X[:5], max_shift=1, random_state=0).shape
    (5, 64)
    """
    images, _ = _as_images(X, image_shape)
    rng = check_random_state(random_state)
    height, width = images.shape[2:]
    pad = max_shift
    padded = np.pad(images, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    out = np.empty_like(images)
    for i, (dy, dx) in enumerate(rng.randint(-max_shift, max_shift + 1, (len(images), 2))):
        out[i] = padded[i, :, pad - dy:pad - dy + height, pad - dx:pad - dx + width]
    return out.reshape(len(out), -1)


@validate_params(
    {
        "X": ["array-like"],
        "image_shape": [SizeTuple(length=3), None],
        "axis": [StrOptions({"horizontal", "vertical"})],
        "p": [Interval(Real, 0, 1, closed="both")],
        "random_state": ["random_state"],
    },
    prefer_skip_nested_validation=True,
)
def flip_images(X, *, image_shape=None, axis="horizontal", p=0.5, random_state=None):
    """Mirror a random fraction of the images, left to right (or top to bottom).

    A label-preserving augmentation for images whose class does not depend
    on their orientation, such as Fashion-MNIST's clothes (not digits: a
    mirrored 3 is no digit).

    Parameters
    ----------
    X : array-like of shape (n_samples, C * H * W)
        Flattened images.
    image_shape : tuple of 3 ints (C, H, W), default=None
        Layout of a row; the most square ``(1, H, W)`` when None.
    axis : {"horizontal", "vertical"}, default="horizontal"
        "horizontal" mirrors left to right (flips the columns), "vertical"
        top to bottom.
    p : float in [0, 1], default=0.5
        Probability that an image is flipped; 1 flips them all.
    random_state : int, RandomState instance or None, default=None
        Seed of the choice of images.

    Returns
    -------
    X_flipped : ndarray of shape (n_samples, C * H * W)
        The images, each flipped or as it was.

    See Also
    --------
    shift_images : Random shifts of images.
    rotate_images : Random rotations of images.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from skae.datasets import flip_images
    >>> X, _ = load_digits(return_X_y=True)
    >>> flip_images(X[:5], p=1.0).shape
    (5, 64)
    """
    images, _ = _as_images(X, image_shape)
    flip = check_random_state(random_state).random_sample(len(images)) < p
    out = images.copy()
    out[flip] = np.flip(images[flip], axis=3 if axis == "horizontal" else 2)
    return out.reshape(len(out), -1)


@validate_params(
    {
        "X": ["array-like"],
        "image_shape": [SizeTuple(length=3), None],
        "max_angle": [Interval(Real, 0, 180, closed="both")],
        "random_state": ["random_state"],
    },
    prefer_skip_nested_validation=True,
)
def rotate_images(X, *, image_shape=None, max_angle=15.0, random_state=None):
    """Rotate each image about its centre by a random angle.

    Each angle is drawn uniformly from ``-max_angle`` to ``max_angle`` degrees;
    pixels are interpolated bilinearly and those that enter the frame are 0.

    Parameters
    ----------
    X : array-like of shape (n_samples, C * H * W)
        Flattened images.
    image_shape : tuple of 3 ints (C, H, W), default=None
        Layout of a row; the most square ``(1, H, W)`` when None.
    max_angle : float, default=15.0
        Largest rotation in degrees, either way.
    random_state : int, RandomState instance or None, default=None
        Seed of the angles.

    Returns
    -------
    X_rotated : ndarray of shape (n_samples, C * H * W)
        The images, each rotated.

    See Also
    --------
    shift_images : Random shifts of images.
    flip_images : Random flips of images.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from skae.datasets import rotate_images
    >>> X, _ = load_digits(return_X_y=True)
    >>> rotate_images(X[:5], max_angle=10, random_state=0).shape
    (5, 64)
    """
    images, _ = _as_images(X, image_shape)
    angles = check_random_state(random_state).uniform(-max_angle, max_angle, len(images))
    out = np.empty_like(images)
    for i, angle in enumerate(angles):
        out[i] = ndimage.rotate(images[i], angle, axes=(1, 2), reshape=False, order=1,
                                mode="constant", cval=0.0)
    return out.reshape(len(out), -1)


def _digit_pairs(labels, n_samples, numbers, weights, rng):
    """Indices ``(n_samples, 2)`` of the tens and units images of each sample."""
    counts = None
    if np.ndim(n_samples) == 1:
        counts = check_array(n_samples, ensure_2d=False, dtype=None, input_name="n_samples")
        if not np.issubdtype(counts.dtype, np.integer) or counts.min() < 0:
            raise ValueError(f"n_samples as counts must be non-negative ints; got {counts!r}.")
    if numbers is None and weights is None and counts is None:
        return rng.randint(len(labels), size=(n_samples, 2))
    numbers = np.arange(100) if numbers is None else check_array(
        numbers, ensure_2d=False, dtype=None, input_name="numbers")
    if (numbers.ndim != 1 or not np.issubdtype(numbers.dtype, np.integer)
            or numbers.min() < 0 or numbers.max() > 99 or len(np.unique(numbers)) < len(numbers)):
        raise ValueError("numbers must be distinct ints from 0 to 99; got "
                         f"{numbers.tolist()!r}.")
    missing = sorted(set(np.concatenate([numbers // 10, numbers % 10]).tolist())
                     - set(labels.tolist()))
    if missing:
        raise ValueError(f"numbers use the digits {missing}, of which labels has no image.")
    if counts is not None:
        if weights is not None:
            raise ValueError("weights apply to an int n_samples; with counts per number, "
                             "the counts are the balance.")
        if len(counts) != len(numbers):
            raise ValueError(f"n_samples has {len(counts)} counts for {len(numbers)} numbers.")
        drawn = rng.permutation(np.repeat(numbers, counts))
    else:
        p = None
        if weights is not None:
            p = check_array(weights, ensure_2d=False, dtype=np.float64, input_name="weights")
            if p.shape != numbers.shape or p.min() < 0 or p.sum() <= 0:
                raise ValueError(
                    f"weights must hold one non-negative weight per number ({len(numbers)}), "
                    f"not all zero; got {p.tolist()!r}.")
            p = p / p.sum()
        drawn = rng.choice(numbers, size=n_samples, p=p)
    by_digit = {d: np.flatnonzero(labels == d) for d in range(10)}
    return np.array([[rng.choice(by_digit[k // 10]), rng.choice(by_digit[k % 10])]
                     for k in drawn], dtype=np.intp).reshape(-1, 2)


@validate_params(
    {
        "images": ["array-like"],
        "labels": ["array-like"],
        "n_samples": [Interval(Integral, 1, None, closed="left"), "array-like"],
        "numbers": ["array-like", None],
        "weights": ["array-like", None],
        "image_shape": [SizeTuple(length=3), None],
        "width": [Interval(Integral, 1, None, closed="left"), None],
        "random_state": ["random_state"],
    },
    prefer_skip_nested_validation=True,
)
def make_multi_digits(images, labels, *, n_samples=1000, numbers=None, weights=None,
                      image_shape=None, width=None, random_state=None):
    """Two-digit images: two digits side by side, overlapping by a random amount.

    Each sample pastes two digit images drawn at random (with replacement) on
    a canvas of the digits' height and ``width`` columns: the tens digit
    against the left edge and the units digit against the right edge, each
    moved inwards by a random 0 to ``(width - w) // 4`` columns, where ``w``
    is the digits' width. Where the two overlap, the larger pixel wins. From
    28x28 MNIST digits the images are 28x39, and the digits share 17 to 27
    columns (most of them blank margin).

    Parameters
    ----------
    images : array-like of shape (n_digits, H, W) or (n_digits, C * H * W)
        Single-digit images, e.g. ``load_digits().images`` or
        ``fetch_mnist().images``, or their flattened rows.
    labels : array-like of shape (n_digits,)
        The digit of each image, integers from 0 to 9.
    n_samples : int or array-like of int, default=1000
        Number of two-digit images to make; or, as in scikit-learn's
        ``make_blobs``, the number of images of each of ``numbers`` (the
        labels are then exactly balanced, or as unbalanced as you say).
    numbers : array-like of int, default=None
        The two-digit numbers (0 to 99) to make, e.g. ``range(1, 51)``; each
        needs images of both its digits. None: any pair of images, drawn
        uniformly, so the numbers follow the digits' frequencies.
    weights : array-like of float, default=None
        Probability of each of ``numbers`` (normalised to sum to 1), as in
        ``make_classification``; None draws them uniformly. Only with an
        int ``n_samples``.
    image_shape : tuple of 3 ints (C, H, W), default=None
        Layout of a row when ``images`` is 2-D; the most square ``(1, H, W)``
        when None.
    width : int, default=None
        Width of the new images, at least ``W`` and at most ``2 * W``;
        ``round(39 * W / 28)`` when None (39 for MNIST, 11 for ``load_digits``).
    random_state : int, RandomState instance or None, default=None
        Seed of the choice of digits and of their positions.

    Returns
    -------
    X : ndarray of shape (n_samples, C * H * width)
        The flattened images, in the dtype of ``images`` when float32 and in
        float64 otherwise. Reshape to ``(n_samples, C, H, width)`` to view.
    y : ndarray of shape (n_samples,)
        The two-digit numbers, ``10 * tens + units`` (0 to 99).

    See Also
    --------
    load_images : The digit images to combine.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from skae.datasets import make_multi_digits
    >>> digits = load_digits()
    >>> X, y = make_multi_digits(digits.images, digits.target, n_samples=5,
    ...                          random_state=0)
    >>> X.shape, y.shape
    ((5, 88), (5,))
    """
    digits, (channels, height, digit_width) = _as_images(images, image_shape, "images")
    labels = check_array(labels, ensure_2d=False, dtype=None, input_name="labels")
    if labels.ndim != 1 or len(labels) != len(digits):
        raise ValueError(
            f"labels must be 1-D with one label per image; got shape {labels.shape} "
            f"for {len(digits)} images."
        )
    if not np.issubdtype(labels.dtype, np.integer):
        raise TypeError(f"labels must be integers from 0 to 9; got dtype {labels.dtype}.")
    if labels.min() < 0 or labels.max() > 9:
        raise ValueError(
            f"labels must be digits from 0 to 9; got values from {labels.min()} to "
            f"{labels.max()}."
        )
    if width is None:
        width = round(39 * digit_width / 28)
    if not digit_width <= width <= 2 * digit_width:
        raise ValueError(
            f"width must be between the digit width {digit_width} and twice it "
            f"({2 * digit_width}); got width={width}."
        )
    rng = check_random_state(random_state)
    pairs = _digit_pairs(labels, n_samples, numbers, weights, rng)
    n_samples = len(pairs)
    jitter = rng.randint((width - digit_width) // 4 + 1, size=(n_samples, 2))
    canvas = np.zeros((n_samples, channels, height, width), dtype=digits.dtype)
    right = width - digit_width - jitter[:, 1]
    for i, ((tens, units), left) in enumerate(zip(pairs, jitter[:, 0])):
        canvas[i, :, :, left:left + digit_width] = digits[tens]
        window = canvas[i, :, :, right[i]:right[i] + digit_width]
        np.maximum(window, digits[units], out=window)
    y = 10 * labels[pairs[:, 0]] + labels[pairs[:, 1]]
    return canvas.reshape(n_samples, -1), y
