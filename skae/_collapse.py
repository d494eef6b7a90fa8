"""What a fit learned: the share of the training data's variance that its
reconstructions explain (``explained_variance_ratio_``), and whether they
hardly depend on the input at all (a collapse, against PCA's share)."""

import warnings

import numpy as np
import torch
from sklearn.decomposition import PCA
from sklearn.exceptions import ConvergenceWarning

from ._modules import in_units
from ._streaming import StreamedArray


def total_sum_of_squares(X):
    """The summed squared deviations of X's columns from their means, float64,
    a block of rows at a time (a streamed X's blocks; Chan et al.'s pairwise
    update per column). Missing entries (NaN) are left out."""
    block = X.block_rows() if isinstance(X, StreamedArray) else 4096
    if (X.summary().n_missing if isinstance(X, StreamedArray) else np.isnan(X).any()):
        return _observed_sum_of_squares(X, block)
    count, mean, m2 = 0, 0.0, 0.0
    for start in range(0, len(X), block):
        part = np.asarray(X[start:start + block], dtype=np.float64)
        n, part_mean = len(part), part.mean(axis=0)
        delta = part_mean - mean
        m2 = m2 + ((part - part_mean) ** 2).sum(axis=0) + delta ** 2 * count * n / (count + n)
        mean = mean + delta * n / (count + n)
        count += n
    return float(np.sum(m2))


def _observed_sum_of_squares(X, block):
    """:func:`total_sum_of_squares` of X with missing entries (NaN), which are
    left out: the columns' observed means, then the squared deviations from
    them, in two passes of ``block`` rows."""
    sums, counts = np.zeros(X.shape[1]), np.zeros(X.shape[1])
    for start in range(0, len(X), block):
        part = np.asarray(X[start:start + block], dtype=np.float64)
        sums += np.nansum(part, axis=0)
        counts += (~np.isnan(part)).sum(axis=0)
    means = np.divide(sums, counts, out=np.zeros(X.shape[1]), where=counts > 0)
    return float(sum(np.nansum((np.asarray(X[start:start + block], np.float64) - means) ** 2)
                     for start in range(0, len(X), block)))


def explained_share(residual, total):
    """``1 - residual / total``; for data with no variance, 1 when the
    reconstructions are exact and 0 otherwise (as ``r2_score``)."""
    if total > 0:
        return 1.0 - residual / total
    return 1.0 if residual == 0 else 0.0


class CollapseCheckMixin:
    """The share of the training data's variance that the reconstructions
    explain, and a warning when training ended on reconstructions that hardly
    depend on the input (the hooks ``_check_settled_fit`` and
    ``_unlearned_note`` of :class:`~skae._training.NetTrainingMixin`, and
    after a fit that stopped)."""

    def _reconstructed(self, X, condition, fn, dtype=np.float64):
        """``fn(reconstructions, x)`` of row chunks of X, through the trained
        module (float64 on the CPU), as one ``dtype`` array."""
        def reconstruct(m, x, c):
            return m.decode(m.encode(x)) if c is None else m.decode(m.encode(x, c), c)

        return self._conditioned(lambda m, x, c: fn(reconstruct(m, x, c), x), X, condition,
                                 dtype=dtype)

    def _set_explained_variance_ratio(self, X, condition):
        """``explained_variance_ratio_``: one minus the reconstructions'
        squared error over the summed squared deviations of X's columns from
        their means, as PCA's ``explained_variance_ratio_.sum()``, in the
        units of X (whether or not the network standardised its columns)."""
        residual = self._reconstructed(X, condition, lambda r, x: ((r - x) ** 2).nansum(1)
                                       if torch.isnan(x).any() else ((r - x) ** 2).sum(1))
        self.explained_variance_ratio_ = explained_share(float(residual.sum()),
                                                         total_sum_of_squares(X))

    # Collapse: reconstructions whose spread across samples is below this
    # fraction of the spread that PCA with as many components keeps, i.e.
    # (nearly) the same output whatever the input. Measured on default fits:
    # digits 1.05x PCA's, 2 components 2.2x, dropout 0.5 0.43x, breast cancer
    # 1.2x, Gaussian noise 2.4-2.6x (codes of training rows); dead ReLUs or
    # dropout 0.8 0.00x.
    _COLLAPSE_RATIO = 0.1

    def _spread_rows(self, X, condition):
        """At most 2,048 evenly spaced rows of X, and their condition."""
        step = max(1, len(X) // 2048)
        if isinstance(X, StreamedArray):  # read a block of at most 512 rows at a time
            rows = np.concatenate([X[start:start + 512 * step:step]
                                   for start in range(0, len(X), 512 * step)])
        else:
            rows = X[::step]
        return rows, None if condition is None else condition[::step]

    def _collapse(self, X, condition):
        """``(kept, pca_kept)`` when the reconstructions of the training data
        vary less than ``_COLLAPSE_RATIO`` times as much as PCA's with
        ``n_components`` components (shares of the data's summed variances,
        on at most 2,048 rows), else None. PCA is fitted only when the
        reconstructions keep less than ``_COLLAPSE_RATIO`` of the variance."""
        rows, condition = self._spread_rows(X, condition)
        if np.isnan(rows).any():  # missing entries as the module fills them: column means
            fill = in_units(self.module_, self.module_.fill)
            rows = np.where(np.isnan(rows), fill.detach().cpu().numpy(), rows)
        spread = float(np.var(rows, axis=0, dtype=np.float64).sum())
        if spread == 0:
            return None
        # Through the module, not transform: rows are validated arrays, and a
        # DataFrame's fit would warn that they have no feature names.
        reconstructions = self._reconstructed(rows, condition, lambda r, x: r,
                                              dtype=np.float32)
        kept = float(np.var(reconstructions, axis=0, dtype=np.float64).sum()) / spread
        if kept >= self._COLLAPSE_RATIO:  # PCA keeps at most all of it
            return None
        width = min(self.n_components, *rows.shape)
        pca_kept = float(PCA(width, random_state=0).fit(
            np.asarray(rows, dtype=np.float64)).explained_variance_ratio_.sum())
        return (kept, pca_kept) if kept < self._COLLAPSE_RATIO * pca_kept else None

    def _collapse_text(self, kept, pca_kept):
        return (f"its reconstructions of the training data vary {kept:.2%} as much as the "
                f"data itself, where PCA with as many components ({self.n_components}) keeps "
                f"{pca_kept:.2%}")

    def _warn_if_collapsed(self, X, condition):
        """ConvergenceWarning when training converged to reconstructions that
        hardly depend on the input: (nearly) the mean of X, codes that carry
        (almost) nothing."""
        collapse = self._collapse(X, condition)
        if collapse is not None:
            warnings.warn(
                f"{type(self).__name__} learned (almost) nothing: "
                f"{self._collapse_text(*collapse)}; (nearly) the same output for every "
                "input, so the codes carry (almost) no information. Training collapsed "
                "(lower learning_rate_init, scale the input), regularisation left nothing "
                "(dropout, weight decay, sparsity), or it stopped before it learned (a larger "
                "n_iter_no_change, a smaller tol).", ConvergenceWarning)

    def _check_settled_fit(self, X, condition):
        # A loss that settled as max_iter ended, on reconstructions that hardly
        # vary, is a collapse as much as one that stopped early.
        self._warn_if_collapsed(X, condition)

    def _unlearned_note(self, X, condition):
        # A loss still falling after max_iter epochs may fall towards X's mean:
        # say so when the reconstructions hardly depend on the input.
        collapse = self._collapse(X, condition)
        if collapse is None:
            return ""
        return (f" So far {self._collapse_text(*collapse)}: it has learned (almost) nothing. "
                "Training may have collapsed (lower learning_rate_init, scale the input), or "
                "regularisation may leave nothing (dropout, weight decay, sparsity).")
