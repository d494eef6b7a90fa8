"""Imputation of missing values from an autoencoder's reconstructions."""

import math
import warnings
from numbers import Real

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.frozen import FrozenEstimator
from sklearn.impute import MissingIndicator
from sklearn.preprocessing import StandardScaler
from sklearn.utils._param_validation import HasMethods
from sklearn.utils._set_output import _get_output_config
from sklearn.utils.validation import FLOAT_DTYPES, _check_feature_names_in, check_is_fitted

from ._autoencoder import Autoencoder
from ._columns import as_pandas, is_frame
from ._outlier import check_unconditional
from ._tables import table_X
from ._training import fit_context
from ._validation import validate_rows
from ._wrappers import (
    TablesFromAutoencoderMixin,
    given_autoencoder,
    pretrain,
    reconstructions_of,
    unfrozen,
)


def is_nan(value):
    """Whether ``value`` is a NaN scalar."""
    return isinstance(value, Real) and math.isnan(value)

# The share of the observed entries that ``score`` hides, and the seed it hides
# them with (the same entries for every candidate of a search).
_SCORE_FRACTION = 0.1
_SCORE_SEED = 0


class AutoencoderImputer(TablesFromAutoencoderMixin, TransformerMixin, BaseEstimator):
    """Imputation of missing values with an autoencoder's reconstructions.

    The autoencoder trains on the rows as they are, gaps included: a missing
    entry is left out of its loss and filled with its column's mean on the
    way into the encoder. ``transform`` replaces each missing entry with the
    reconstruction of its row, from the row's observed entries, and keeps
    every observed entry as it is. By default each column is standardised
    first (its observed mean and standard deviation in the training rows), so
    that columns in different units count alike, and the autoencoder trains
    to fill gaps (``noise="missing"``: a fifth of the entries of each batch
    hidden).

    A DataFrame with categorical columns (category, string, object or bool;
    see the autoencoder's ``categorical_features``) is taken as it is where
    the autoencoder takes such tables, as skae's dense autoencoders do: the
    autoencoder standardises its numeric columns and one-hot encodes its
    categorical ones (so ``scale`` has nothing left to do), a categorical
    gap is filled with the most likely level of its column, and
    ``transform`` gives back X's columns and values (an object array, or a
    DataFrame with X's dtypes under ``set_output(transform="pandas")``).
    A missing entry of such a table is NaN, None or ``pd.NA``.

    Parameters
    ----------
    autoencoder : estimator or None, default=None
        An unconditional skae autoencoder (or any estimator with ``fit``,
        ``transform`` and ``inverse_transform`` that takes missing values),
        cloned before fitting. None uses
        ``Autoencoder(noise="missing", noise_level=0.2)``. One already fitted,
        wrapped in ``sklearn.frozen.FrozenEstimator``, is used as it is (with
        ``scale=False``: it was fitted on the data as it is given).
    missing_values : float or np.nan, default=np.nan
        The placeholder of a missing entry: every entry equal to it is
        imputed.
    add_indicator : bool, default=False
        Append a :class:`~sklearn.impute.MissingIndicator`'s columns to the
        output, one per feature that had missing entries in ``fit``.
    scale : bool, default=True
        Standardise each column before the autoencoder and undo it after;
        set False for data already on one scale (e.g. pixels in [0, 1] with
        ``loss="binary_crossentropy"``).
    random_state : int, RandomState instance or None, default=None
        Seeds the autoencoder's training when its own ``random_state`` is
        None; pass an int for reproducible fits.

    Attributes
    ----------
    autoencoder_ : estimator
        The fitted autoencoder.
    mean_ : ndarray of shape (`n_features_in_`,) or None
        Observed mean of each column in the training rows (``scale=True``).
    scale_ : ndarray of shape (`n_features_in_`,) or None
        Observed standard deviation of each column (1 where it is 0 or
        unknown) (``scale=True``).
    indicator_ : MissingIndicator or None
        The indicator of ``add_indicator=True``.
    column_layout_ : object or None
        How a table with categorical columns is encoded (the autoencoder's
        ``column_layout_``); None for numeric X.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during fit, when X has string column names.

    See Also
    --------
    sklearn.impute.SimpleImputer : A column's mean, median or most frequent value.
    sklearn.impute.KNNImputer : The mean of the nearest rows.
    sklearn.impute.IterativeImputer : Each column regressed on the others, in turns.

    Notes
    -----
    :meth:`score` needs no labels: it hides a tenth of the observed entries
    of X (the same ones for every candidate), imputes them and returns minus
    their mean squared error in standard deviations, so that a grid search
    over the autoencoder's parameters chooses by imputation quality.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.datasets import load_diabetes
    >>> from skae import Autoencoder, AutoencoderImputer
    >>> X, _ = load_diabetes(return_X_y=True)
    >>> X[::7, 2] = np.nan
    >>> imputer = AutoencoderImputer(Autoencoder(noise="missing", max_iter=2),
    ...                              random_state=0).fit(X)
    >>> imputer.transform(X).shape
    (442, 10)
    >>> bool(np.isnan(imputer.transform(X)).any())
    False
    """

    _parameter_constraints: dict = {
        "autoencoder": [HasMethods(["fit", "transform", "inverse_transform"]), None],
        "missing_values": [Real],
        "add_indicator": ["boolean"],
        "scale": ["boolean"],
        "random_state": ["random_state"],
    }

    def __init__(self, autoencoder=None, *, missing_values=np.nan, add_indicator=False,
                 scale=True, random_state=None):
        self.autoencoder = autoencoder
        self.missing_values = missing_values
        self.add_indicator = add_indicator
        self.scale = scale
        self.random_state = random_state

    @staticmethod
    def _default_autoencoder():
        """The autoencoder of ``autoencoder=None``."""
        return Autoencoder(noise="missing", noise_level=0.2)

    def _validated(self, X, reset):
        """X as the imputer reads it: ``(rows, missing, table)``.

        ``rows`` is a float array with NaN at every missing entry and
        ``missing`` the mask of those entries. For a table with categorical
        columns (``column_layout_``), ``rows`` are the autoencoder's encoded
        rows, ``missing`` is per table column, and ``table`` is X as given
        (None otherwise)."""
        nan_missing = is_nan(self.missing_values)
        given = X = as_pandas(X)  # a polars frame read once
        X = validate_rows(self, X, dtype=FLOAT_DTYPES, reset=reset, copy=not nan_missing,
                          ensure_all_finite="allow-nan" if nan_missing else True)
        layout = self.column_layout_
        if layout is not None:
            if not nan_missing:
                raise ValueError(
                    f"missing_values={self.missing_values!r} applies to numeric X; in a "
                    "table with categorical columns a missing entry is NaN, None or pd.NA. "
                    "Leave missing_values=np.nan.")
            return X, np.isnan(X[:, layout.starts]), table_X(self, given)
        missing = np.isnan(X) if nan_missing else X == self.missing_values
        if not nan_missing:
            X[missing] = np.nan
        return X, missing, None

    @fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y=None):
        """Fit the autoencoder on X, gaps included.

        Parameters
        ----------
        X : {array-like, DataFrame} of shape (n_samples, n_features)
            Training data, with missing entries; a DataFrame may have
            categorical columns where the autoencoder takes them.
        y : None
            Ignored; present for API consistency.

        Returns
        -------
        self : object
            The fitted imputer.
        """
        X, missing, _ = self._validated(X, reset=True)
        layout = self.column_layout_
        empty = np.flatnonzero(missing.all(axis=0))
        if len(empty):
            warnings.warn(
                f"Columns {empty.tolist()} have no observed value in X: the autoencoder "
                "cannot learn them, and fills them with 0.", UserWarning)
        self.mean_ = self.scale_ = None
        if self.scale and layout is None:
            # StandardScaler leaves gaps out (and a constant column's scale at 1);
            # a column with nothing observed gets mean 0 and scale 1.
            with np.errstate(invalid="ignore", divide="ignore"):
                scaler = StandardScaler().fit(X)
            self.mean_ = np.nan_to_num(scaler.mean_)
            self.scale_ = np.where(np.isnan(scaler.scale_), 1.0, scaler.scale_)
        autoencoder = given_autoencoder(self)
        self._check_takes_missing(check_unconditional(autoencoder, type(self)))
        if self.scale and layout is None and isinstance(autoencoder, FrozenEstimator):
            raise ValueError(
                "A FrozenEstimator autoencoder was fitted on data as it is given, not "
                "standardised here: set scale=False to use it.")
        self.autoencoder_ = pretrain(autoencoder, self._scaled(X), self.random_state, layout)
        self.indicator_ = (MissingIndicator(missing_values=np.nan, error_on_new=False).fit(
            np.where(missing, np.nan, 0.0)) if self.add_indicator else None)
        return self

    def _check_takes_missing(self, autoencoder):
        inner = unfrozen(autoencoder)
        if not inner.__sklearn_tags__().input_tags.allow_nan:
            raise TypeError(
                f"autoencoder must take missing values (NaN), as skae's autoencoders do; "
                f"got {type(inner).__name__}, which does not.")

    def _scaled(self, X):
        if self.mean_ is None:
            return X.astype(np.float32)
        return ((X - self.mean_) / self.scale_).astype(np.float32)

    def _imputed(self, X, missing):
        """X with its missing entries replaced by the reconstructions, in X's dtype."""
        X = np.array(X)  # a copy: the caller's array is never written to
        rows = np.flatnonzero(missing.any(axis=1))
        if len(rows):
            scaled = self._scaled(X[rows])
            restored = self.autoencoder_.inverse_transform(
                self.autoencoder_.transform(scaled)).astype(np.float64)
            if self.mean_ is not None:
                restored = restored * self.scale_ + self.mean_
            X[rows] = np.where(missing[rows], restored, X[rows])
        return X

    def _imputed_table(self, encoded, missing, table):
        """The table X (given as it is, its encoded rows and their gaps) with
        each missing entry replaced by its reconstruction: the most likely
        level of a categorical column, the value of a numeric one."""
        rows = np.flatnonzero(missing.any(axis=1))
        if not is_frame(table):  # an array whose categorical columns hold numbers
            table = np.array(table)
            if len(rows):
                restored = reconstructions_of(self.autoencoder_, encoded[rows])
                table[rows] = np.where(missing[rows], restored, table[rows])
            return table
        table = table.copy()
        if len(rows):
            restored = as_pandas(reconstructions_of(self.autoencoder_, encoded[rows]))
            for j in np.flatnonzero(missing.any(axis=0)):
                hit = missing[rows, j]
                table.iloc[rows[hit], j] = restored.iloc[np.flatnonzero(hit), j].to_numpy()
        return table

    def transform(self, X):
        """Impute the missing entries of X.

        Parameters
        ----------
        X : {array-like, DataFrame} of shape (n_samples, n_features)
            Data with missing entries.

        Returns
        -------
        X_imputed : ndarray of shape (n_samples, n_features_out)
            X with every missing entry imputed (observed entries unchanged),
            followed by the indicator's columns with ``add_indicator=True``.
            A DataFrame with categorical columns gives an object array (a
            DataFrame with X's dtypes under ``set_output(transform="pandas")``).
        """
        check_is_fitted(self)
        X, missing, table = self._validated(X, reset=False)
        if table is not None:
            return self._table_output(self._imputed_table(X, missing, table), missing)
        imputed = self._imputed(X, missing)
        if self.indicator_ is None:
            return imputed
        return np.hstack([imputed, self.indicator_.transform(X).astype(imputed.dtype)])

    def _table_output(self, imputed, missing):
        """The imputed table with the indicator's columns: a DataFrame under
        ``set_output(transform="pandas")``, else an array (of objects, for a
        DataFrame)."""
        indicator = (None if self.indicator_ is None
                     else self.indicator_.transform(np.where(missing, np.nan, 0.0)))
        if not is_frame(imputed):
            if indicator is None:
                return imputed
            return np.hstack([imputed, indicator.astype(imputed.dtype)])
        if indicator is not None:
            import pandas as pd

            names = self.get_feature_names_out()[self.n_features_in_:]
            imputed = pd.concat([imputed, pd.DataFrame(indicator, columns=names,
                                                       index=imputed.index)], axis=1)
        output = _get_output_config("transform", self)["dense"]
        if output == "polars":
            import polars

            return polars.from_pandas(imputed)
        return imputed if output == "pandas" else imputed.to_numpy(dtype=object)

    def score(self, X, y=None):
        """Return minus the mean error of imputations of entries hidden here.

        A tenth of the observed entries of X (drawn with a fixed seed: the
        same ones for the same X) are hidden and imputed from the rest of
        their rows. A numeric entry's error is its squared error in standard
        deviations of its column (``scale_``; raw units with
        ``scale=False``); in a table with categorical columns a categorical
        entry's error is 1 when the imputed level is wrong, else 0.

        Parameters
        ----------
        X : {array-like, DataFrame} of shape (n_samples, n_features)
            Data, with or without missing entries.
        y : None
            Ignored; present for API consistency.

        Returns
        -------
        score : float
            Minus the mean error (higher is better).
        """
        check_is_fitted(self)
        X, missing, table = self._validated(X, reset=False)
        layout = self.column_layout_
        candidates = ~missing
        if table is not None:  # a categorical entry of an unknown level has none to find
            sums = layout.column_sums(np.nan_to_num(X))
            candidates &= ~np.array(layout.categorical) | (sums > 0.5)
        observed = np.flatnonzero(candidates)
        if not len(observed):
            raise ValueError("X has no observed entry to hide and score on.")
        rng = np.random.default_rng(_SCORE_SEED)
        n_hidden = max(1, int(round(_SCORE_FRACTION * len(observed))))
        hidden = np.zeros(missing.size, dtype=bool)
        hidden[rng.choice(observed, n_hidden, replace=False)] = True
        hidden = hidden.reshape(missing.shape)
        if table is not None:
            return -float(np.mean(self._table_errors(X, hidden)))
        gapped = np.where(hidden, np.nan, X)
        errors = self._imputed(gapped, missing | hidden)[hidden] - X[hidden]
        if self.scale_ is not None:
            errors = errors / np.broadcast_to(self.scale_, X.shape)[hidden]
        return -float(np.mean(errors ** 2))

    def _table_errors(self, encoded, hidden):
        """The error of each ``hidden`` entry of a table's encoded rows once
        imputed: squared error in standard deviations (numeric), wrong level
        (categorical)."""
        layout = self.column_layout_
        rows = np.flatnonzero(hidden.any(axis=1))
        gapped = np.where(hidden[rows][:, layout.column_index], np.nan, encoded[rows])
        inner = unfrozen(self.autoencoder_)
        restored = inner._forward_batches(lambda m, x: m.decode(m.encode(x)),
                                          gapped.astype(np.float32))
        errors = []
        for j, (start, width) in enumerate(zip(layout.starts, layout.widths)):
            hit = hidden[rows, j]
            truth = encoded[rows[hit], start:start + width]
            guess = restored[hit, start:start + width]
            if layout.categorical[j]:
                errors.append((truth.argmax(1) != guess.argmax(1)).astype(np.float64))
            else:
                errors.append((guess[:, 0].astype(np.float64) - truth[:, 0]) ** 2)
        return np.concatenate(errors)

    def get_feature_names_out(self, input_features=None):
        """The input's feature names, then the indicator's.

        Parameters
        ----------
        input_features : array-like of str or None, default=None
            Input feature names.

        Returns
        -------
        feature_names_out : ndarray of str
            The feature names.
        """
        check_is_fitted(self)
        names = _check_feature_names_in(self, input_features)
        if self.indicator_ is None:
            return names
        return np.concatenate([names, self.indicator_.get_feature_names_out(names)])

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags
