"""The scikit-learn contract shared by every autoencoder."""

import contextlib
import copy
import dataclasses
import functools
import inspect
import re
import warnings
from abc import ABCMeta, abstractmethod
from numbers import Integral, Real

import numpy as np
import torch
from sklearn.base import (
    BaseEstimator,
    ClassNamePrefixFeaturesOutMixin,
    TransformerMixin,
    _fit_context,
    clone,
)
from sklearn.decomposition import PCA
from sklearn.exceptions import ConvergenceWarning, InconsistentVersionWarning
from sklearn.frozen import FrozenEstimator
from sklearn.utils import check_array, check_random_state
from sklearn.utils._available_if import available_if
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from ._callbacks import epoch_tasks, improves
from ._losses import RECONSTRUCTION_LOSSES, binary_entropy
from ._modules import ACTIVATIONS, WEIGHT_INITS, initialise_weights
from ._net import (
    OPTIMIZERS,
    InMemoryDataset,
    StoppingRule,
    TrainingSpec,
    resident,
    shared_cpu_threads,
    train_net,
)
from ._streaming import (
    StreamedArray,
    StreamedDataset,
    is_streamed,
    read_rows,
    summarize_rows,
)
from ._validation import (
    CallbackList,
    ShapeKeepingModule,
    SubclassOf,
    check_argument,
    check_device,
    check_training_magnitude,
    check_unit_interval,
    reject_booleans,
    validate_rows,
)


@functools.lru_cache
def inference_batch(device):
    """Rows per forward pass in transform, inverse_transform, score_samples,
    sample and the pass over the training codes: on the CPU, 512 rows keep a
    conv encoder's feature maps in cache (28x28 images: 2.4x faster than 4,096
    rows; dense modules within 15%), elsewhere 4,096."""
    return 512 if torch.device(device).type == "cpu" else 4096


# Calls on at most this many rows skip the thread policy (shared_cpu_threads).
_FEW_ROWS = 64


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


def _as_tensor(X):
    """A float32 CPU tensor sharing memory with ``X`` where it can (a
    read-only array or memmap included: skae never writes to it)."""
    X = np.ascontiguousarray(X, dtype=np.float32)
    if X.flags.writeable:
        return torch.from_numpy(X)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="The given NumPy array is not writable")
        return torch.from_numpy(X)


TRAINING_CONSTRAINTS: dict = {
    "optimizer": [StrOptions(set(OPTIMIZERS)), SubclassOf(torch.optim.Optimizer)],
    "learning_rate_init": [Interval(Real, 0, None, closed="neither")],
    "learning_rate": [StrOptions({"constant", "plateau", "cosine"})],
    "momentum": [Interval(Real, 0, 1, closed="both")],
    "nesterovs_momentum": ["boolean"],
    "weight_decay": [Interval(Real, 0, None, closed="left")],
    "optimizer_params": [dict, None],
    "batch_size": [Interval(Integral, 1, None, closed="left")],
    "max_iter": [Interval(Integral, 1, None, closed="left")],
    "shuffle": ["boolean"],
    "weight_l1": [Interval(Real, 0, None, closed="left")],
    "callbacks": [CallbackList(), None],
    "random_state": ["random_state"],
    "verbose": ["verbose"],
    "device": [str, torch.device],
}


# The loss-based stopping rule and warm starts, of every family but DEC.
STOPPING_CONSTRAINTS: dict = {
    "early_stopping": ["boolean"],
    "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
    "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
    "tol": [Interval(Real, 0, None, closed="left"), None],
    "warm_start": ["boolean"],
}


def fit_context(prefer_skip_nested_validation):
    """scikit-learn's ``_fit_context`` for ``fit``, and a fit that raises (a
    diverging net, a failing callback, Ctrl-C) leaves the estimator as it
    was before the call: fitted as before, or unfitted.

    Restoring the attributes is enough because a fit only rebinds them:
    ``_train`` continues a warm start on a copy of ``net_``.
    """
    def decorator(fit):
        @functools.wraps(fit)
        def fit_or_restore(self, *args, **kwargs):
            reject_booleans(self)
            state = dict(vars(self))
            try:
                return fit(self, *args, **kwargs)
            except BaseException:
                # scikit-learn tears its callbacks down after this: keep what it needs.
                teardown = {k: v for k, v in vars(self).items()
                            if k in ("_callback_fit_ctx", "_skl_callbacks_to_teardown")}
                vars(self).clear()
                vars(self).update(state, **teardown)
                raise

        return _fit_context(prefer_skip_nested_validation=prefer_skip_nested_validation)(
            fit_or_restore)

    return decorator


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


def _build_within_memory(estimator, build, rows):
    """``build(rows)``, with the allocator's failure to hold the network's
    weights (layer sizes beyond the machine's memory) as a MemoryError that
    names the estimator's size parameters."""
    try:
        return build(rows)
    except RuntimeError as exc:
        text = str(exc)
        if not (isinstance(exc, _OUT_OF_MEMORY) or "can't allocate memory" in text):
            raise
        asked = re.search(r"allocate (\d+) bytes", text)
        size = ("" if asked is None
                else f" (one of its tensors alone needs {int(asked[1]):.3g} bytes)")
        params = estimator.get_params(deep=False)
        sizes = ", ".join(f"{name}={params[name]!r}" for name in _SIZE_PARAMETERS
                          if params.get(name) is not None)
        raise MemoryError(
            f"The network of {type(estimator).__name__} does not fit in memory{size}: its "
            f"layers are too large for this machine ({sizes}). Use smaller layers.") from exc


# torch.OutOfMemoryError from torch 2.5 on; CUDA's alone before.
_OUT_OF_MEMORY = getattr(torch, "OutOfMemoryError", torch.cuda.OutOfMemoryError)
# The parameters that set a built-in network's layer sizes.
_SIZE_PARAMETERS = ("n_components", "hidden_layer_sizes", "channels")


def _same_value(a, b):
    """Whether two parameter values are the same: one object, or equal plain
    values (an array compared element-wise counts as changed)."""
    if a is b:
        return True
    try:
        return bool(a == b)
    except (TypeError, ValueError):
        return False


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
            chunk = X[start:stop] if rows is None else X[rows[start:stop]]
            yield chunk.float() if torch.is_tensor(chunk) else _as_tensor(chunk)


def _tensors(X, condition=None, target=None):
    """The arrays of a dataset as tensors sharing their memory (None stays None)."""
    return (_as_tensor(X), None if condition is None else _as_tensor(condition),
            None if target is None else torch.from_numpy(target))


def validate_validation_data(estimator, X_val, y_val=None):
    """``validate_data`` of the validation data (and labels, if given) against
    what fit saw in X, with errors that say they are about X_val."""
    try:
        if y_val is None:
            return validate_rows(estimator, X_val, dtype=np.float32, reset=False)
        return validate_rows(estimator, X_val, y_val, dtype=np.float32, reset=False)
    except ValueError as exc:
        raise ValueError(f"Invalid X_val: {exc}") from exc


def unfrozen(autoencoder):
    """The estimator inside a :class:`~sklearn.frozen.FrozenEstimator`, else
    ``autoencoder`` itself: what a wrapper checks the type of."""
    return autoencoder.estimator if isinstance(autoencoder, FrozenEstimator) else autoencoder


def pretrain(autoencoder, X, seed):
    """A clone of ``autoencoder`` fitted on X; seeded with ``seed`` (an int or
    a ``random_state``) when its ``random_state`` is None, so the caller's
    seed reproduces it.

    An autoencoder wrapped in :class:`~sklearn.frozen.FrozenEstimator` is
    already trained: it is returned as it is, neither cloned nor refitted,
    once it is known to be fitted on X's number of features."""
    if isinstance(autoencoder, FrozenEstimator):
        fitted = autoencoder.estimator
        check_is_fitted(fitted, msg=(
            f"The FrozenEstimator autoencoder wraps an unfitted {type(fitted).__name__}; "
            "fit it before freezing it, or pass it unfrozen to have it fitted here."))
        if fitted.n_features_in_ != X.shape[1]:
            raise ValueError(
                f"X has {X.shape[1]} features, but the FrozenEstimator autoencoder was "
                f"fitted on {fitted.n_features_in_} features.")
        return fitted
    autoencoder = clone(autoencoder)
    if "random_state" in autoencoder.get_params() and autoencoder.random_state is None:
        if not isinstance(seed, Integral):
            seed = int(check_random_state(seed).randint(np.iinfo(np.int32).max))
        autoencoder.set_params(random_state=seed)
    return autoencoder.fit(X)


try:  # scikit-learn >= 1.9: set_callbacks(...), e.g. sklearn.callback.ProgressBar
    from sklearn.callback import CallbackSupportMixin
except ImportError:  # an older scikit-learn has no callback API

    class CallbackSupportMixin:
        """Stands in for scikit-learn's callback support where it has none."""


class _VersionWarning(InconsistentVersionWarning):
    """scikit-learn's warning of an estimator unpickled under other versions
    than it was saved with, naming skae's and torch's."""

    def __init__(self, *, estimator_name, saved, current):
        super().__init__(estimator_name=estimator_name, current_sklearn_version=current[0],
                         original_sklearn_version=saved[0])
        self.saved, self.current = saved, current

    def __str__(self):
        return (f"Trying to unpickle {self.estimator_name} saved with skae {self.saved[0]} "
                f"(torch {self.saved[1]}) under skae {self.current[0]} (torch "
                f"{self.current[1]}): parameters and fitted state may differ between skae "
                "versions, so results may be wrong or methods fail. Refit it, or load it "
                "with the skae version that saved it.")


def _versions():
    from . import __version__

    return __version__, torch.__version__


class NetTrainingMixin(CallbackSupportMixin):
    """Training through the skorch engine, shared by every skae estimator.

    The estimator has the training parameters of ``TRAINING_CONSTRAINTS``;
    :meth:`_training_spec` turns them into the engine's
    :class:`~skae._net.TrainingSpec` (a family adds its callbacks through
    ``_training_callbacks`` and its own stopping rule through ``_stopping``),
    and ``_train`` builds and fits ``net_`` from that spec and sets the
    fitted curves. Where scikit-learn has its (experimental)
    callback API, the fit is a task whose subtasks are the epochs: callbacks
    given with ``set_callbacks``, or propagated by a Pipeline or a search,
    see each epoch begin and end, and one that asks to stop ends the training
    after that epoch.
    """

    def __getstate__(self):
        state = super().__getstate__()
        state["_skae_versions"] = _versions()  # skae's and torch's, checked on loading
        return state

    def __setstate__(self, state):
        saved = state.pop("_skae_versions", None)
        current = _versions()
        if saved is not None and tuple(saved)[0] != current[0]:
            warnings.warn(_VersionWarning(estimator_name=type(self).__name__,
                                          saved=tuple(saved), current=current))
        super().__setstate__(state)

    def _begin_sklearn_callbacks(self, X, epochs):
        """The root task of scikit-learn's callbacks for this fit, begun; None
        where scikit-learn has no callback API."""
        if not hasattr(self, "_init_callback_context"):
            return None
        context = self._init_callback_context(max_subtasks=epochs)
        context.call_on_fit_task_begin(estimator=self, X=X)
        return context

    def _check_batch_norm(self, n_samples):
        """Batch norm needs at least two samples in every training batch."""
        if self.batch_norm and n_samples < 2:
            raise ValueError(
                f"batch_norm=True needs at least 2 training samples; got n_samples={n_samples}."
            )
        if self.batch_norm and self.batch_size < 2:
            raise ValueError(
                "batch_norm=True needs batches of at least 2 samples; got batch_size="
                f"{self.batch_size}."
            )

    def _training_callbacks(self):
        """Family-specific skorch callbacks, as ``(name, callback)`` pairs."""
        return []

    def _stopping(self):
        """The stopping rule and the share of X held out for it: the validation
        loss with early stopping (restoring the best weights), else the
        training loss."""
        monitor = "valid_loss" if self.early_stopping else "train_loss"
        return (StoppingRule(monitor, self.n_iter_no_change, self.tol),
                self.validation_fraction if self.early_stopping else None)

    def _training_spec(self, callbacks=()):
        """The one place where the estimator's parameters become the engine's
        :class:`~skae._net.TrainingSpec`; ``callbacks`` are ``(name, callback)``
        pairs made for this fit, after the family's and before the user's
        copies."""
        optimizer, optimizer_params = self._optimizer()
        stopping, validation_fraction = self._stopping()
        return TrainingSpec(
            optimizer=optimizer,
            optimizer_params=optimizer_params,
            learning_rate=self.learning_rate_init,
            schedule=self.learning_rate,
            max_epochs=self.max_iter,
            batch_size=self.batch_size,
            shuffle=self.shuffle,
            stopping=stopping,
            validation_fraction=validation_fraction,
            random_state=self.random_state,
            device=check_device(self.device),
            weight_l1=self.weight_l1,
            verbose=self.verbose,
            callbacks=(*self._training_callbacks(), *callbacks),
            user_callbacks=tuple(copy.deepcopy(self.callbacks or [])),
        )

    def _optimizer(self):
        """The optimizer class and its keyword arguments besides the step size;
        a ValueError names any that it does not take."""
        optimizer = OPTIMIZERS.get(self.optimizer, self.optimizer)
        accepted = set(inspect.signature(optimizer).parameters) - {"self", "params", "lr"}
        params = {}
        if "weight_decay" in accepted:
            params["weight_decay"] = self.weight_decay
        elif self.weight_decay:
            raise ValueError(
                f"optimizer={optimizer.__name__} takes no weight_decay; got "
                f"weight_decay={self.weight_decay!r}. Set weight_decay=0 or choose "
                "another optimizer.")
        if optimizer is torch.optim.SGD:
            params["momentum"] = self.momentum
            params["nesterov"] = self.nesterovs_momentum and self.momentum > 0
        owned = {"lr": "learning_rate_init", "weight_decay": "weight_decay",
                 "momentum": "momentum", "nesterov": "nesterovs_momentum"}
        for key, value in (self.optimizer_params or {}).items():
            if key == "lr" or key in params:
                raise ValueError(
                    f"optimizer_params sets {key!r}, which the parameter {owned[key]} sets; "
                    f"use {owned[key]}.")
            if key not in accepted:
                raise ValueError(
                    f"optimizer_params has {key!r}, which optimizer={optimizer.__name__} "
                    f"does not take; it takes {sorted(accepted)}.")
            params[key] = value
        # An optimizer that cannot step a dense parameter (SparseAdam, the base
        # class, betas=(0.9,)) fails here, by name, rather than inside torch at
        # the first batch. skorch passes each step a closure, as here.
        probe = torch.zeros(2, requires_grad=True)
        try:
            trial = optimizer([probe], lr=self.learning_rate_init, **params)
            probe.grad = torch.zeros_like(probe)
            trial.step(lambda: probe.detach().sum())
        except Exception as exc:
            given = (f" with optimizer_params={self.optimizer_params!r}"
                     if self.optimizer_params else "")
            raise ValueError(
                f"optimizer={optimizer.__name__}{given} cannot train: a step on a dense "
                f"parameter fails with {type(exc).__name__}: {exc}") from exc
        return optimizer, params

    @staticmethod
    def _split(spec, n_samples, rng):
        """Indices of the training and validation parts (no validation
        without a ``validation_fraction``)."""
        if spec.validation_fraction is None:
            return slice(None), None
        n_valid = int(round(spec.validation_fraction * n_samples))
        if n_valid < 1 or n_valid >= n_samples:
            raise ValueError(
                f"early_stopping=True with validation_fraction={spec.validation_fraction} "
                f"leaves {n_valid} of n_samples={n_samples} samples for validation; it "
                "needs at least one sample in each of the training and validation parts."
            )
        order = rng.permutation(n_samples)
        return order[n_valid:], order[:n_valid]

    def _train(self, X, build, warm, condition=None, target=None, validation=None,
               incremental=False, callbacks=()):
        """Fit ``net_`` on X (its own target unless ``target`` is given), as the
        estimator's :meth:`_training_spec` says.

        ``build(train_rows)`` returns ``(module, criterion)`` for a new net;
        with ``warm`` the existing net trains ``max_iter`` more epochs.
        ``incremental`` (``partial_fit``) trains one epoch on all of X, with no
        validation split, no stopping rule and no convergence warning.
        ``validation``, ``(X_val, condition_val, target_val)`` with None for
        what the family does not have, is evaluated after every epoch
        instead of a ``validation_fraction`` of X. ``callbacks`` are made for
        this fit (see :meth:`_training_spec`). Sets the fitted curves and
        returns the seed drawn from ``random_state``.
        """
        spec = self._training_spec(callbacks)  # its errors before any training
        device = spec.device
        n_iter_before = self.n_iter_ if warm else 0
        rng = check_random_state(spec.random_state)
        seed = int(rng.randint(np.iinfo(np.int32).max))
        no_split = validation or incremental
        train, valid = (slice(None), None) if no_split else self._split(spec, len(X), rng)
        epochs = 1 if incremental else spec.max_epochs
        streamed = isinstance(X, StreamedArray)
        data = None if streamed else resident(_tensors(X, condition, target), device)

        def dataset(rows):
            # The training and validation parts index the data: no copy of X.
            rows = None if isinstance(rows, slice) else rows
            return StreamedDataset(X, rows) if streamed else InMemoryDataset(*data, rows=rows)

        if validation:
            valid_set = InMemoryDataset(*resident(_tensors(*validation), device))
        else:
            valid_set = None if valid is None else dataset(valid)
        if spec.stopping is not None and not incremental:
            spec = self._with_loss_floor(spec, X if data is None else data, train, valid,
                                         validation)
        sklearn_callbacks = self._begin_sklearn_callbacks(X, epochs)
        self.net_ = train_net(
            spec, lambda: _build_within_memory(self, build, train), dataset(train), valid_set,
            seed,
            warm_net=self.net_ if warm else None, incremental=incremental,
            tasks=lambda net: epoch_tasks(net, sklearn_callbacks, self))
        if not warm:  # what a warm start will continue (_check_warm_start)
            self._built_with = self.get_params(deep=False)
        if sklearn_callbacks is not None:
            sklearn_callbacks.call_on_fit_task_end(estimator=self, X=X)

        history = self.net_.history
        self.n_iter_ = len(history)
        self.loss_curve_ = list(history[:, "train_loss"])
        self.loss_terms_curve_ = {t: list(history[:, f"train_{t}"])
                                  for t in self.net_.training_term_names}
        self.validation_loss_curve_ = self._history_curve("valid_loss")
        self.validation_loss_terms_curve_ = (
            None if self.validation_loss_curve_ is None
            else {t: self._history_curve(f"valid_{t}")
                  for t in self.net_.training_term_names})
        stopper = dict(self.net_.callbacks_).get("early_stopping")
        self.best_epoch_ = None if stopper is None else stopper.best_epoch_
        if not incremental and self.n_iter_ - n_iter_before == spec.max_epochs:
            self._warn_if_not_converged(spec, X, condition)
        return seed

    def _loss_floor(self, target, rows):
        """The lowest value the training objective can take on the rows
        ``rows`` (all for None) of ``target``, per sample as the objective is
        averaged: what the stopping rule's ``tol`` is relative to. 0 unless a
        family's loss stays above 0 on a perfect model."""
        return 0.0

    def _with_loss_floor(self, spec, data, train, valid, validation):
        """``spec`` with its stopping rule's floor: the loss floor of the
        targets it monitors (the validation rows with early stopping, else
        the training rows). ``data`` is the ``(X, condition, target)``
        tensors, or the streamed X (its own target)."""
        def targets(tensors):
            return tensors[0] if tensors[2] is None else tensors[2]

        watches_validation = spec.stopping.monitor == "valid_loss"
        if validation and watches_validation:
            monitored, rows = targets(validation), None
        else:
            monitored = data if isinstance(data, StreamedArray) else targets(data)
            rows = valid if watches_validation else train
        rows = None if isinstance(rows, slice) else rows
        floor = float(self._loss_floor(monitored, rows))
        return dataclasses.replace(
            spec, stopping=dataclasses.replace(spec.stopping, floor=floor))

    def _history_curve(self, key):
        """``key`` of every epoch of the history, NaN for the epochs without it
        (a warm start that added validation data), or None if none has it."""
        values = [float(row.get(key, np.nan)) for row in self.net_.history]
        return None if all(np.isnan(values)) else values

    def _warn_if_not_converged(self, spec, X, condition):
        """ConvergenceWarning, as in MLPRegressor, after all ``max_iter`` epochs
        when the monitored loss (validation with early stopping, else training)
        still improved by more than ``tol`` (relative) within the last
        ``n_iter_no_change`` epochs; with what :meth:`_unlearned_note` says of
        the model trained on X."""
        rule = spec.stopping
        early = rule.monitor == "valid_loss"
        curve = self.validation_loss_curve_ if early else self.loss_curve_
        recent, earlier = curve[-rule.n_iter_no_change:], curve[:-rule.n_iter_no_change]
        if rule.tol is None:  # a fixed budget: no rule, no warning that it ran out
            self._check_settled_fit(X, condition)
        elif improves(min(recent), min(earlier or curve[:1]), rule.tol, rule.floor):
            which = "validation" if early else "training"
            warnings.warn(
                f"{type(self).__name__} reached max_iter={spec.max_epochs} epochs while the "
                f"{which} loss still improved by more than tol={rule.tol} (relative) within "
                f"the last n_iter_no_change={rule.n_iter_no_change} epochs. Increase "
                f"max_iter{'' if early else ' or set early_stopping=True'}."
                f"{self._unlearned_note(X, condition)}", ConvergenceWarning)
        elif earlier:  # settled: more epochs than n_iter_no_change, no improvement
            self._check_settled_fit(X, condition)

    def _unlearned_note(self, X, condition):
        """What a family adds to the warning of a fit that ran out of epochs;
        nothing by default."""
        return ""

    def _check_settled_fit(self, X, condition):
        """What a family checks of a fit whose loss settled as ``max_iter``
        ended; nothing by default."""

    # What a warm start takes from the parameters as they are now: the number
    # of epochs to add and the seed of their shuffles. It continues the
    # network, optimizer and callbacks that the first fit built with the others.
    _WARM_START_APPLIES = frozenset({"max_iter", "random_state", "warm_start"})

    def _check_warm_start(self):
        """Whether this fit continues the last one; a ValueError names the
        parameters changed since the fit that built the network, which the
        continuation would not apply."""
        warm = self.warm_start and hasattr(self, "net_")
        if not warm:
            return False
        if self.early_stopping != ("early_stopping" in dict(self.net_.callbacks_)):
            raise ValueError(
                "warm_start=True continues the first fit's training, which had "
                f"early_stopping={not self.early_stopping}; got early_stopping="
                f"{self.early_stopping}. Set warm_start=False to train anew."
            )
        built = self.__dict__.get("_built_with", {})
        changed = [(name, value, built[name])
                   for name, value in self.get_params(deep=False).items()
                   if name in built and name not in self._WARM_START_APPLIES
                   and not _same_value(value, built[name])]
        if changed:
            raise ValueError(
                "warm_start=True continues the network, optimizer and callbacks of the fit "
                "that built them, which had "
                + ", ".join(f"{name}={old!r}" for name, _, old in changed) + "; got "
                + ", ".join(f"{name}={new!r}" for name, new, _ in changed)
                + ". Set them back, or set warm_start=False to train anew (only max_iter "
                "and random_state apply to a continued fit)."
            )
        return True

    @property
    def module_(self):
        """The trained torch module (``net_.module_``)."""
        return self.net_.module_

    def _forward_batches(self, fn, *arrays, batch_size=None, dtype=np.float32, compute=None):
        """Apply ``fn(module, *chunks)`` to row chunks of the arrays with a
        copy of the trained module in evaluation mode; returns a ``dtype`` array.

        The copy (prepared once per trained state by
        :meth:`~skae._net.AutoencoderNet.inference_module`) computes in
        ``compute``, by default :func:`inference_dtype` (float64 on the
        CPU), so that a row's result does not depend on the other rows it is
        computed with, and values near float32's limit do not overflow. As
        training, it uses no more torch threads than the cores other
        processes leave idle.
        """
        device = self.net_.device
        compute = compute or inference_dtype(device)
        module = self.net_.inference_module(compute)
        batch_size = batch_size or inference_batch(device)
        chunks = zip(*(row_chunks(a, batch_size) for a in arrays))
        # A call of one small chunk (one row served) runs on torch's threads
        # as they are: sampling the cores costs more than its forward pass.
        threads = (shared_cpu_threads() if len(arrays[0]) > _FEW_ROWS
                   else contextlib.nullcontext())
        # Fresh tensors (copy=True: float32 chunks are views of X), so that a
        # module writing to its input cannot change the caller's data.
        with torch.inference_mode(), threads:
            out = [fn(module, *(c.to(device=device, dtype=compute, copy=True)
                                for c in chunk)).cpu()
                   for chunk in chunks]
        out = (out[0] if len(out) == 1 else torch.cat(out)).numpy()
        with np.errstate(over="ignore"):  # _check_cast names the rows instead
            result = out.astype(dtype, copy=False)
        if result is not out and not np.isfinite(result).all():
            self._check_cast(out, result)
        return result

    def _check_cast(self, out, result):
        """ValueError when rounding ``out`` to ``result``'s dtype made finite
        values infinite: rows far outside the training data's range."""
        overflow = np.isinf(result) & np.isfinite(out)
        if overflow.any():
            rows = np.flatnonzero(overflow.reshape(len(out), -1).any(axis=1))
            raise ValueError(
                f"{type(self).__name__} computed results beyond {result.dtype}'s range (up "
                f"to {np.abs(out[overflow]).max():.4g}) for rows {rows[:10].tolist()}"
                f"{' and more' if len(rows) > 10 else ''} of its input: their values lie "
                "far outside the data it was fitted on. Scale them as that data was.")


class BaseAutoencoder(
    NetTrainingMixin, ClassNamePrefixFeaturesOutMixin, TransformerMixin, BaseEstimator,
    metaclass=ABCMeta,
):
    """The contract of every autoencoder; not for direct use.

    Training (``fit``, ``partial_fit``), encoding and decoding, ``score``,
    ``sample`` and latent traversals, on the hooks that a family base
    provides: ``_build_module`` and ``_build_criterion`` (what is trained),
    ``score_samples``, ``_sample_codes`` and ``_code_centre_and_scale`` (the
    latent space it samples from), and ``_after_training`` (what ``sample``
    needs fitted). :class:`~skae._autoencoder.BaseDeterministicAutoencoder`
    and :class:`~skae._vae.BaseVariationalAutoencoder` are those bases; an
    estimator adds its architecture (``_encoder_decoder``) and ``__init__``.
    """

    _parameter_constraints: dict = {
        "n_components": [Interval(Integral, 1, None, closed="left")],
        "encoder": [torch.nn.Module, None],
        "decoder": [torch.nn.Module, None],
        "activation": [StrOptions(set(ACTIVATIONS)), ShapeKeepingModule()],
        "dropout": [Interval(Real, 0, 1, closed="left")],
        "batch_norm": ["boolean"],
        "output_activation": [StrOptions(set(ACTIVATIONS)), None],
        "weight_init": [StrOptions(set(WEIGHT_INITS)), None],
        "loss": [StrOptions(set(RECONSTRUCTION_LOSSES))],
        **TRAINING_CONSTRAINTS,
        **STOPPING_CONSTRAINTS,
    }

    # ------------------------------------------------------------------ hooks

    @abstractmethod
    def _encoder_decoder(self, n_features):
        """Return ``(encoder, decoder)`` torch modules for ``n_features`` inputs."""

    def _check_input(self, X, name="X"):
        """Checks of the validated training data (``name``: X or X_val); a
        family adds its own."""
        check_unit_interval(X, self.loss)
        check_training_magnitude(X, self.loss, name)
        if self.loss == "binary_crossentropy" and self.output_activation not in (None,
                                                                                 "sigmoid"):
            raise ValueError(
                f"loss='binary_crossentropy' needs a sigmoid on the output; got "
                f"output_activation={self.output_activation!r}. Leave it None, or use "
                "loss='squared_error'.")

    def _output_activation(self):
        """The decoder's output activation: ``output_activation``, or the loss's own."""
        return self.output_activation or RECONSTRUCTION_LOSSES[self.loss][1]

    # Whether the reconstruction term sums its element-wise loss over the
    # features (a likelihood, in nats per sample) rather than averaging it.
    _sums_over_features = False

    def _loss_floor(self, target, rows):
        """Binary cross-entropy cannot fall below the entropy of its targets,
        which grey values (neither 0 nor 1) make large: the stopping rule
        measures improvement above it. Squared error can reach 0."""
        if self.loss != "binary_crossentropy":
            return 0.0
        total, n_rows = 0.0, 0
        for block in row_chunks(target, 8192, rows):
            entropy = binary_entropy(block)
            per_sample = entropy.sum(1) if self._sums_over_features else entropy.mean(1)
            total, n_rows = total + float(per_sample.sum()), n_rows + len(block)
        return total / max(n_rows, 1)

    def _n_conditions(self):
        """Width of the condition appended to the encoder's and decoder's inputs."""
        return 0

    def _has_user_modules(self):
        return self.encoder is not None or self.decoder is not None

    def _user_modules(self, data, code=True):
        """Copies of the ``encoder`` and ``decoder`` parameters, float32 on the
        CPU, checked on batches of zeros of 2 rows and of a training batch's
        rows (at most 1,024) for the training rows summarised by ``data``: the
        decoder must map codes to ``n_features`` columns, and the encoder give
        ``n_components`` columns (``code=True``) or any width (a variational
        encoder's, under its head). Returns ``(encoder, decoder, encoder_width)``."""
        if self.encoder is None or self.decoder is None:
            given, missing = (("encoder", "decoder") if self.decoder is None
                              else ("decoder", "encoder"))
            raise ValueError(
                f"encoder and decoder go together: got only your {given}; pass your own "
                f"{missing} as well, or neither to use the built-in architecture.")
        for name in ("encoder", "decoder"):
            module = getattr(self, name)
            if any(t.is_meta for t in (*module.parameters(), *module.buffers())):
                raise ValueError(
                    f"Your {name} has tensors on the meta device, which hold no values; "
                    "build it on the CPU (or call .to_empty(device='cpu') and initialise "
                    "its weights) before passing it.")
        n_features, n_conditions = data.n_features, self._n_conditions()
        n_rows = (2, max(1, min(self.batch_size, data.n_samples, 1024)))
        encoder = copy.deepcopy(self.encoder).float().cpu()
        decoder = copy.deepcopy(self.decoder).float().cpu()
        width = output_width(encoder, "encoder", n_features + n_conditions, n_rows=n_rows)
        if code and width != self.n_components:
            raise ValueError(
                f"The encoder outputs codes of width {width}, but n_components="
                f"{self.n_components}; set n_components={width}.")
        out = output_width(decoder, "decoder", self.n_components + n_conditions,
                           n_rows=n_rows)
        if out != n_features:
            raise ValueError(
                f"The decoder outputs rows of width {out}, but X has {n_features} "
                "features; it must map the codes back to the features of X.")
        return encoder, decoder, width

    @abstractmethod
    def _build_module(self, data):
        """The torch module for training rows summarised by ``data`` (a
        :class:`~skae._streaming.DataSummary`)."""

    def _new_module(self, data):
        """:meth:`_build_module`'s module, its built-in layers initialised as
        ``weight_init`` says (your own modules keep the weights they have)."""
        module = self._build_module(data)
        if not self._has_user_modules():
            initialise_weights(module, self.weight_init)
        return module

    @abstractmethod
    def _build_criterion(self):
        """The criterion: ``(objective, named terms)`` of a batch."""

    # -------------------------------------------------------------- training

    def _condition(self, X, y, reset):
        """The per-sample condition fed to the module with X, or None.

        Unconditional families ignore ``y``.
        """
        return None

    def _training_data(self, X, y, reset, stream=False):
        """X (float32) and its condition, checked as ``fit`` and ``partial_fit``
        take them. With ``stream``, an unconditional family keeps a memory-mapped
        or out-of-memory X (:func:`~skae._streaming.is_streamed`) where it is,
        as a :class:`~skae._streaming.StreamedArray` read a block at a time;
        its values are checked in one pass (NaN or infinity named by row)."""
        if stream and self._is_unconditional() and is_streamed(X):
            X = self._validated_stream(X, reset)
            X.summary()
        else:
            X = validate_rows(self, X, dtype=np.float32, reset=reset)
        condition = self._condition(X, y, reset=reset)
        self._check_input(X)
        self._check_batch_norm(len(X))
        return X, condition

    def _validated_stream(self, X, reset):
        """X as a :class:`~skae._streaming.StreamedArray`, after the checks of
        ``validate_data`` that need no pass over its values."""
        dtype = np.dtype(X.dtype)
        if dtype.kind not in "biuf":
            raise ValueError(f"X has dtype {dtype}; a streamed X needs numbers.")
        n_samples, n_features = X.shape
        if n_samples < 1 or n_features < 1:
            raise ValueError(f"Found array with shape {tuple(X.shape)}; at least one sample "
                             "and one feature are required.")
        validate_rows(self, X, skip_check_array=True, reset=reset)
        return StreamedArray(X)

    def _builder(self, X):
        """``build(rows)`` for ``_train``: the module for the training rows of X
        and the criterion."""

        def build(rows):
            self._n_features_out = self.n_components
            summary = (X.summary(rows) if isinstance(X, StreamedArray)
                       else summarize_rows(X, rows))
            return self._new_module(summary), self._build_criterion()

        return build

    def _validation_condition(self, X_val, y_val):
        """The condition of the validation rows, or None (unconditional)."""
        return None

    def _after_training(self, X, condition, seed):
        """Fit what :meth:`sample` needs, once the network is trained."""

    @fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None, *, X_val=None, y_val=None):
        """Train the autoencoder on X.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data; converted to float32. A ``np.memmap`` (e.g. from
            ``np.load(path, mmap_mode="r")``) or an array-like that is not in
            memory (an h5py dataset, a zarr array: anything with ``shape``,
            ``dtype`` and slicing) is read and converted a block at a time,
            never whole; see "Data larger than memory" in the user guide.
        y : None
            Ignored; present for API consistency.
        X_val : array-like of shape (n_val_samples, n_features), default=None
            Validation data, scored after every epoch into
            ``validation_loss_curve_``; it is never trained on. With
            ``early_stopping=True`` it replaces the ``validation_fraction``
            held out of X; without, the curve is recorded and the last
            epoch's weights are kept.
        y_val : None
            Ignored; present for API consistency.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        warm = self._check_warm_start()
        X, condition = self._training_data(X, y, reset=not warm, stream=True)
        validation = None
        if X_val is not None:
            X_val = validate_validation_data(self, X_val)
            self._check_input(X_val, "X_val")
            validation = (X_val, self._validation_condition(X_val, y_val), None)
        n_iter_before = self.n_iter_ if warm else 0
        seed = self._train(X, self._builder(X), warm, condition=condition,
                           validation=validation)
        self._after_training(X, condition, seed)
        if self.n_iter_ - n_iter_before < self.max_iter:  # stopped: converged
            self._warn_if_collapsed(X, condition)
        return self

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
        spread = float(np.var(rows, axis=0, dtype=np.float64).sum())
        if spread == 0:
            return None
        # Through the module, not transform: rows are validated arrays, and a
        # DataFrame's fit would warn that they have no feature names.
        if condition is None:
            reconstructions = self._forward_batches(lambda m, x: m.decode(m.encode(x)), rows)
        else:
            reconstructions = self._forward_batches(
                lambda m, x, c: m.decode(m.encode(x, c), c), rows, condition)
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

    def _is_unconditional(self):
        return not self.__sklearn_tags__().target_tags.required

    @available_if(_is_unconditional)
    @fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y=None):
        """Train for one pass over X, continuing the network of earlier calls.

        The first call builds the network; each call then trains it for one
        epoch on X, keeping the optimizer's state (and the ``"plateau"``
        schedule's; under ``"cosine"`` the step stays at
        ``learning_rate_init``) from call to call, so a loop over blocks of
        data that do not fit in memory together trains one model. Nothing is held out
        (no early stopping) and no stopping rule applies: the caller decides
        how many passes. ``n_iter_`` and the curves grow by one epoch per
        call; the same ``random_state`` gives the same sequence of models.
        ``sample`` draws from a density fitted to the codes of the last block.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            One block of training data; converted to float32.
        y : None
            Ignored; present for API consistency.

        Returns
        -------
        self : object
            The estimator, trained one more epoch.
        """
        first = not hasattr(self, "net_")
        X, condition = self._training_data(X, y, reset=first)
        seed = self._train(X, self._builder(X), warm=not first, condition=condition,
                           incremental=True)
        self._after_training(X, condition, seed)
        return self

    def _untrained_module(self, X):
        """The float32 module that ``fit`` would train on X (unconditional
        families), with its initial weights drawn from torch's generator.

        For ``AutoencoderClassifier(pretrain=False)``, on a clone: checks the
        parameters and X as ``fit`` does, and sets ``n_features_in_``.
        """
        self._validate_params()
        reject_booleans(self)
        X = validate_rows(self, X, dtype=np.float32)
        self._check_input(X)
        return self._new_module(summarize_rows(X, slice(None))).float()

    # ------------------------------------------------------------- inference

    def transform(self, X):
        """Encode X into codes.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Input data.

        Returns
        -------
        codes : ndarray of shape (n_samples, n_components)
            The codes, float32.
        """
        check_is_fitted(self)
        return self._forward_batches(lambda m, x: m.encode(x), self._inference_X(X))

    def _inference_X(self, X):
        """X checked against the fitted estimator for inference: float32, or a
        :class:`~skae._streaming.StreamedArray` read a chunk at a time."""
        if is_streamed(X):
            return self._validated_stream(X, reset=False)
        return validate_rows(self, X, dtype=np.float32, reset=False)

    def inverse_transform(self, X):
        """Decode codes back to input space.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_components)
            Codes, as returned by :meth:`transform`.

        Returns
        -------
        X_reconstructed : ndarray of shape (n_samples, `n_features_in_`)
            The decoded inputs, float32.
        """
        check_is_fitted(self)
        Z = check_array(X, dtype=np.float32, input_name="X")
        if Z.shape[1] != self._n_features_out:
            raise ValueError(
                f"inverse_transform expects codes with {self._n_features_out} columns "
                f"(n_components); got X with {Z.shape[1]} columns."
            )
        return self._forward_batches(lambda m, z: m.decode(z), Z)

    @abstractmethod
    def score_samples(self, X):
        """The score of each sample (higher is better)."""

    @abstractmethod
    def _score_rows(self, X):
        """:meth:`score_samples` of rows already validated against this
        estimator, for a wrapper that validated them for itself."""

    def score(self, X, y=None):
        """Mean score of the samples (higher is better): minus the
        reconstruction error for an autoencoder, the ELBO in nats for a
        variational one (see :meth:`score_samples`).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Input data.
        y : None
            Ignored; present for API consistency.

        Returns
        -------
        score : float
            The mean of :meth:`score_samples`.
        """
        return float(np.mean(self.score_samples(X)))

    def sample(self, n_samples=1, random_state=None):
        """Generate new inputs by decoding codes drawn from the latent density.

        The density (``latent_density``) was fitted to the training codes.

        Parameters
        ----------
        n_samples : int, default=1
            Number of samples to generate.
        random_state : int, RandomState instance or None, default=None
            Seed of the draw; the same value gives the same samples.

        Returns
        -------
        X_new : ndarray of shape (n_samples, `n_features_in_`)
            Generated inputs, float32.
        """
        check_is_fitted(self)
        check_argument(n_samples, "n_samples", Integral, min_val=1)
        rng = check_random_state(random_state)
        codes = self._sample_codes(n_samples, rng)
        return self._forward_batches(lambda m, z: m.decode(z), codes)

    @abstractmethod
    def _code_centre_and_scale(self):
        """Centre and standard deviation of the codes along each dimension."""

    def _traversal_codes(self, X, dimensions, n_steps, span, encode=None):
        """Codes of shape (n_dimensions, n_steps, n_components) for a traversal,
        around ``encode(X)`` (by default ``transform(X)``)."""
        check_is_fitted(self)
        check_argument(n_steps, "n_steps", Integral, min_val=1)
        check_argument(span, "span", Real, min_val=0)
        centre, scale = self._code_centre_and_scale()
        if X is not None:
            codes = (encode or self.transform)(X)
            if len(codes) != 1:
                raise ValueError(
                    f"latent_traversal moves around the code of one sample; got X with "
                    f"{len(codes)} samples. Pass X[[i]] for sample i."
                )
            centre = codes[0]
        if dimensions is None:
            dimensions = np.arange(self.n_components)
        dimensions = np.asarray(dimensions)
        if (dimensions.ndim != 1 or not np.issubdtype(dimensions.dtype, np.integer)
                or (dimensions < 0).any() or (dimensions >= self.n_components).any()):
            raise ValueError(
                f"dimensions must be a 1-D array of ints in [0, n_components="
                f"{self.n_components}); got {dimensions.tolist()!r}."
            )
        offsets = np.linspace(-span, span, n_steps)
        codes = np.tile(np.asarray(centre, dtype=np.float64), (len(dimensions), n_steps, 1))
        for row, dim in enumerate(dimensions):
            codes[row, :, dim] += offsets * scale[dim]
        return codes.astype(np.float32)

    def latent_traversal(self, X=None, *, dimensions=None, n_steps=7, span=3.0):
        """Decode codes that move one latent dimension at a time around a code.

        Row ``i`` of the result moves dimension ``dimensions[i]`` from
        ``-span`` to ``+span`` standard deviations around the centre, the
        other dimensions staying at the centre's values. The standard
        deviations are those of the training codes (the prior's, 1, for a
        variational autoencoder).

        Parameters
        ----------
        X : array-like of shape (1, n_features) or None, default=None
            The sample whose code is the centre; None centres on the mean
            code (the origin for a variational autoencoder).
        dimensions : array-like of int or None, default=None
            Latent dimensions to move; None moves each in turn.
        n_steps : int, default=7
            Number of codes along each dimension.
        span : float, default=3.0
            Half-width of the walk, in standard deviations.

        Returns
        -------
        X_traversal : ndarray of shape (n_dimensions, n_steps, `n_features_in_`)
            The decoded codes.
        """
        codes = self._traversal_codes(X, dimensions, n_steps, span)
        decoded = self.inverse_transform(codes.reshape(-1, self.n_components))
        return decoded.reshape(*codes.shape[:2], -1)

    @abstractmethod
    def _sample_codes(self, n_samples, rng):
        """``n_samples`` float32 codes drawn with the RandomState ``rng``."""

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float32"]
        return tags
