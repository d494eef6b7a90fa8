"""Parameter constraints that scikit-learn's vocabulary does not provide,
and the checks on data and hardware shared by every estimator.

scikit-learn's ``validate_parameter_constraints`` accepts only its own
constraint classes, so these derive from ``Options`` and override what it
checks and how it describes itself.
"""

import copy
import importlib
import math
from numbers import Integral

import numpy as np
import torch
from sklearn import get_config
from sklearn.utils import check_scalar
from sklearn.utils._param_validation import Interval, InvalidParameterError, Options
from sklearn.utils.validation import _check_y, check_consistent_length, validate_data
from skorch.callbacks import Callback

from ._streaming import StreamedArray


def import_optional(module, extra, caller, package=None):
    """Import the optional dependency ``module``, or raise an ImportError that
    names ``caller`` and the extra (``skae[extra]``) that installs it."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise ImportError(
            f"{caller} requires {package or module}; install it with "
            f"pip install \"skae[{extra}]\" or pip install {package or module}."
        ) from exc


class _Constraint(Options):
    def __init__(self):
        super().__init__(object, set())


class SizeTuple(_Constraint):
    """A tuple or list of positive ints, with a fixed or minimum length."""

    def __init__(self, length=None, min_length=0):
        super().__init__()
        self.length = length
        self.min_length = min_length

    def is_satisfied_by(self, val):
        if not isinstance(val, (tuple, list)):
            return False
        if self.length is not None and len(val) != self.length:
            return False
        return len(val) >= self.min_length and all(
            isinstance(v, Integral) and not isinstance(v, bool) and v >= 1 for v in val
        )

    def __str__(self):
        if self.length is not None:
            return f"a tuple of {self.length} positive ints"
        if self.min_length:
            return f"a tuple of at least {self.min_length} positive ints"
        return "a tuple of positive ints"


class SubclassOf(_Constraint):
    """A class deriving from ``cls``."""

    def __init__(self, cls):
        super().__init__()
        self.cls = cls

    def is_satisfied_by(self, val):
        return isinstance(val, type) and issubclass(val, self.cls)

    def __str__(self):
        return f"a subclass of {self.cls.__module__}.{self.cls.__qualname__}"


class ShapeKeepingModule(_Constraint):
    """A torch module that keeps its input's shape, as an activation must:
    tried, on a copy in evaluation mode, on a (2, 5) and a (2, 3, 4, 6)
    tensor (a dense and a convolutional layer's output)."""

    def is_satisfied_by(self, val):
        if not isinstance(val, torch.nn.Module):
            return False
        probe = copy.deepcopy(val).eval()
        device = next(probe.parameters(), torch.zeros(())).device  # a PReLU on a GPU
        with torch.random.fork_rng(devices=[]), torch.no_grad():
            for shape in ((2, 5), (2, 3, 4, 6)):
                try:
                    out = probe(torch.zeros(shape, device=device))
                except Exception:
                    return False
                if not isinstance(out, torch.Tensor) or out.shape != shape:
                    return False
        return True

    def __str__(self):
        return "a torch module that keeps its input's shape (an element-wise one, as nn.ReLU())"


class OddInt(_Constraint):
    """A positive odd int."""

    def is_satisfied_by(self, val):
        return isinstance(val, Integral) and not isinstance(val, bool) and val >= 1 and val % 2

    def __str__(self):
        return "an odd positive int"


class ChannelStages(_Constraint):
    """A non-empty tuple or list with one entry per convolution stage: a
    positive int (one convolution) or a non-empty tuple of them (several)."""

    def is_satisfied_by(self, val):
        def positive(v):
            return isinstance(v, Integral) and not isinstance(v, bool) and v >= 1

        return isinstance(val, (tuple, list)) and len(val) > 0 and all(
            positive(stage) or (isinstance(stage, (tuple, list)) and len(stage) > 0
                                and all(positive(v) for v in stage)) for stage in val)

    def __str__(self):
        return ("a non-empty tuple with a positive int (one convolution) or a tuple of "
                "them (several) per stage")


class StagePadding(_Constraint):
    """A convolution's padding: "same", "valid" or a non-negative int (not a bool)."""

    def is_satisfied_by(self, val):
        if isinstance(val, str):
            return val in ("same", "valid")
        return isinstance(val, Integral) and not isinstance(val, bool) and val >= 0

    def __str__(self):
        return '"same", "valid" or a non-negative int'


class PerStage(_Constraint):
    """A value that ``base`` accepts, or a non-empty tuple or list of them
    (one per stage)."""

    def __init__(self, base):
        super().__init__()
        self.base = base

    def is_satisfied_by(self, val):
        if isinstance(val, (tuple, list)):
            return len(val) > 0 and all(self.base.is_satisfied_by(v) for v in val)
        return self.base.is_satisfied_by(val)

    def __str__(self):
        return f"{self.base}, or a tuple of them (one per stage)"


class PositiveInt(_Constraint):
    """A positive int (not a bool)."""

    def is_satisfied_by(self, val):
        return isinstance(val, Integral) and not isinstance(val, bool) and val >= 1

    def __str__(self):
        return "a positive int"


class CallbackList(_Constraint):
    """A list of skorch callbacks: instances, or ``(name, instance)`` pairs."""

    def is_satisfied_by(self, val):
        return isinstance(val, list) and all(
            isinstance(item, Callback) or (
                isinstance(item, tuple) and len(item) == 2 and isinstance(item[0], str)
                and isinstance(item[1], Callback))
            for item in val)

    def __str__(self):
        return "a list of skorch Callback instances or (name, Callback) pairs"


def reject_booleans(estimator):
    """InvalidParameterError for a bool given where a number is expected.

    scikit-learn's ``Interval(Integral, ...)`` and ``Interval(Real, ...)``
    accept True and False (bool is an int in Python), and ``"random_state"``
    takes True as the seed 1; skae's parameters that are numbers or seeds
    never mean a bool.
    """
    for name, constraints in estimator._parameter_constraints.items():
        value = getattr(estimator, name)
        if not isinstance(value, (bool, np.bool_)) or "boolean" in constraints:
            continue
        if "random_state" in constraints:  # scikit-learn would take True as seed 1
            raise InvalidParameterError(
                f"The {name!r} parameter of {type(estimator).__name__} must be an int, a "
                f"RandomState instance or None, not a bool; got {value!r}."
            )
        if any(isinstance(c, Interval) for c in constraints):
            raise InvalidParameterError(
                f"The {name!r} parameter of {type(estimator).__name__} must be a number, "
                f"not a bool; got {value!r}."
            )


def check_argument(value, name, target_type, min_val):
    """scikit-learn's ``check_scalar`` for an argument of a method, which also
    refuses a bool (``sample(True)`` is not one sample) and a value that is
    not finite (``span=nan``)."""
    if isinstance(value, (bool, np.bool_)):
        kind = "an int" if target_type is Integral else "a number"
        raise TypeError(f"{name} must be {kind}, not a bool; got {value!r}.")
    check_scalar(value, name, target_type, min_val=min_val)
    if not np.isfinite(value):
        raise ValueError(f"{name} must be finite; got {value!r}.")
    return value


# The arguments of every inference call's validation: rows for a fitted estimator.
_FITTED_ROWS = {"dtype": np.float32, "reset": False}


def validate_rows(estimator, X, *args, **kwargs):
    """scikit-learn's ``validate_data``, where images given as a 3-D or 4-D
    array get a hint instead of "Found array with dim 3". Missing entries
    (NaN) pass for an estimator whose ``_allow_nan`` says it takes them. A
    table with categorical columns, for an estimator that takes them
    (``_encode_table``), comes back as the network's float32 rows. Rows for
    inference (``dtype=np.float32, reset=False``) that :func:`plain_rows`
    takes skip scikit-learn's checks, which would return them unchanged."""
    encode_table = getattr(estimator, "_encode_table", None)
    if encode_table is not None and "skip_check_array" not in kwargs:
        encoded = encode_table(X, reset=kwargs.get("reset", True))
        if encoded is not None:  # a table with categorical columns, as the network sees it
            if not args:
                return encoded
            y = _check_y(args[0], estimator=estimator)
            check_consistent_length(encoded, y)
            return encoded, y
    if not args and kwargs == _FITTED_ROWS and not hasattr(estimator, "feature_names_in_"):
        rows = plain_rows(X, getattr(estimator, "n_features_in_", None))
        if rows is not None:  # as validate_data would return it, in microseconds
            return rows
    if getattr(estimator, "_allow_nan", False) and "skip_check_array" not in kwargs:
        kwargs.setdefault("ensure_all_finite", "allow-nan")
    shape = getattr(X, "shape", ())
    if len(shape) > 2:
        image_shape = (1, *shape[1:]) if len(shape) == 3 else tuple(shape[1:])
        hint = (f" and image_shape={image_shape}, each image's (C, H, W) with channels first"
                if "image_shape" in estimator.get_params() else "")
        raise ValueError(
            f"{type(estimator).__name__} takes X of shape (n_samples, n_features), one "
            f"flattened sample per row; got an array of shape {tuple(shape)}. For images, "
            f"pass X.reshape(len(X), -1){hint}.")
    return validate_data(estimator, X, *args, **kwargs)


def plain_rows(X, n_columns):
    """X as float32 when scikit-learn's ``check_array(X, dtype=np.float32)``
    would return it unchanged in value and say nothing: a 2-D float NumPy
    array of ``n_columns`` columns with at least one row, all finite. None
    otherwise (missing entries included), and scikit-learn's checks decide
    and word any error.

    Those checks cost about 0.06 ms a call (PCA's one-row ``transform`` pays
    them too); this path, a few microseconds: one-row inference near PCA's
    time (benchmarks/bench_inference.py).
    """
    if (type(X) is not np.ndarray or X.ndim != 2 or X.dtype.kind != "f"
            or X.dtype.itemsize not in (4, 8) or X.shape[0] < 1 or X.shape[1] != n_columns):
        return None
    if X.dtype == np.float32:
        rows = X
    else:
        with np.errstate(over="ignore"):  # overflow to infinity is refused below
            rows = X.astype(np.float32)
    return rows if get_config()["assume_finite"] or np.isfinite(rows).all() else None


def validated_stream(estimator, X, reset):
    """X as a :class:`~skae._streaming.StreamedArray`, after the checks of
    ``validate_data`` that need no pass over its values (those come with its
    summary: NaN taken where ``estimator`` takes missing values)."""
    dtype = np.dtype(X.dtype)
    if dtype.kind not in "biuf":
        raise ValueError(f"X has dtype {dtype}; a streamed X needs numbers.")
    n_samples, n_features = X.shape
    if n_samples < 1 or n_features < 1:
        raise ValueError(f"Found array with shape {tuple(X.shape)}; at least one sample "
                         "and one feature are required.")
    if reset and "_encoded_with" in vars(estimator):  # rows a wrapper encoded
        estimator._adopt(estimator.__dict__.pop("_encoded_with"))
    else:
        validate_rows(estimator, X, skip_check_array=True, reset=reset)
    return StreamedArray(X, allow_nan=getattr(estimator, "_allow_nan", False))


def check_device(device):
    """Return ``device`` as a ``torch.device``; ValueError if it is absent."""
    try:
        dev = torch.device(device)
    except (RuntimeError, TypeError) as exc:
        raise ValueError(f"device={device!r} is not a torch device: {exc}") from None
    if dev.type == "cuda":
        if not torch.cuda.is_available():
            raise ValueError(
                f"device={device!r} was requested but CUDA is not available on this "
                "machine; use device='cpu'."
            )
        if dev.index is not None and dev.index >= torch.cuda.device_count():
            raise ValueError(
                f"device={device!r} was requested but this machine has "
                f"{torch.cuda.device_count()} CUDA device(s)."
            )
    elif dev.type == "mps" and not torch.backends.mps.is_available():
        raise ValueError(f"device={device!r} was requested but MPS is not available.")
    elif dev.type not in ("cpu", "cuda", "mps"):
        raise ValueError(f"device={device!r} is not supported; use 'cpu' or 'cuda'.")
    return dev


def check_unit_interval(X, loss):
    """A loss (a :class:`~skae._losses.ReconstructionLoss`) that needs data in a
    range (binary cross-entropy: [0, 1]) says so when X is not in it."""
    if loss.data_range is None or not X.size:
        return
    low, high = loss.data_range
    smallest, largest = observed_range(X)
    if smallest < low or largest > high:
        raise ValueError(
            f"loss={loss.name!r} needs X with values in [{low:g}, {high:g}]; got values in "
            f"[{smallest:.4g}, {largest:.4g}]. Scale X (e.g. with MinMaxScaler) or use "
            "loss='squared_error'."
        )


def observed_range(X):
    """The smallest and largest observed value of X, leaving out missing
    entries (NaN); ``(0, 0)`` when none is observed."""
    smallest, largest = float(X.min()), float(X.max())
    if math.isnan(smallest) or math.isnan(largest):
        observed = X[~np.isnan(X)]
        return (float(observed.min()), float(observed.max())) if observed.size else (0.0, 0.0)
    return smallest, largest


def check_training_magnitude(X, loss, name="X"):
    """Training computes squared errors in float32: a row's squares, summed
    over its features, must stay below float32's largest value, else the
    loss is infinite from the first batch. Say so, naming the data."""
    if not loss.sums_squares or not X.size:
        return
    largest = max(map(abs, observed_range(X)))
    limit = math.sqrt(float(np.finfo(np.float32).max) / X.shape[1])
    if largest > limit:
        raise ValueError(
            f"loss={loss.name!r} trains in float32: with {X.shape[1]} features, values "
            f"above {limit:.3g} in magnitude make a row's squared error overflow; got "
            f"{name} with values up to {largest:.4g}. Scale {name} (e.g. with "
            "StandardScaler)."
        )


def class_indices(classes, y, hint):
    """Index of each label of ``y`` in the sorted ``classes``; an unknown label is
    a ValueError naming it, followed by ``hint``."""
    index = np.clip(np.searchsorted(classes, y), 0, len(classes) - 1)
    unknown = classes[index] != y
    if unknown.any():
        raise ValueError(
            f"y contains labels not seen in fit: {np.unique(y[unknown]).tolist()}; {hint}"
        )
    return index


def output_width(module, name, n_inputs, training=False, n_rows=(2,)):
    """Width of ``module``'s output for batches of ``n_rows`` rows of
    ``n_inputs`` zeros (in evaluation mode unless ``training``, without
    gradients; its mode is left as it was): each must give a tensor of shape
    ``(rows, width)`` with the same width."""
    was_training = module.training
    module.train(training)
    widths = set()
    try:
        for rows in dict.fromkeys(n_rows):
            try:
                with torch.no_grad():
                    out = module(torch.zeros(rows, n_inputs))
            except Exception as exc:
                raise ValueError(
                    f"The {name} fails on a batch of shape ({rows}, {n_inputs}), a shape it is "
                    f"given in training: {type(exc).__name__}: {exc}") from exc
            if not isinstance(out, torch.Tensor) or out.ndim != 2 or len(out) != rows:
                shape = tuple(out.shape) if isinstance(out, torch.Tensor) else type(out).__name__
                raise ValueError(
                    f"The {name} must return a tensor of shape (n_samples, width); for a batch "
                    f"of shape ({rows}, {n_inputs}) it returned {shape}.")
            widths.add(out.shape[1])
    finally:
        module.train(was_training)
    if len(widths) > 1:
        raise ValueError(
            f"The {name}'s output width depends on the batch: {sorted(widths)} for batches of "
            f"{' and '.join(map(str, dict.fromkeys(n_rows)))} rows; it must not.")
    return widths.pop()


def validate_validation_data(estimator, X_val, y_val=None):
    """``validate_data`` of the validation data (and labels, if given) against
    what fit saw in X, with errors that say they are about X_val."""
    try:
        if y_val is None:
            return validate_rows(estimator, X_val, dtype=np.float32, reset=False)
        return validate_rows(estimator, X_val, y_val, dtype=np.float32, reset=False)
    except ValueError as exc:
        raise ValueError(f"Invalid X_val: {exc}") from exc
