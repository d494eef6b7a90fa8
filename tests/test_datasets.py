"""The MNIST loaders, on tiny IDX files written here (the tests never download)."""

import gzip
import hashlib
import io
import urllib.error

import numpy as np
import pytest

from skae.datasets import _mnist, fetch_fashion_mnist, fetch_mnist, load_images


def idx_bytes(array):
    header = (0x0800 + array.ndim).to_bytes(4, "big") + b"".join(
        n.to_bytes(4, "big") for n in array.shape)
    return gzip.compress(header + array.astype(np.uint8).tobytes())


def tiny_set(n_train=6, n_test=4):
    rng = np.random.default_rng(0)
    arrays = {
        "train-images-idx3-ubyte.gz": rng.integers(0, 256, (n_train, 28, 28)),
        "train-labels-idx1-ubyte.gz": rng.integers(0, 10, n_train),
        "t10k-images-idx3-ubyte.gz": rng.integers(0, 256, (n_test, 28, 28)),
        "t10k-labels-idx1-ubyte.gz": rng.integers(0, 10, n_test),
    }
    return arrays, {name: idx_bytes(a) for name, a in arrays.items()}


@pytest.fixture
def data_home(tmp_path):
    arrays, files = tiny_set()
    for folder in ("mnist", "fashion-mnist"):
        (tmp_path / folder).mkdir()
        for name, content in files.items():
            (tmp_path / folder / name).write_bytes(content)
    return tmp_path, arrays


@pytest.mark.parametrize("fetch", [fetch_mnist, fetch_fashion_mnist])
def test_reads_the_idx_files(fetch, data_home):
    home, arrays = data_home
    bunch = fetch(data_home=home)
    assert bunch.data.shape == (10, 784) and bunch.data.dtype == np.float32
    assert bunch.images.shape == (10, 28, 28)
    expected = np.concatenate([arrays["train-images-idx3-ubyte.gz"],
                               arrays["t10k-images-idx3-ubyte.gz"]]) / 255
    np.testing.assert_allclose(bunch.images, expected, rtol=1e-6)
    np.testing.assert_array_equal(bunch.target[:6], arrays["train-labels-idx1-ubyte.gz"])
    assert list(bunch.split) == ["train"] * 6 + ["test"] * 4
    assert len(bunch.target_names) == 10 and bunch.DESCR
    X, y = fetch(data_home=home, subset="test", normalize=False, return_X_y=True)
    assert X.dtype == np.uint8 and X.shape == (4, 784)
    np.testing.assert_array_equal(X.reshape(4, 28, 28), arrays["t10k-images-idx3-ubyte.gz"])
    np.testing.assert_array_equal(y, arrays["t10k-labels-idx1-ubyte.gz"])


def test_load_images_gives_every_set_in_one_scale(data_home):
    home, arrays = data_home
    digits = load_images()
    assert digits.data.shape == (1797, 64) and digits.data.dtype == np.float32
    assert digits.data.max() == 1.0 and digits.image_shape == (1, 8, 8)
    assert digits.images.shape == (1797, 8, 8)
    mnist = load_images("fashion-mnist", data_home=home, n_samples=4)
    assert mnist.image_shape == (1, 28, 28) and mnist.data.shape == (4, 784)
    np.testing.assert_allclose(mnist.images, arrays["train-images-idx3-ubyte.gz"][:4] / 255,
                               rtol=1e-6)
    assert mnist.target_names[0] == "T-shirt/top"
    with pytest.raises(ValueError, match="'name' parameter"):
        load_images("cifar10")


def test_missing_files_without_download(tmp_path):
    with pytest.raises(OSError, match="is missing and download_if_missing=False"):
        fetch_mnist(data_home=tmp_path, download_if_missing=False)


def test_bad_parameters_and_files(data_home):
    home, _ = data_home
    with pytest.raises(ValueError, match="'subset' parameter of fetch_mnist must be"):
        fetch_mnist(data_home=home, subset="validation")
    (home / "mnist" / "t10k-labels-idx1-ubyte.gz").write_bytes(
        idx_bytes(np.zeros((2, 2))))
    with pytest.raises(ValueError, match="is not an IDX file of 1-D uint8 data"):
        fetch_mnist(data_home=home, subset="test")


def serve(files, fail=()):
    """A stand-in for urllib.request.urlopen serving ``files`` by name."""
    def urlopen(url, timeout):
        if any(url.startswith(base) for base in fail):
            raise urllib.error.URLError("no network")
        return io.BytesIO(files[url.rsplit("/", 1)[1]])
    return urlopen


def test_downloads_once_with_verified_checksums(tmp_path, monkeypatch):
    arrays, files = tiny_set()
    checksums = {name: hashlib.sha256(c).hexdigest() for name, c in files.items()}
    monkeypatch.setitem(_mnist._SETS["mnist"], "sha256", checksums)
    first_mirror = _mnist._SETS["mnist"]["urls"][0]
    monkeypatch.setattr(_mnist.urllib.request, "urlopen", serve(files, fail=[first_mirror]))
    X, y = fetch_mnist(data_home=tmp_path, return_X_y=True)
    assert X.shape == (10, 784)
    assert sorted(p.name for p in (tmp_path / "mnist").iterdir()) == sorted(files)
    # Once there, the files are read without any download.
    monkeypatch.setattr(_mnist.urllib.request, "urlopen", None)
    np.testing.assert_array_equal(fetch_mnist(data_home=tmp_path, return_X_y=True)[1], y)


def test_download_rejects_a_wrong_checksum_and_reports_offline(tmp_path, monkeypatch):
    _, files = tiny_set()
    monkeypatch.setattr(_mnist.urllib.request, "urlopen", serve(files))
    with pytest.raises(OSError, match="SHA-256 [0-9a-f]{64} is not the expected"):
        fetch_fashion_mnist(data_home=tmp_path)
    assert not any((tmp_path / "fashion-mnist").iterdir())  # nothing half-written kept
    monkeypatch.setattr(_mnist.urllib.request, "urlopen",
                        serve(files, fail=_mnist._SETS["mnist"]["urls"]))
    with pytest.raises(OSError, match="(?s)Could not download .*no network.*Without a "
                                      "connection, copy the original files"):
        fetch_mnist(data_home=tmp_path)
