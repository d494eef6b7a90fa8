"""Training data read a block at a time: memory-mapped arrays and array-likes
that are not in memory (h5py datasets, zarr arrays, ...)."""

import warnings
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp
import torch

# Values per block read from a streamed array (4 MB in float32): reads stay
# sequential, and a block converts to float32 while it is in cache.
BLOCK_VALUES = 1 << 20
# Blocks whose rows are shuffled together when training shuffles (a buffer of
# 64 MB in float32: 21,000 rows of 784 features).
BUFFER_BLOCKS = 16
# Values per chunk of a pass that summarises the data (8 MB in float64).
SUMMARY_VALUES = 1 << 20


@dataclass(frozen=True)
class DataSummary:
    """What a module builder needs to know of the training rows: the range
    and spread of their observed values, the mean of each column (what a
    missing entry is filled with), the standard deviation of each column
    (what ``scale`` standardises by) and the number of missing entries (NaN)."""

    n_features: int
    n_samples: int
    min: float
    max: float
    std: float
    column_means: np.ndarray | None = field(default=None, compare=False)
    n_missing: int = 0
    column_stds: np.ndarray | None = field(default=None, compare=False)


def summarize_rows(X, rows, elements=None, check_finite=False, allow_nan=False):
    """The :class:`DataSummary` of the rows ``rows`` (an index array, or a
    slice for all rows) of X, read about ``elements`` values at a time (by
    default ``SUMMARY_VALUES``, 8 MB in float64, which stays in cache): the
    training part of an early-stopping split is never copied whole. With
    ``check_finite`` a NaN (unless ``allow_nan``) or infinite value is a
    ValueError naming its row; NaN that passes marks a missing entry, left
    out of every figure."""
    if isinstance(rows, slice):
        positions = range(len(X))[rows]
        n_rows = len(positions)

        def take(start, stop):
            return X[positions[start]:positions[stop - 1] + 1:positions.step]
    else:
        positions = np.sort(rows)
        n_rows = len(positions)

        def take(start, stop):
            return X[positions[start:stop]]
    chunk = max(1, (elements or SUMMARY_VALUES) // max(1, X.shape[1]))
    low, high, count, mean, m2 = np.inf, -np.inf, 0, 0.0, 0.0
    # Per column: observed count, mean and summed squared deviation (the same
    # pairwise update as the overall figures below, column by column).
    column_counts = np.zeros(X.shape[1], dtype=np.int64)
    column_means, column_m2 = np.zeros(X.shape[1]), np.zeros(X.shape[1])
    for start in range(0, n_rows, chunk):
        stop = min(start + chunk, n_rows)
        part = np.array(take(start, stop), dtype=np.float64)
        if check_finite:
            check_finite_rows(part, positions[start:stop], allow_nan)
        observed = ~np.isnan(part)
        complete = observed.all()
        counts = np.full(X.shape[1], len(part)) if complete else observed.sum(axis=0)
        filled = part if complete else np.where(observed, part, 0.0)
        means = np.divide(filled.sum(axis=0), counts, out=np.zeros(X.shape[1]),
                          where=counts > 0)
        deviations = filled - means if complete else np.where(observed, part - means, 0.0)
        total = np.maximum(column_counts + counts, 1)
        delta = means - column_means
        column_m2 += (np.einsum("ij,ij->j", deviations, deviations)
                      + delta ** 2 * column_counts * counts / total)
        column_means += delta * counts / total
        column_counts += counts
        part = part.ravel() if complete else part[observed]
        if not part.size:
            continue
        low, high = min(low, part.min()), max(high, part.max())
        # Chan et al.'s pairwise update of the mean and the sum of squared deviations.
        n, part_mean = part.size, part.mean()
        delta = part_mean - mean
        part -= part_mean
        m2 += np.dot(part, part) + delta ** 2 * count * n / (count + n)
        mean += delta * n / (count + n)
        count += n
    if not count:  # nothing observed
        low = high = 0.0
    column_stds = np.sqrt(np.divide(column_m2, column_counts, out=np.zeros(X.shape[1]),
                                    where=column_counts > 0))
    return DataSummary(X.shape[1], n_rows, float(low), float(high),
                       float(np.sqrt(m2 / count)) if count else 0.0,
                       column_means.astype(np.float32),
                       int(n_rows * X.shape[1] - column_counts.sum()),
                       column_stds=column_stds.astype(np.float32))


def check_finite_rows(block, rows, allow_nan=False):
    """ValueError naming the first row of ``block`` (whose rows are ``rows`` of
    X) with a NaN or an infinite value (an infinite one only, with
    ``allow_nan``: NaN marks a missing entry)."""
    if allow_nan:
        bad = np.isinf(block) if isinstance(block, np.ndarray) else torch.isinf(block).numpy()
    else:
        bad = ~np.isfinite(block) if isinstance(block, np.ndarray) else (
            ~torch.isfinite(block)).numpy()
    bad = bad.any(axis=1)
    if bad.any():
        row = rows[int(np.argmax(bad))]
        what = "infinity" if allow_nan else "NaN or infinity"
        raise ValueError(f"Input X contains {what} in row {row}.")


def is_streamed(X):
    """Whether ``fit`` reads X a block at a time instead of converting it
    whole: a ``np.memmap``, or a 2-D array-like with ``shape``, ``dtype`` and
    slicing that is not already in memory (h5py datasets, zarr arrays, ...)."""
    if isinstance(X, np.memmap):
        return X.ndim == 2
    if isinstance(X, (np.ndarray, torch.Tensor, list, tuple)) or sp.issparse(X):
        return False
    if hasattr(X, "iloc") or hasattr(X, "__array_namespace__"):  # DataFrames, array API
        return False
    shape = getattr(X, "shape", None)
    return (shape is not None and len(shape) == 2 and hasattr(X, "dtype")
            and hasattr(X, "__getitem__"))


class RowSubset:
    """The rows ``rows`` of a 2-D array X as an array-like that
    :func:`is_streamed` takes for data on disk: ``fit`` reads it a block of
    rows at a time, so that training on a subset of X never copies the
    subset whole. ``subset[key]`` is ``X[rows[key]]``."""

    def __init__(self, X, rows):
        self.X = X
        self.rows = np.asarray(rows)
        self.shape = (len(self.rows), X.shape[1])
        self.dtype = X.dtype

    def __len__(self):
        return self.shape[0]

    def __getitem__(self, key):
        return self.X[self.rows[key]]


class StreamedArray:
    """A 2-D array-like read in blocks and converted to float32 one block at a
    time; what the estimators' checks and passes over the data need of it.

    ``X[key]`` reads and converts the rows ``key`` selects. ``min()`` and
    ``max()`` come from :meth:`summary`, one pass over all rows that also
    rejects NaN (unless ``allow_nan``: then a missing entry) and infinite
    values, naming the row; it is kept for the calls that follow.
    """

    def __init__(self, data, allow_nan=False):
        self.data = data
        self.allow_nan = allow_nan
        self.shape = tuple(int(n) for n in data.shape)
        self.ndim = 2
        self.dtype = np.dtype(np.float32)
        self._summary = None

    def __len__(self):
        return self.shape[0]

    @property
    def size(self):
        return self.shape[0] * self.shape[1]

    def __getitem__(self, key):
        return np.asarray(self.data[key], dtype=np.float32)

    def summary(self, rows=slice(None)):
        """The :class:`DataSummary` of the rows ``rows`` (all by default: that
        pass also checks every value, and is kept)."""
        if not isinstance(rows, slice):
            return summarize_rows(self.data, rows)
        if self._summary is None:
            self._summary = summarize_rows(self.data, slice(None), check_finite=True,
                                           allow_nan=self.allow_nan)
        return self._summary

    def min(self):
        return self.summary().min

    def max(self):
        return self.summary().max

    def block_rows(self):
        return max(1, BLOCK_VALUES // max(1, self.shape[1]))


def read_rows(X, rows, start, stop, check_finite=True):
    """Rows ``rows[start:stop]`` (all rows when ``rows`` is None) of X as a
    float32 tensor, read as one slice when they are contiguous; with
    ``check_finite`` a NaN or infinite value is a ValueError naming its row
    (training reads skip it: :meth:`StreamedArray.summary` checked every row).
    The tensor may share memory with X (a float32 memmap): it is for reading
    only."""
    if rows is None:
        positions = np.arange(start, stop)
        block = X.data[start:stop]
    else:
        positions = rows[start:stop]
        first, last = int(positions[0]), int(positions[-1])
        contiguous = last - first + 1 == len(positions)
        block = X.data[first:last + 1] if contiguous else X.data[positions]
    with warnings.catch_warnings():  # a read-only memmap's rows are only read
        warnings.filterwarnings("ignore", message="The given NumPy array is not writable")
        block = torch.from_numpy(np.ascontiguousarray(block, dtype=np.float32))
    if check_finite:
        check_finite_rows(block, positions, X.allow_nan)
    return block


class StreamedDataset(torch.utils.data.Dataset):
    """The rows ``rows`` (sorted; all by default) of a :class:`StreamedArray`,
    each its own target."""

    def __init__(self, X, rows=None):
        self.X = X
        self.rows = None if rows is None else np.sort(np.asarray(rows))

    def __len__(self):
        return len(self.X) if self.rows is None else len(self.rows)

    def __getitem__(self, i):
        i = i if self.rows is None else self.rows[i]
        x = torch.from_numpy(self.X[i:i + 1][0])
        return x, x


class MiniBatches:
    """What an iterator of mini-batches is given: the data set, the batch size,
    whether to shuffle, the device, and whether a last batch of one sample
    joins the one before it (``merge_singleton``: batch norm cannot train on
    a single sample)."""

    def __init__(self, dataset, batch_size, shuffle, device, merge_singleton=False):
        self.dataset = dataset
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.device = torch.device(device)
        self.merge_singleton = merge_singleton


class BlockBatches(MiniBatches):
    """Mini-batches of a :class:`StreamedDataset`, read a block at a time.

    Shuffled, the blocks come in a random order and the rows of
    ``BUFFER_BLOCKS`` blocks at a time are shuffled together, so that reads
    stay sequential; rows that do not fill a batch carry over into the next
    buffer. Yields ``(Xb, Xb)`` as :class:`~skae._data.TensorBatches`, whose
    batch sizes it keeps (a last batch of one sample joins the one before it
    with ``merge_singleton``).
    """

    def __len__(self):
        n, bs = len(self.dataset), self.batch_size
        count = -(-n // bs)
        return count - (self.merge_singleton and count > 1 and n % bs == 1)

    def _groups(self):
        """The (start, stop) positions of the blocks, ``BUFFER_BLOCKS`` at a time."""
        n, step = len(self.dataset), self.dataset.X.block_rows()
        blocks = [(start, min(start + step, n)) for start in range(0, n, step)]
        if self.shuffle:
            blocks = [blocks[i] for i in torch.randperm(len(blocks)).tolist()]
        for i in range(0, len(blocks), BUFFER_BLOCKS):
            yield blocks[i:i + BUFFER_BLOCKS]

    def _buffer(self, group, carry):
        """The rows of a group of blocks after ``carry``, shuffled when
        training shuffles: each block is read and written to its rows' places
        in turn, so no more than the buffer and one block are in memory."""
        n = sum(stop - start for start, stop in group) + len(carry)
        buffer = torch.empty((n, self.dataset.X.shape[1]))
        places = torch.randperm(n) if self.shuffle else None
        filled = 0

        def put(rows):
            nonlocal filled
            where = (slice(filled, filled + len(rows)) if places is None
                     else places[filled:filled + len(rows)])
            buffer[where] = rows
            filled += len(rows)

        put(carry)
        for start, stop in group:
            put(read_rows(self.dataset.X, self.dataset.rows, start, stop, check_finite=False))
        return buffer

    def _batches(self):
        bs, last_full = self.batch_size, None
        carry = torch.empty((0, self.dataset.X.shape[1]))
        for group in self._groups():
            buffer = self._buffer(group, carry)
            full = len(buffer) - len(buffer) % bs
            for start in range(0, full, bs):
                if last_full is not None:
                    yield last_full
                last_full = buffer[start:start + bs]
            # Copies, so that the buffer is freed before the next one is read.
            carry = buffer[full:].clone()
            last_full = None if last_full is None else last_full.clone()
            del buffer
        if len(carry) == 1 and self.merge_singleton and last_full is not None:
            # batch norm cannot train on one sample
            last_full, carry = torch.cat([last_full, carry]), carry[:0]
        for batch in (last_full, carry):
            if batch is not None and len(batch):
                yield batch

    def __iter__(self):
        for batch in self._batches():
            batch = batch.to(self.device, non_blocking=True)
            yield batch, batch
