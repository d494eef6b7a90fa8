"""Inference of a fitted skae estimator: one prepared copy of the trained
module per fitted state, computing a chunk of rows at a time."""

import functools

import numpy as np
import torch

from ._data import aligned_chunks
from ._threads import cpu_threads
from ._validation import check_device


@functools.lru_cache
def inference_batch(device):
    """Rows per forward pass in transform, inverse_transform, score_samples,
    sample and the pass over the training codes: on the CPU, 512 rows keep a
    conv encoder's feature maps in cache (28x28 images: 2.4x faster than 4,096
    rows; dense modules within 15%), elsewhere 4,096."""
    return 512 if torch.device(device).type == "cpu" else 4096



@functools.lru_cache
def inference_dtype(device):
    """The dtype that inference computes in on ``device``.

    float64 on the CPU: CPU matrix products in float32 round a row's result
    differently depending on where the row sits in memory (its alignment), so
    a sample's code could change in the last bit with the rows it is
    transformed with. In float64 these differences vanish when the result is
    rounded back to float32, and inputs near float32's limit cannot overflow.
    float32 elsewhere: GPUs are slow in float64 and MPS has none.
    """
    return torch.float64 if torch.device(device).type == "cpu" else torch.float32


class InferenceMixin:
    """The forward passes of a fitted estimator's ``net_``."""

    @property
    def module_(self):
        """The trained torch module (``net_.module_``)."""
        return self.net_.module_

    def _inference_device(self):
        """The device inference runs on: the ``device`` parameter as it is now
        (``set_params(device=...)`` after fitting moves inference, not the
        trained net), checked as ``fit`` checks it."""
        if str(self.device) == str(self.net_.device):
            return torch.device(self.net_.device)
        return check_device(self.device)

    def _forward_batches(self, fn, *arrays, batch_size=None, dtype=np.float32, compute=None):
        """Apply ``fn(module, *chunks)`` to row chunks of the arrays with a
        copy of the trained module in evaluation mode; returns a ``dtype`` array.

        The copy (prepared once per trained state by
        :meth:`~skae._net.AutoencoderNet.inference_module`) computes in
        ``compute``, by default :func:`inference_dtype` (float64 on the
        CPU), so that a row's result does not depend on the other rows it is
        computed with, and values near float32's limit do not overflow. It
        lives on the ``device`` the estimator names now
        (:meth:`_inference_device`) and runs on the threads that the
        ``cpu_threads`` setting (:func:`skae.set_config`) asks for.
        """
        device = self._inference_device()
        compute = compute or inference_dtype(device)
        module = self.net_.inference_module(compute, device)
        batch_size = batch_size or inference_batch(device)
        n_rows = len(arrays[0])
        result, overflow, start = None, [], 0
        # Fresh tensors (copy=True: float32 chunks are views of X), so that a
        # module writing to its input cannot change the caller's data.
        with torch.inference_mode(), cpu_threads(n_rows):
            for chunk in aligned_chunks(arrays, batch_size):
                out = fn(module, *(c.to(device=device, dtype=compute, copy=True)
                                   for c in chunk)).cpu().numpy()
                if len(out) == n_rows:  # one chunk: its array, cast if need be
                    result = out if out.dtype == dtype else self._cast(out, dtype, overflow)
                    break
                # One array for all the rows, filled chunk by chunk: chunk results
                # kept alive until a final concatenation would sit in the heap
                # between each pass's freed blocks, and glibc, unable to give
                # them back, would hold memory in proportion to the rows.
                if result is None:
                    result = np.empty((n_rows, *out.shape[1:]), dtype=dtype)
                result[start:start + len(out)] = (
                    out if out.dtype == dtype else self._cast(out, dtype, overflow, start))
                start += len(out)
        if overflow:
            self._refuse_overflow(overflow, result.dtype)
        return result

    @staticmethod
    def _cast(out, dtype, overflow, offset=0):
        """``out`` cast to ``dtype``; appends ``(rows, largest value)`` to
        ``overflow`` where finite values became infinite (rows far outside the
        training data's range), counting rows from ``offset``."""
        with np.errstate(over="ignore"):  # _refuse_overflow names the rows instead
            result = out.astype(dtype)
        if not np.isfinite(result).all():
            beyond = np.isinf(result) & np.isfinite(out)
            if beyond.any():
                rows = np.flatnonzero(beyond.reshape(len(out), -1).any(axis=1))
                overflow.append((offset + rows, np.abs(out[beyond]).max()))
        return result

    def _refuse_overflow(self, overflow, dtype):
        """ValueError naming the rows whose results overflowed ``dtype``."""
        rows = np.concatenate([r for r, _ in overflow])
        largest = max(v for _, v in overflow)
        raise ValueError(
            f"{type(self).__name__} computed results beyond {dtype}'s range (up "
            f"to {largest:.4g}) for rows {rows[:10].tolist()}"
            f"{' and more' if len(rows) > 10 else ''} of its input: their values lie "
            "far outside the data it was fitted on. Scale them as that data was.")
