"""The engine's data: from validated arrays to the training and validation
sets of a fit (split, tensors, device placement) and their mini-batches.

In-memory arrays become tensors that share their memory and are cut into
batches by indexing the whole tensor with a shuffled index; arrays on disk
stay there as :class:`~skae._streaming.StreamedArray` and are read a block
at a time (:mod:`skae._streaming`).
"""

import warnings
from dataclasses import dataclass

import numpy as np
import torch

from ._streaming import MiniBatches, StreamedArray, StreamedDataset, read_rows


def as_tensor(X):
    """A float32 CPU tensor sharing memory with ``X`` where it can (a
    read-only array or memmap included: skae never writes to it)."""
    X = np.ascontiguousarray(X, dtype=np.float32)
    if X.flags.writeable:
        return torch.from_numpy(X)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="The given NumPy array is not writable")
        return torch.from_numpy(X)


def tensors(X, condition=None, target=None):
    """The arrays of a dataset as tensors sharing their memory (None stays None)."""
    return (as_tensor(X), None if condition is None else as_tensor(condition),
            None if target is None else torch.from_numpy(target))


def row_chunks(X, size, rows=None):
    """Float32 tensors of ``size`` rows of X (all its rows, or the rows
    ``rows`` in increasing order), one after the other: views of a float32
    array or tensor, conversions of one chunk otherwise (a streamed X is read
    a chunk at a time, NaN and infinity named by row)."""
    rows = None if rows is None else np.sort(np.asarray(rows))
    n_rows = len(X) if rows is None else len(rows)
    for start in range(0, n_rows, size):
        stop = min(start + size, n_rows)
        if isinstance(X, StreamedArray):
            yield read_rows(X, rows, start, stop)
        else:
            yield as_chunk(X[start:stop] if rows is None else X[rows[start:stop]])


def aligned_chunks(arrays, size):
    """Tuples of the same ``size`` rows of each of ``arrays`` (see
    :func:`row_chunks`), one after the other; rows that fit in one chunk
    come as one tuple without generators (a few rows served)."""
    if len(arrays[0]) <= size and not any(isinstance(a, StreamedArray) for a in arrays):
        return [tuple(as_chunk(a) for a in arrays)]
    return zip(*(row_chunks(a, size) for a in arrays))


def as_chunk(X):
    """In-memory rows (an array or a tensor) as a float32 tensor, sharing
    memory with a float32 X."""
    return X.float() if torch.is_tensor(X) else as_tensor(X)


def split_rows(validation_fraction, n_samples, rng):
    """Indices of the training and validation parts of ``n_samples`` rows,
    drawn with the RandomState ``rng`` (no validation part without a
    ``validation_fraction``)."""
    if validation_fraction is None:
        return slice(None), None
    n_valid = int(round(validation_fraction * n_samples))
    if n_valid < 1 or n_valid >= n_samples:
        raise ValueError(
            f"early_stopping=True with validation_fraction={validation_fraction} "
            f"leaves {n_valid} of n_samples={n_samples} samples for validation; it "
            "needs at least one sample in each of the training and validation parts."
        )
    order = rng.permutation(n_samples)
    return order[n_valid:], order[:n_valid]


@dataclass(frozen=True)
class FitData:
    """The data sets of one fit: ``train_rows``, the rows of X it trains on
    (a slice of all, or indices); and the targets that its stopping rule
    watches: ``monitored`` (a tensor, or a streamed X that is its own target)
    and the rows of it that count (None: all)."""

    train_rows: object
    train_set: torch.utils.data.Dataset
    valid_set: torch.utils.data.Dataset | None
    monitored: object
    monitored_rows: np.ndarray | None


def fit_data(spec, X, condition=None, target=None, *, validation=None, incremental=False,
             rng):
    """The training and validation sets of a fit as ``spec`` (a
    :class:`~skae._net.TrainingSpec`) says, from the validated X (float32, or
    a :class:`~skae._streaming.StreamedArray`), its condition and target
    (None: X is its own target).

    ``validation``, ``(X_val, condition_val, target_val)``, replaces the
    ``validation_fraction`` of X that is otherwise held out (drawn with the
    RandomState ``rng``); ``incremental`` (one pass of ``partial_fit``)
    holds nothing out. The parts index the data: nothing is copied, and on
    a GPU the data moves there once when it fits (:func:`resident`).
    """
    device = spec.device
    no_split = validation or incremental
    train, valid = ((slice(None), None) if no_split
                    else split_rows(spec.validation_fraction, len(X), rng))
    streamed = isinstance(X, StreamedArray)
    data = None if streamed else resident(tensors(X, condition, target), device)

    def dataset(rows):
        rows = None if isinstance(rows, slice) else rows
        return StreamedDataset(X, rows) if streamed else InMemoryDataset(*data, rows=rows)

    if validation:
        valid_set = InMemoryDataset(*resident(tensors(*validation), device))
    else:
        valid_set = None if valid is None else dataset(valid)

    def targets(arrays):
        return arrays[0] if arrays[2] is None else arrays[2]

    watches_validation = spec.stopping is not None and spec.stopping.monitor == "valid_loss"
    if validation and watches_validation:
        monitored, rows = targets(validation), None
    else:
        monitored = X if streamed else targets(data)
        rows = valid if watches_validation else train
    rows = None if isinstance(rows, slice) else rows
    return FitData(train, dataset(train), valid_set, monitored, rows)


# A training set moves to a GPU whole when it takes at most this share of the
# device's free memory; otherwise its batches are copied from pinned memory.
_RESIDENT_SHARE = 0.5


def fits_on_device(nbytes, device):
    """Whether ``nbytes`` of training data should move to ``device`` once for
    the whole fit: on a CUDA device, when they take at most half of its free
    memory; never on the CPU, where the data already is."""
    device = torch.device(device)
    if device.type != "cuda":
        return False
    free, _ = torch.cuda.mem_get_info(device)
    return nbytes <= _RESIDENT_SHARE * free


def resident(tensors, device):
    """The tensors (None stays None) moved to ``device`` together when they fit
    there (:func:`fits_on_device`), so that batches are cut on the device with
    no copy per batch; else as they are, and :class:`TensorBatches` copies
    each batch from pinned memory without blocking."""
    nbytes = sum(t.nbytes for t in tensors if t is not None)
    if not fits_on_device(nbytes, device):
        return tensors
    return tuple(None if t is None else t.to(device) for t in tensors)


class InMemoryDataset(torch.utils.data.Dataset):
    """The rows ``rows`` (all by default) of a float tensor, its own target
    unless ``target`` is given, with an optional condition.

    With a ``condition`` tensor (one row per sample, e.g. one-hot labels) the
    module is called as ``module(x=..., condition=...)``. The tensors are
    shared with the caller (a training and a validation part index the same
    data) and never written to.
    """

    def __init__(self, X, condition=None, target=None, rows=None):
        self.X = X
        self.condition = condition
        self.target = target
        self.rows = None if rows is None else torch.as_tensor(rows, dtype=torch.long)

    def __len__(self):
        return len(self.X) if self.rows is None else len(self.rows)

    def __getitem__(self, i):
        i = i if self.rows is None else self.rows[i]
        target = self.X[i] if self.target is None else self.target[i]
        if self.condition is None:
            return self.X[i], target
        return {"x": self.X[i], "condition": self.condition[i]}, target


class TensorBatches(MiniBatches):
    """Mini-batches cut from in-memory tensors by a (shuffled) index of rows.

    Yields ``(Xb, Tb)``, or ``({"x": Xb, "condition": Cb}, Tb)`` when the
    data set has a condition; the target ``Tb`` is ``Xb`` itself unless the
    data set has a target. Every batch is a new tensor, so nothing that
    trains on it can write to the caller's data. With ``merge_singleton`` a
    last batch of one sample joins the one before it (batch norm cannot
    train on a single sample), so no sample is dropped.
    """

    def _bounds(self):
        n, bs = len(self.dataset), self.batch_size
        starts = list(range(0, n, bs))
        if self.merge_singleton and len(starts) > 1 and n - starts[-1] == 1:
            starts.pop()
        return list(zip(starts, starts[1:] + [n]))

    def __len__(self):
        return len(self._bounds())

    def _take(self, tensor, start, stop, order):
        part = tensor[start:stop].clone() if order is None else tensor[order[start:stop]]
        if self.device.type == "cuda" and part.device.type == "cpu":
            # A page-locked copy goes to the GPU without blocking the next batch's cut.
            part = part.pin_memory()
        return part.to(self.device, non_blocking=True)

    def __iter__(self):
        X, condition, target = self.dataset.X, self.dataset.condition, self.dataset.target
        order = self.dataset.rows
        if self.shuffle:
            # Drawn on the CPU wherever the data is: the same shuffles on any device.
            perm = torch.randperm(len(self.dataset))
            order = perm if order is None else order[perm]
        if order is not None:
            order = order.to(X.device)
        for start, stop in self._bounds():
            xb = self._take(X, start, stop, order)
            tb = xb if target is None else self._take(target, start, stop, order)
            if condition is None:
                yield xb, tb
            else:
                yield {"x": xb, "condition": self._take(condition, start, stop, order)}, tb
