"""MNIST and Fashion-MNIST from their original IDX gzip files."""

import gzip
import hashlib
import math
import os
import shutil
import tempfile
import urllib.error
import urllib.request
from numbers import Integral
from pathlib import Path

import numpy as np
from sklearn.datasets import get_data_home, load_digits
from sklearn.utils import Bunch
from sklearn.utils._param_validation import Interval, StrOptions, validate_params

_FILES = {
    "train": ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"),
    "test": ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"),
}

# Where each set is downloaded from (mirrors tried in order) and the SHA-256
# of each original file.
_SETS = {
    "mnist": {
        "urls": ("https://ossci-datasets.s3.amazonaws.com/mnist/",
                 "http://yann.lecun.com/exdb/mnist/"),
        "sha256": {
            "train-images-idx3-ubyte.gz":
                "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
            "train-labels-idx1-ubyte.gz":
                "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
            "t10k-images-idx3-ubyte.gz":
                "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
            "t10k-labels-idx1-ubyte.gz":
                "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
        },
        "target_names": [str(d) for d in range(10)],
        "descr": (
            "MNIST handwritten digits (LeCun, Cortes and Burges): 70,000 grey-level "
            "images of 28x28 pixels, 60,000 for training and 10,000 for testing, "
            "labelled 0-9. Original IDX files from http://yann.lecun.com/exdb/mnist/."
        ),
    },
    "fashion-mnist": {
        "urls": ("http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",),
        "sha256": {
            "train-images-idx3-ubyte.gz":
                "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84",
            "train-labels-idx1-ubyte.gz":
                "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845",
            "t10k-images-idx3-ubyte.gz":
                "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073",
            "t10k-labels-idx1-ubyte.gz":
                "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5",
        },
        "target_names": ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                         "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"],
        "descr": (
            "Fashion-MNIST (Xiao, Rasul and Vollgraf, 2017; Zalando, MIT license): "
            "70,000 grey-level images of 28x28 pixels of clothing, 60,000 for "
            "training and 10,000 for testing, in 10 classes. Original IDX files from "
            "https://github.com/zalandoresearch/fashion-mnist."
        ),
    },
}


def _sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _download(name, filename, directory):
    """Download ``filename`` of set ``name`` into ``directory``, checksum verified."""
    expected = _SETS[name]["sha256"][filename]
    errors = []
    for base in _SETS[name]["urls"]:
        url = base + filename
        fd, tmp = tempfile.mkstemp(dir=directory, suffix=".part")
        try:
            with os.fdopen(fd, "wb") as out, urllib.request.urlopen(url, timeout=60) as r:
                shutil.copyfileobj(r, out)
            got = _sha256(tmp)
            if got != expected:
                errors.append(f"{url}: SHA-256 {got} is not the expected {expected}")
                continue
            os.replace(tmp, directory / filename)
            return
        except (urllib.error.URLError, OSError) as err:
            errors.append(f"{url}: {err}")
        finally:
            if os.path.exists(tmp):
                os.remove(tmp)
    raise OSError(
        f"Could not download {filename} of {name}:\n  " + "\n  ".join(errors)
        + f"\nWithout a connection, copy the original files into {directory}."
    )


def _read_idx(path, ndim):
    """The uint8 array stored in a gzipped IDX file with ``ndim`` dimensions."""
    with gzip.open(path, "rb") as f:
        raw = f.read()
    magic = int.from_bytes(raw[:4], "big")
    if magic != 0x0800 + ndim:
        raise ValueError(
            f"{path} is not an IDX file of {ndim}-D uint8 data (magic number "
            f"{magic:#010x}, expected {0x0800 + ndim:#010x})."
        )
    shape = tuple(int.from_bytes(raw[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim))
    data = np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim)
    if data.size != np.prod(shape):
        raise ValueError(f"{path} holds {data.size} values; its header says {shape}.")
    return data.reshape(shape)


def _fetch(name, data_home, subset, normalize, download_if_missing, return_X_y):
    directory = Path(get_data_home(data_home)) / name
    subsets = ["train", "test"] if subset == "all" else [subset]
    images, targets, split = [], [], []
    for part in subsets:
        paths = [directory / filename for filename in _FILES[part]]
        for path in paths:
            if path.exists():
                continue
            if not download_if_missing:
                raise OSError(
                    f"{path} is missing and download_if_missing=False; put the original "
                    f"{name} files in {directory} or allow the download."
                )
            directory.mkdir(parents=True, exist_ok=True)
            _download(name, path.name, directory)
        part_images, part_targets = _read_idx(paths[0], 3), _read_idx(paths[1], 1)
        if len(part_images) != len(part_targets):
            raise ValueError(f"{paths[0]} holds {len(part_images)} images but "
                             f"{paths[1]} {len(part_targets)} labels.")
        images.append(part_images)
        targets.append(part_targets.astype(np.int64))
        split.append(np.full(len(part_targets), part))
    images = np.concatenate(images)
    if normalize:
        images = images.astype(np.float32) / np.float32(255)
    data = images.reshape(len(images), -1)
    target = np.concatenate(targets)
    if return_X_y:
        return data, target
    return Bunch(
        data=data, target=target, images=images, split=np.concatenate(split),
        target_names=list(_SETS[name]["target_names"]), DESCR=_SETS[name]["descr"],
    )


_DOC = """Load the {title} data set (classification, 10 classes).

    Reads the four original IDX gzip files from ``{{data_home}}/{name}/``.
    When a file is missing it is downloaded once from the original source
    and its SHA-256 checksum verified.

    =================   ===============================
    Classes                                          10
    Samples             70,000 (60,000 train, 10,000 test)
    Dimensionality              784 (28x28 images)
    Features            float32 in [0, 1] or uint8 0-255
    =================   ===============================

    Parameters
    ----------
    data_home : str or path-like, default=None
        Folder that holds the ``{name}`` folder; by default scikit-learn's
        data home (``~/scikit_learn_data``, or ``$SCIKIT_LEARN_DATA``).
    subset : {{"all", "train", "test"}}, default="all"
        The standard training set (60,000 images), the test set (10,000) or
        both, training images first.
    normalize : bool, default=True
        Pixels as float32 in [0, 1]; ``False`` keeps the original uint8
        values in 0-255.
    download_if_missing : bool, default=True
        Download missing files; ``False`` raises an ``OSError`` instead.
    return_X_y : bool, default=False
        Return ``(data, target)`` instead of a Bunch.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        Dictionary-like object with the attributes:

        data : ndarray of shape (n_samples, 784)
            One flattened image per row.
        target : ndarray of shape (n_samples,)
            The labels, int64 in 0-9.
        images : ndarray of shape (n_samples, 28, 28)
            The same pixels as images.
        split : ndarray of shape (n_samples,)
            ``"train"`` or ``"test"``: the standard split each row belongs to.
        target_names : list of str
            Name of each class.
        DESCR : str
            Description of the data set.

    (data, target) : tuple if ``return_X_y`` is True
        ``data`` and ``target`` as above.

    See Also
    --------
    load_images : Digits, MNIST or Fashion-MNIST images from one call.

    Examples
    --------
    >>> from skae.datasets import {func}
    >>> X, y = {func}(subset="test", return_X_y=True)  # doctest: +SKIP
    >>> X.shape  # doctest: +SKIP
    (10000, 784)
    """

_PARAMS = {
    "data_home": [str, os.PathLike, None],
    "subset": [StrOptions({"all", "train", "test"})],
    "normalize": ["boolean"],
    "download_if_missing": ["boolean"],
    "return_X_y": ["boolean"],
}


@validate_params(_PARAMS, prefer_skip_nested_validation=True)
def fetch_mnist(*, data_home=None, subset="all", normalize=True, download_if_missing=True,
                return_X_y=False):
    return _fetch("mnist", data_home, subset, normalize, download_if_missing, return_X_y)


@validate_params(_PARAMS, prefer_skip_nested_validation=True)
def fetch_fashion_mnist(*, data_home=None, subset="all", normalize=True,
                        download_if_missing=True, return_X_y=False):
    return _fetch("fashion-mnist", data_home, subset, normalize, download_if_missing,
                  return_X_y)


fetch_mnist.__doc__ = _DOC.format(title="MNIST handwritten digits", name="mnist",
                                  func="fetch_mnist")
fetch_fashion_mnist.__doc__ = _DOC.format(title="Fashion-MNIST", name="fashion-mnist",
                                          func="fetch_fashion_mnist")


_LOADERS = {"mnist": fetch_mnist, "fashion-mnist": fetch_fashion_mnist}


@validate_params(
    {
        "name": [StrOptions({"digits", "mnist", "fashion-mnist"})],
        "data_home": [str, os.PathLike, None],
        "n_samples": [Interval(Integral, 1, None, closed="left"), None],
    },
    prefer_skip_nested_validation=True,
)
def load_images(name="digits", *, data_home=None, n_samples=None):
    """Digit or clothing images, scaled to [0, 1], from one call.

    One entry point for the data sets the examples switch between:
    scikit-learn's 8x8 ``load_digits`` (bundled, offline) and the training
    images of 28x28 MNIST or Fashion-MNIST (read from ``data_home``, downloaded
    there once if missing).

    Parameters
    ----------
    name : {"digits", "mnist", "fashion-mnist"}, default="digits"
        The data set.
    data_home : str or path-like, default=None
        Where MNIST and Fashion-MNIST are kept, as in :func:`fetch_mnist`.
    n_samples : int, default=None
        Keep the first ``n_samples`` images (all when None).

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        ``data`` (n_samples, H * W) float32 in [0, 1], ``target`` (int),
        ``images`` (n_samples, H, W), ``image_shape`` ``(1, H, W)``,
        ``target_names`` and ``DESCR``.

    See Also
    --------
    fetch_mnist : All of MNIST, with its standard split.
    fetch_fashion_mnist : All of Fashion-MNIST, with its standard split.
    sklearn.datasets.load_digits : The 8x8 digits.

    Examples
    --------
    >>> from skae.datasets import load_images
    >>> data = load_images("digits", n_samples=100)
    >>> data.data.shape, data.image_shape
    ((100, 64), (1, 8, 8))
    """
    if name == "digits":
        digits = load_digits()
        data = Bunch(data=(digits.data / 16).astype(np.float32), target=digits.target,
                     target_names=[str(d) for d in digits.target_names],
                     DESCR=digits.DESCR)
    else:
        data = _LOADERS[name](data_home=data_home, subset="train")
    X, y = data.data[:n_samples], data.target[:n_samples]
    side = math.isqrt(X.shape[1])
    return Bunch(data=X, target=y, images=X.reshape(-1, side, side),
                 image_shape=(1, side, side), target_names=data.target_names,
                 DESCR=data.DESCR)
