"""Data larger than memory: memory-mapped arrays and array-likes read a block at a time."""

import numpy as np
import pytest
import torch
from scipy.special import xlogy
from sklearn.datasets import load_digits

import skae._streaming
from skae import Autoencoder, ConvAutoencoder, VariationalAutoencoder
from skae._streaming import BlockBatches, StreamedArray, StreamedDataset, is_streamed


class LazyArray:
    """An array-like that is not in memory, as an h5py dataset or a zarr array
    is: shape, dtype and slicing. It records every read and refuses to be
    converted whole."""

    def __init__(self, data):
        self._data = data
        self.shape = data.shape
        self.dtype = data.dtype
        self.reads = []

    def __len__(self):
        return len(self._data)

    def __getitem__(self, key):
        out = self._data[key]
        self.reads.append(len(out) if out.ndim == 2 else 1)
        return out

    def __array__(self, *args, **kwargs):
        raise AssertionError("the whole array was converted")


@pytest.fixture
def pixels():
    """The digits as uint8 (their values are 0..16), as images often sit on disk."""
    return load_digits().data.astype(np.uint8)


def small(**params):
    return Autoencoder(hidden_layer_sizes=(16,), n_components=4, max_iter=3,
                       random_state=0, **params)


def test_what_is_streamed(tmp_path, pixels):
    np.save(tmp_path / "X.npy", pixels)
    assert is_streamed(np.load(tmp_path / "X.npy", mmap_mode="r"))
    assert is_streamed(LazyArray(pixels))
    pd = pytest.importorskip("pandas")
    for in_memory in (pixels, pixels.tolist(), torch.from_numpy(pixels), pd.DataFrame(pixels)):
        assert not is_streamed(in_memory)


def test_a_streamed_fit_reads_blocks_and_equals_the_in_memory_fit(pixels, monkeypatch):
    # Unshuffled, the streamed batches are the in-memory ones: the same model.
    monkeypatch.setattr(skae._streaming, "BLOCK_VALUES", 200 * 64)
    monkeypatch.setattr(skae._streaming, "SUMMARY_VALUES", 300 * 64)
    lazy = LazyArray(pixels)
    streamed = small(shuffle=False).fit(lazy)
    in_memory = small(shuffle=False).fit(pixels)
    assert streamed.n_features_in_ == 64
    np.testing.assert_allclose(streamed.loss_curve_, in_memory.loss_curve_, rtol=1e-6)
    np.testing.assert_array_equal(streamed.transform(pixels), in_memory.transform(pixels))
    # No read took more than a block (200 rows; 300 in the summary, 512 in the pass
    # over the codes).
    assert max(lazy.reads) <= 512
    lazy.reads.clear()
    np.testing.assert_array_equal(streamed.transform(lazy), in_memory.transform(pixels))
    assert max(lazy.reads) <= 512


@pytest.mark.parametrize("shuffle", [True, False])
def test_block_batches_keep_every_row_once_and_the_batch_sizes(shuffle, monkeypatch):
    monkeypatch.setattr(skae._streaming, "BLOCK_VALUES", 7 * 2)  # blocks of 7 rows
    X = StreamedArray(np.arange(61.0).reshape(-1, 1).repeat(2, axis=1))
    rows = np.random.default_rng(0).permutation(61)[:41]
    batches = list(BlockBatches(StreamedDataset(X, rows), 5, shuffle=shuffle, device="cpu",
                                merge_singleton=True))
    assert [len(xb) for xb, _ in batches] == [5] * 7 + [6]  # 41 = 8 * 5 + 1
    seen = torch.cat([xb for xb, _ in batches])[:, 0].numpy()
    assert sorted(seen) == sorted(rows)
    assert (list(seen) == sorted(rows)) == (not shuffle)
    assert len(BlockBatches(StreamedDataset(X, rows), 5, shuffle, "cpu", True)) == 8


def test_a_shuffled_streamed_fit_is_reproducible(pixels):
    first = small().fit(LazyArray(pixels))
    again = small().fit(LazyArray(pixels))
    assert first.loss_curve_ == again.loss_curve_
    assert first.loss_curve_[-1] < first.loss_curve_[0]


def test_memmap_with_early_stopping_and_a_vae(tmp_path, pixels):
    np.save(tmp_path / "X.npy", pixels / 16)
    X = np.load(tmp_path / "X.npy", mmap_mode="r")
    ae = small(early_stopping=True, validation_fraction=0.2).fit(X)
    assert len(ae.validation_loss_curve_) == ae.n_iter_
    assert np.isfinite(ae.validation_loss_curve_).all()
    vae = VariationalAutoencoder(hidden_layer_sizes=(16,), n_components=2, max_iter=2,
                                 early_stopping=False, loss="binary_crossentropy",
                                 random_state=0).fit(X)
    lazy = LazyArray(np.asarray(X))
    # The stopping rule's floor (binary cross-entropy's least value) is read
    # a block at a time, from the rows it watches: those of an in-memory fit.
    entropy = -(xlogy(X, X) + xlogy(1 - X, 1 - X)).sum(1).mean()
    assert dict(vae.net_.callbacks_)["convergence"].floor == pytest.approx(entropy, rel=1e-5)
    bce = small(loss="binary_crossentropy", early_stopping=True, validation_fraction=0.2)
    floors = [dict(bce.fit(data).net_.callbacks_)["early_stopping"].floor
              for data in (lazy, np.asarray(X))]
    assert floors[0] == pytest.approx(floors[1], rel=1e-5) and floors[0] > 0
    np.testing.assert_array_equal(vae.transform(lazy), vae.transform(np.asarray(X)))
    np.testing.assert_array_equal(vae.score_samples(lazy), vae.score_samples(np.asarray(X)))
    conv = ConvAutoencoder(image_shape=(1, 8, 8), channels=(4,), n_components=3, max_iter=1,
                           random_state=0).fit(LazyArray(pixels))
    assert conv.transform(pixels[:5]).shape == (5, 3)


def test_bad_values_are_named_by_row(pixels):
    X = pixels.astype(np.float64)
    X[1234, 5] = np.inf  # NaN is a missing entry, which the autoencoders take
    with pytest.raises(ValueError, match="infinity in row 1234"):
        small().fit(LazyArray(X))
    ae = small().fit(pixels)
    with pytest.raises(ValueError, match="infinity in row 1234"):
        ae.transform(LazyArray(X))
    with pytest.raises(ValueError, match="needs X with values in"):
        small(loss="binary_crossentropy").fit(LazyArray(pixels))
    with pytest.raises(ValueError, match="X has 10 features"):
        ae.transform(LazyArray(X[:, :10]))
    with pytest.raises(ValueError, match="needs numbers"):
        small().fit(LazyArray(pixels.astype(str)))
    with pytest.raises(ValueError, match="at least one sample"):
        small().fit(LazyArray(X[:0]))


def test_a_failed_streamed_fit_keeps_the_fitted_model(pixels):
    ae = small().fit(pixels)
    before = ae.transform(pixels[:3])
    X = pixels.astype(np.float64)
    X[-1, 0] = np.inf
    with pytest.raises(ValueError, match=f"row {len(X) - 1}"):
        ae.fit(LazyArray(X))
    np.testing.assert_array_equal(ae.transform(pixels[:3]), before)
