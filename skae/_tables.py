"""Estimators that take tables with categorical columns: the
``categorical_features`` and ``handle_unknown`` parameters, and the column
layout fitted on the training rows (``column_layout_``) that every other
method reads X through."""

import numpy as np
from sklearn.utils import check_array
from sklearn.utils._param_validation import StrOptions
from sklearn.utils.validation import validate_data

from ._columns import ColumnLayout, as_pandas, categorical_mask, is_frame, is_polars
from ._losses import StandardisedSquaredError, TableLoss, get_loss
from ._modules import Standardise


def table_X(estimator, X):
    """X as a 2-D table with at least one row, for ``estimator``: a pandas
    DataFrame as it is (a polars one read into pandas), an array as float64
    (its categorical columns then hold numbers)."""
    X = as_pandas(X)
    if not is_frame(X):
        return check_array(X, dtype=np.float64, ensure_all_finite="allow-nan",
                           input_name="X", estimator=estimator)
    if X.ndim != 2 or X.shape[0] < 1:
        raise ValueError(
            f"Found a DataFrame of shape {X.shape} while a minimum of 1 sample is "
            f"required by {type(estimator).__name__}.")
    return X


def encoded_table(estimator, X, layout, reset):
    """The table X encoded by ``layout``, once ``validate_data`` has checked
    (``reset=False``) or recorded (``reset=True``) its columns and their
    names for ``estimator``."""
    X = table_X(estimator, X)
    validate_data(estimator, X, skip_check_array=True, reset=reset)
    return layout.encode(X)


class TableMixin:
    """Mixin of a dense autoencoder: X may be a table with categorical
    columns (a pandas DataFrame with category, string, object or bool
    columns, or any X with ``categorical_features`` given).

    Such X is encoded by a :class:`~skae._columns.ColumnLayout` fitted in
    ``fit`` (``column_layout_``): the network sees standardised numeric
    columns and one-hot categorical ones, is trained with a
    :class:`~skae._losses.TableLoss`, and ``inverse_transform`` and
    ``sample`` give tables back. X without categorical columns takes the
    plain path (``column_layout_`` is None); its columns are standardised by
    the network (``scale``, fitted ``mean_`` and ``scale_``) when ``scale``
    says so.
    """

    _parameter_constraints = {
        "categorical_features": ["array-like", StrOptions({"from_dtype"}), None],
        "handle_unknown": [StrOptions({"error", "ignore"})],
        "scale": [StrOptions({"auto"}), "boolean"],
    }

    def _scaling(self, data):
        """``(mean, scale)``: the columns' means and standard deviations (1
        for a column constant up to float32's rounding) that the network
        standardises X by, for the training rows summarised by ``data``;
        ``(None, None)`` when X is taken as it is. ``scale="auto"``
        standardises when the loss is the squared error on an unbounded
        output and some value lies outside [0, 1] (a table, not pixels). A
        table with categorical columns is standardised by its layout
        instead."""
        if self._column_layout() is not None or data.column_stds is None:
            return None, None
        if isinstance(self.scale, str):  # "auto"
            if self._scale_conflict() is not None or 0.0 <= data.min <= data.max <= 1.0:
                return None, None
        elif not self.scale:
            return None, None
        mean = np.array(data.column_means, dtype=np.float32)
        # A column constant up to float32's rounding keeps its units (scale 1).
        varies = data.column_stds > 10 * np.finfo(np.float32).eps * np.abs(mean)
        return mean, np.where(varies, data.column_stds, 1.0).astype(np.float32)

    def _new_module(self, data):
        self.mean_, self.scale_ = self._scaling(data)
        return super()._new_module(data)

    def _standardise(self, data):
        # The figures _new_module fitted (a skeleton built for loading: the
        # fitted ones; a bare clone's: none, and loading supplies them).
        return Standardise(getattr(self, "mean_", None), getattr(self, "scale_", None))

    def _fitted_layout(self, X):
        """The column layout that ``fit`` takes for X, or None (plain X: no
        categorical column). Changes nothing on the estimator."""
        polars = is_polars(X)
        X = as_pandas(X)
        if self.categorical_features is None or (
                isinstance(self.categorical_features, str) and not is_frame(X)):
            return None
        X = table_X(self, X)
        mask = categorical_mask(X, self.categorical_features)
        return ColumnLayout.fit(X, mask, self.handle_unknown, polars) if mask.any() else None

    def _encode_table(self, X, reset):
        """The network rows of the table X (float32), or None when X takes
        the plain path (no categorical column); with ``reset``, fits
        ``column_layout_`` first."""
        if not reset:
            layout = self._column_layout()
            return None if layout is None else encoded_table(self, X, layout, reset=False)
        given = self.__dict__.pop("_encoded_with", None)
        if given is not None:  # rows a wrapper encoded with the layout given
            self._adopt(given)
            return check_array(X, dtype=np.float32, ensure_all_finite="allow-nan",
                               input_name="X", estimator=self)
        layout = self._fitted_layout(X)
        encoded = None if layout is None else encoded_table(self, X, layout, reset=True)
        self.column_layout_ = layout
        return encoded

    def _adopt(self, layout):
        """Take ``layout`` (a wrapper's, whose rows X were encoded with it) as
        a first fit does: the layout, the number and names of its columns."""
        self.column_layout_ = layout
        self.n_features_in_ = layout.n_columns
        if layout.frame:
            self.feature_names_in_ = np.asarray(layout.names, dtype=object)
        elif hasattr(self, "feature_names_in_"):
            del self.feature_names_in_

    def _reconstruction_loss(self):
        layout = self._column_layout()
        if layout is not None:
            return TableLoss(layout.groups, layout.n_encoded)
        scale = getattr(self, "scale_", None)
        return super()._reconstruction_loss() if scale is None else (
            StandardisedSquaredError(scale))

    def _check_input(self, X, name="X"):
        layout = self._column_layout()
        if layout is None and not isinstance(self.scale, str) and self.scale:
            conflict = self._scale_conflict()
            if conflict is not None:
                raise ValueError(f"scale=True standardises the columns of X, but {conflict}")
        if layout is not None:
            if get_loss(self.loss).name != "squared_error":
                raise ValueError(
                    f"loss={self.loss!r} does not apply to a table with categorical "
                    "columns: its numeric columns are standardised and take the squared "
                    "error, its categorical ones a cross-entropy over their levels. Use "
                    "loss='squared_error'.")
            if self.output_activation is not None:
                raise ValueError(
                    f"output_activation={self.output_activation!r} does not apply to a "
                    "table with categorical columns: each categorical column is decoded "
                    "by a softmax over its levels, each numeric one as it is. Leave it "
                    "None.")
            if self.get_params().get("noise") == "salt_and_pepper":
                raise ValueError(
                    "noise='salt_and_pepper' does not apply to a table with categorical "
                    "columns (it would set single levels of a column on or off); use "
                    "'missing' or 'masking', which hide whole columns, or 'gaussian'.")
        super()._check_input(X, name)

    def _scale_conflict(self):
        """Why the network cannot standardise X under these parameters (the
        end of a sentence), or None: what ``scale="auto"`` leaves alone and
        ``scale=True`` rejects."""
        if get_loss(self.loss).name != "squared_error":
            return (f"loss={self.loss!r} takes targets in [0, 1] as they are. Use "
                    "loss='squared_error', or scale=False.")
        if self.output_activation not in (None, "identity"):
            return (f"output_activation={self.output_activation!r} would bound the "
                    "network's output, in standard deviations, before it is put back in "
                    "the units of X. Leave it None, or set scale=False.")
        if self.get_params().get("noise") == "salt_and_pepper":
            return ("noise='salt_and_pepper' sets entries to the data's lowest and highest "
                    "values, which standardised columns do not share; use scale=False (for "
                    "images), or noise='gaussian', 'masking' or 'missing'.")
        return None
