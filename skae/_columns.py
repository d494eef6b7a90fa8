"""Tables with categorical columns: which columns are categorical
(``categorical_features``), and the column layout fitted on the training rows
that turns a table into the float32 rows a network takes and back.

numpy and pandas only; the torch side (the softmax over each categorical
column's levels, the per-column loss) reads the layout's ``groups``."""

from numbers import Integral

import numpy as np


def is_frame(X):
    """Whether X is a pandas DataFrame."""
    return hasattr(X, "columns") and hasattr(X, "dtypes") and hasattr(X, "iloc")


def is_polars(X):
    """Whether X is a polars DataFrame."""
    return type(X).__module__.split(".")[0] == "polars" and hasattr(X, "to_pandas")


def as_pandas(X):
    """A polars DataFrame as a pandas one (its columns, dtypes and gaps:
    ``to_pandas``, which needs pyarrow); any other X as it is."""
    return X.to_pandas() if is_polars(X) else X


def _categorical_dtype(dtype):
    """Whether pandas reads a column of ``dtype`` as categories under
    ``categorical_features="from_dtype"``: category, string, object and bool."""
    from pandas.api import types

    return (isinstance(dtype, types.CategoricalDtype) or types.is_string_dtype(dtype)
            or types.is_object_dtype(dtype) or types.is_bool_dtype(dtype))


def categorical_mask(X, categorical_features):
    """The boolean mask of X's categorical columns, as
    ``HistGradientBoostingClassifier`` reads ``categorical_features``:
    ``"from_dtype"`` (a DataFrame's category, string, object and bool
    columns; none of an array's), None (none), or names, indices or a
    boolean mask."""
    n_features = X.shape[1]
    frame = is_frame(X)
    if categorical_features is None:
        return np.zeros(n_features, dtype=bool)
    if isinstance(categorical_features, str):  # "from_dtype": the constraint allows no other
        if not frame:
            return np.zeros(n_features, dtype=bool)
        return np.array([_categorical_dtype(dtype) for dtype in X.dtypes], dtype=bool)
    given = np.asarray(categorical_features)
    if given.ndim != 1:
        raise ValueError(
            "categorical_features must be 'from_dtype', None, or a 1-D array-like of "
            f"column names, indices or booleans; got an array of shape {given.shape}.")
    if given.dtype.kind == "b":
        if len(given) != n_features:
            raise ValueError(
                f"categorical_features as a boolean mask needs one value per column of "
                f"X ({n_features}); got {len(given)}.")
        return given.copy()
    mask = np.zeros(n_features, dtype=bool)
    if given.dtype.kind in "OUS":
        if not frame:
            raise ValueError(
                "categorical_features names columns, which needs X as a DataFrame with "
                "column names; for an array pass column indices or a boolean mask.")
        names = [str(name) for name in X.columns]
        for name in map(str, given):
            if name not in names:
                raise ValueError(
                    f"categorical_features names {name!r}, which is not a column of X; "
                    f"its columns are {names}.")
            mask[names.index(name)] = True
        return mask
    if given.size and not all(isinstance(i, Integral) for i in given.tolist()):
        raise ValueError(
            f"categorical_features must hold column names, indices or booleans; got "
            f"{given.tolist()!r}.")
    for index in given.tolist():
        if not -n_features <= index < n_features:
            raise ValueError(
                f"categorical_features holds the index {index}, but X has {n_features} "
                "columns.")
        mask[index] = True
    return mask


def _missing(values):
    """Where a column's values are missing (NaN, None, pd.NA, NaT)."""
    try:
        import pandas as pd
    except ImportError:  # numpy input holds numbers only
        return np.isnan(np.asarray(values, dtype=np.float64))
    return np.asarray(pd.isna(values), dtype=bool)


def _column(X, j):
    return X.iloc[:, j].to_numpy() if is_frame(X) else X[:, j]


def _numeric(values, name):
    """A numeric column's values as float64; an infinity is a ValueError
    naming its row (a gap is NaN)."""
    try:
        numbers = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise ValueError(
            f"Column {name!r} is numeric in the fitted layout, but its values are not "
            f"numbers ({error}).") from None
    if np.isinf(numbers).any():
        row = int(np.flatnonzero(np.isinf(numbers))[0])
        raise ValueError(
            f"Column {name!r} holds an infinity (row {row}); replace it with a finite "
            "value or NaN (missing).")
    return numbers


class ColumnLayout:
    """How a table's columns become the network's float32 columns, and back.

    Fitted on the training rows: each numeric column becomes one column,
    standardised by the training rows' mean and standard deviation; each
    categorical column becomes one column per level seen in training (its
    one-hot code; a pandas category column keeps its declared categories).
    A missing entry stays missing (NaN), over all of a categorical column's
    levels. All attributes are plain values (lists, strings, floats), so a
    fitted layout saves and loads without running code. Fitted on a polars
    DataFrame (read through pandas), it decodes to polars.
    """

    def __init__(self, names, categorical, dtypes, means, scales, categories, ordered,
                 handle_unknown, frame, polars=False):
        self.names = names
        self.categorical = categorical
        self.dtypes = dtypes
        self.means = means
        self.scales = scales
        self.categories = categories
        self.ordered = ordered
        self.handle_unknown = handle_unknown
        self.frame = frame
        self.polars = polars

    @classmethod
    def fit(cls, X, mask, handle_unknown, polars=False):
        """The layout of the table X (a pandas DataFrame, or an array whose
        categorical columns hold numbers) with categorical columns ``mask``;
        ``polars``: X was read from a polars DataFrame, and decodes to one."""
        frame = is_frame(X)
        names = [str(name) for name in X.columns] if frame else [
            f"x{j}" for j in range(X.shape[1])]
        dtypes = [str(dtype) for dtype in X.dtypes] if frame else [str(X.dtype)] * X.shape[1]
        means, scales, categories, ordered = [], [], [], []
        for j, name in enumerate(names):
            values = _column(X, j)
            if not mask[j]:
                numbers = _numeric(values, name)
                observed = numbers[~np.isnan(numbers)]
                mean = float(observed.mean()) if observed.size else 0.0
                scale = float(observed.std()) if observed.size else 1.0
                means.append(mean)
                scales.append(scale if scale > 0 else 1.0)
                categories.append(None)
                ordered.append(False)
                continue
            dtype = X.dtypes.iloc[j] if frame else None
            if dtype is not None and hasattr(dtype, "categories"):
                levels = dtype.categories.tolist()
                ordered.append(bool(dtype.ordered))
            else:
                present = values[~_missing(values)]
                try:
                    levels = sorted(set(present.tolist()))
                except TypeError:
                    raise ValueError(
                        f"Column {name!r} mixes values that do not sort (e.g. strings and "
                        "numbers); give it one type, or make it a pandas category "
                        "column.") from None
                ordered.append(False)
            if not levels:
                raise ValueError(
                    f"Categorical column {name!r} has no value in the training rows (all "
                    "missing); drop it, or give it values.")
            means.append(None)
            scales.append(None)
            categories.append(levels)
        return cls(names, [bool(m) for m in mask], dtypes, means, scales, categories,
                   ordered, handle_unknown, frame, polars)

    # ---------------------------------------------------------------- shape

    @property
    def n_columns(self):
        return len(self.names)

    @property
    def widths(self):
        """Number of network columns of each table column."""
        return [len(c) if c is not None else 1 for c in self.categories]

    @property
    def n_encoded(self):
        return sum(self.widths)

    @property
    def starts(self):
        """The first network column of each table column."""
        return np.concatenate([[0], np.cumsum(self.widths)[:-1]]).astype(int).tolist()

    @property
    def groups(self):
        """``(start, stop)`` of each categorical column's network columns."""
        return [(s, s + w) for s, w, cat in zip(self.starts, self.widths, self.categorical)
                if cat]

    @property
    def column_index(self):
        """The table column of each network column."""
        return np.repeat(np.arange(self.n_columns), self.widths).tolist()

    # ------------------------------------------------------------- encoding

    def encode(self, X):
        """The float32 network rows of the table X (NaN where X is missing)."""
        out = np.empty((X.shape[0], self.n_encoded), dtype=np.float32)
        for j, (name, start, width) in enumerate(zip(self.names, self.starts, self.widths)):
            values = _column(X, j)
            if not self.categorical[j]:
                numbers = _numeric(values, name)
                out[:, start] = (numbers - self.means[j]) / self.scales[j]
                continue
            codes = self._codes(values, j)
            block = np.zeros((len(codes), width), dtype=np.float32)
            known = codes >= 0
            block[np.flatnonzero(known), codes[known]] = 1.0
            block[codes == -1] = np.nan
            out[:, start:start + width] = block
        return out

    def _codes(self, values, j):
        """Each value's level index in column j; -1 where missing, -2 where
        unknown and ``handle_unknown="ignore"`` (all levels 0)."""
        missing = _missing(values)
        levels = self.categories[j]
        try:
            import pandas as pd
        except ImportError:
            pd = None
        if pd is not None:
            codes = np.asarray(pd.Index(levels).get_indexer(values), dtype=np.int64)
        else:
            lookup = {level: i for i, level in enumerate(levels)}
            codes = np.array([lookup.get(v.item(), -1) for v in values], dtype=np.int64)
        codes[missing] = -1
        is_unknown = (codes == -1) & ~missing
        unknown = values[is_unknown]
        codes[is_unknown] = -2
        if len(unknown) and self.handle_unknown == "error":
            shown = sorted({str(u) for u in unknown})[:5]
            raise ValueError(
                f"Found unknown categories {shown} in column {self.names[j]!r} during "
                f"transform; its categories are those of the training rows: "
                f"{levels[:10]}{'...' if len(levels) > 10 else ''}. Pass "
                "handle_unknown='ignore' to encode them as no level at all.")
        return codes

    # ------------------------------------------------------------- decoding

    def decode(self, R):
        """The table of the network rows R (numeric columns standardised,
        categorical ones as scores over their levels, the most likely level
        taken): a DataFrame with the training columns, dtypes and categories
        when the layout was fitted on one, else a float32 array."""
        columns = []
        for j, (start, width) in enumerate(zip(self.starts, self.widths)):
            if self.categorical[j]:
                codes = np.asarray(R[:, start:start + width]).argmax(axis=1)
                columns.append(np.asarray(self.categories[j], dtype=object)[codes])
            else:
                columns.append(np.asarray(R[:, start], dtype=np.float64) * self.scales[j]
                               + self.means[j])
        if not self.frame:
            return np.column_stack(columns).astype(np.float32)
        return self._frame(columns)

    def _frame(self, columns):
        import pandas as pd

        data = {}
        for j, (name, values) in enumerate(zip(self.names, columns)):
            dtype = self.dtypes[j]
            if self.categorical[j] and dtype == "category":
                data[name] = pd.Categorical(values, categories=self.categories[j],
                                            ordered=self.ordered[j])
            elif self.categorical[j]:
                data[name] = pd.Series(values, dtype=object).astype(dtype)
            elif pd.api.types.is_integer_dtype(dtype):
                data[name] = pd.Series(np.rint(values)).astype(dtype)
            else:
                data[name] = pd.Series(values).astype(dtype)
        frame = pd.DataFrame(data, columns=self.names)
        if self.polars:
            import polars

            return polars.from_pandas(frame)
        return frame

    def column_sums(self, A):
        """(n_rows, n_columns): A's network columns summed per table column."""
        return np.add.reduceat(np.asarray(A), self.starts, axis=1)
