"""The image helpers of ``skae.datasets``: two-digit images, noise, shifts, rotations."""

import numpy as np
import pytest
from sklearn.datasets import load_digits

from skae.datasets import (
    add_noise,
    flip_images,
    make_multi_digits,
    rotate_images,
    shift_images,
)


def constant_digits(width=4, height=3):
    """Ten images, digit d filled with the value d + 1."""
    labels = np.arange(10)
    return np.ones((10, height, width)) * (labels + 1)[:, None, None], labels


def test_multi_digits_place_tens_left_and_units_right():
    images, labels = constant_digits()
    X, y = make_multi_digits(images, labels, n_samples=200, width=8, random_state=0)
    canvas = X.reshape(200, 3, 8)
    # With a digit width of 4 and width 8, each digit moves in by 0 or 1
    # column, so column 1 only ever holds the tens digit and column 6 the units.
    assert np.array_equal(10 * (canvas[:, 0, 1] - 1) + canvas[:, 0, 6] - 1, y)
    assert set(np.unique(y)) <= set(range(100))
    assert len(np.unique(y)) > 50
    # Both ends move: some images leave column 0 blank, some column 7.
    assert (canvas[:, 0, 0] == 0).any() and (canvas[:, 0, 0] > 0).any()
    assert (canvas[:, 0, 7] == 0).any() and (canvas[:, 0, 7] > 0).any()


def test_multi_digits_overlap_keeps_the_larger_pixel():
    images, labels = constant_digits()
    X, y = make_multi_digits(images, labels, n_samples=50, width=5, random_state=0)
    middle = X.reshape(50, 3, 5)[:, 0, 2]  # column 2 is always under both digits
    assert np.array_equal(middle, np.maximum(y // 10, y % 10) + 1)


def test_multi_digits_sizes_dtype_and_reproducibility():
    mnist_like = np.zeros((3, 28, 28), dtype=np.float32)
    X, y = make_multi_digits(mnist_like, [0, 1, 2], n_samples=4, random_state=0)
    assert X.shape == (4, 28 * 39) and X.dtype == np.float32 and y.shape == (4,)
    digits = load_digits()
    a = make_multi_digits(digits.images, digits.target, n_samples=30, random_state=1)
    b = make_multi_digits(digits.data, digits.target, n_samples=30, random_state=1)
    assert a[0].shape == (30, 8 * 11)
    assert np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1])
    c = make_multi_digits(digits.images, digits.target, n_samples=30, random_state=2)
    assert not np.array_equal(a[0], c[0])


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"labels": np.arange(10) / 2}, TypeError, "labels must be integers"),
        ({"labels": np.arange(10) + 1}, ValueError, "from 1 to 10"),
        ({"labels": np.arange(9)}, ValueError, "one label per image"),
        ({"width": 9}, ValueError, "width must be between .* got width=9"),
        ({"width": 3}, ValueError, "width must be between"),
        ({"image_shape": (1, 4, 3)}, ValueError, "does not match image_shape"),
        ({"n_samples": 0}, ValueError, "'n_samples' parameter"),
    ],
)
def test_multi_digits_errors(kwargs, error, match):
    images, labels = constant_digits()
    arguments = {"images": images, "labels": labels, **kwargs}
    with pytest.raises(error, match=match):
        make_multi_digits(**arguments)


def test_gaussian_noise_has_the_requested_scale():
    X = np.zeros((200, 100), dtype=np.float32)
    noisy = add_noise(X, "gaussian", 0.3, random_state=0)
    assert noisy.dtype == np.float32 and not np.shares_memory(noisy, X)
    assert noisy.std() == pytest.approx(0.3, rel=0.02)
    assert (X == 0).all()
    assert np.array_equal(noisy, add_noise(X, "gaussian", 0.3, random_state=0))
    assert not np.array_equal(noisy, add_noise(X, "gaussian", 0.3, random_state=1))


def test_masking_and_salt_and_pepper_hit_the_requested_fraction():
    X = np.random.default_rng(0).uniform(0.2, 0.8, (200, 100))
    masked = add_noise(X, "masking", 0.25, random_state=0)
    hit = masked != X
    assert hit.mean() == pytest.approx(0.25, abs=0.01)
    assert (masked[hit] == 0).all()
    salted = add_noise(X, "salt_and_pepper", 0.25, random_state=0)
    hit = salted != X
    assert hit.mean() == pytest.approx(0.25, abs=0.01)
    assert set(np.unique(salted[hit])) == {X.min(), X.max()}
    fixed = add_noise(X, "salt_and_pepper", 0.25, low=-1, high=2, random_state=0)
    assert set(np.unique(fixed[fixed != X])) == {-1, 2}


def test_noise_errors():
    with pytest.raises(ValueError, match=r"noise_level must be in \[0, 1\] for noise="):
        add_noise(np.zeros((2, 2)), "masking", 1.5)
    with pytest.raises(ValueError, match="'noise' parameter"):
        add_noise(np.zeros((2, 2)), "speckle")


def test_shifts_move_each_image_by_at_most_max_shift():
    images = np.zeros((300, 1, 7, 9))
    images[:, 0, 3, 4] = 1.0
    shifted = shift_images(images.reshape(300, -1), image_shape=(1, 7, 9), max_shift=2,
                           random_state=0).reshape(300, 7, 9)
    rows, cols = np.nonzero(shifted.sum(axis=0))
    assert shifted.sum(axis=(1, 2)).tolist() == [1.0] * 300  # nothing leaves the frame
    assert set(rows) == {1, 2, 3, 4, 5} and set(cols) == {2, 3, 4, 5, 6}
    assert np.array_equal(shift_images(images.reshape(300, -1), image_shape=(1, 7, 9),
                                       max_shift=0), images.reshape(300, -1))


def test_shifted_pixels_enter_as_zero_and_channels_move_together():
    images = np.ones((50, 2, 5, 5), dtype=np.float32)
    images[:, 1] *= 2
    shifted = shift_images(images.reshape(50, -1), image_shape=(2, 5, 5), max_shift=1,
                           random_state=0).reshape(50, 2, 5, 5)
    assert shifted.dtype == np.float32
    assert np.array_equal(shifted[:, 1], 2 * shifted[:, 0])
    assert (shifted == 0).any() and set(np.unique(shifted[:, 0])) == {0, 1}


def test_rotations_are_random_reproducible_and_bounded():
    digits = load_digits()
    X = digits.data[:20].astype(np.float32)
    assert np.allclose(rotate_images(X, max_angle=0), X)
    a = rotate_images(X, max_angle=30, random_state=0)
    assert a.dtype == np.float32 and a.shape == X.shape
    assert np.array_equal(a, rotate_images(X, max_angle=30, random_state=0))
    assert not np.allclose(a, X)
    # A bar through the centre, rotated by at most 10 degrees, stays near it.
    bar = np.zeros((1, 9, 9))
    bar[0, 4, :] = 1.0
    turned = rotate_images(np.repeat(bar.reshape(1, -1), 10, axis=0),
                           max_angle=10, random_state=0).reshape(10, 9, 9)
    assert (turned[:, 4, 2:7] > 0.5).all() and (turned[:, [0, 8]] < 0.5).all()


def test_image_layout_errors():
    with pytest.raises(ValueError, match=r"image_shape=\(1, 3, 3\) has 9 values"):
        shift_images(np.zeros((2, 10)), image_shape=(1, 3, 3))
    with pytest.raises(ValueError, match="2-D .* or 3-D"):
        rotate_images(np.zeros((2, 1, 3, 3)))


def test_multi_digits_numbers_weights_and_counts():
    digits = load_digits()
    X, y = make_multi_digits(digits.images, digits.target, n_samples=300,
                             numbers=range(1, 51), random_state=0)
    assert set(y) <= set(range(1, 51)) and len(set(y)) > 40 and X.shape == (300, 88)
    _, y = make_multi_digits(digits.images, digits.target, n_samples=2000,
                             numbers=[7, 42], weights=[3, 1], random_state=0)
    assert abs(np.mean(y == 7) - 0.75) < 0.03
    X, y = make_multi_digits(digits.images, digits.target, n_samples=[5, 0, 2],
                             numbers=[10, 11, 99], random_state=0)
    assert len(X) == 7 and sorted(y.tolist()) == [10] * 5 + [99] * 2
    again, _ = make_multi_digits(digits.images, digits.target, n_samples=[5, 0, 2],
                                 numbers=[10, 11, 99], random_state=0)
    np.testing.assert_array_equal(X, again)


@pytest.mark.parametrize("arguments, message", [
    (dict(numbers=[5, 105]), "numbers must be distinct ints from 0 to 99"),
    (dict(numbers=[5, 5]), "numbers must be distinct ints from 0 to 99"),
    (dict(numbers=[12, 3]), r"numbers use the digits \[2\], of which labels has no image"),
    (dict(numbers=[10, 11], weights=[1]), "weights must hold one non-negative weight per "
                                          "number"),
    (dict(numbers=[10, 11], n_samples=[1, 2, 3]), "n_samples has 3 counts for 2 numbers"),
    (dict(numbers=[10, 11], n_samples=[1, 2], weights=[1, 1]), "weights apply to an int"),
    (dict(numbers=[10, 11], n_samples=[1, -2]), "n_samples as counts must be non-negative"),
])
def test_multi_digits_number_errors(arguments, message):
    images = np.zeros((3, 4, 4))
    with pytest.raises(ValueError, match=message):
        make_multi_digits(images, [0, 1, 3], **arguments)


def test_flip_images():
    X = np.arange(2 * 2 * 3 * 4, dtype=np.float32).reshape(2, -1)  # two (2, 3, 4) images
    flipped = flip_images(X, image_shape=(2, 3, 4), p=1.0)
    np.testing.assert_array_equal(flipped.reshape(2, 2, 3, 4), X.reshape(2, 2, 3, 4)[..., ::-1])
    upside = flip_images(X, image_shape=(2, 3, 4), axis="vertical", p=1.0)
    np.testing.assert_array_equal(upside.reshape(2, 2, 3, 4), X.reshape(2, 2, 3, 4)[:, :, ::-1])
    np.testing.assert_array_equal(flip_images(X, image_shape=(2, 3, 4), p=0.0), X)
    many = np.random.default_rng(0).random((1000, 16))
    changed = (flip_images(many, random_state=0) != many).any(axis=1)
    assert abs(changed.mean() - 0.5) < 0.05
    np.testing.assert_array_equal(flip_images(many, random_state=3),
                                  flip_images(many, random_state=3))
    with pytest.raises(ValueError, match="'axis' parameter of flip_images must be a str among"):
        flip_images(X, axis="diagonal")
