"""The training adapter: an estimator's parameters become the engine's
:class:`~skae._net.TrainingSpec` in one method, and the trained net's
history becomes fitted attributes and warnings."""

import copy
import dataclasses
import functools
import inspect
import re
import warnings
from numbers import Integral, Real

import numpy as np
import torch
from sklearn.base import _fit_context
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions

from ._callbacks import epoch_tasks, improves
from ._data import fit_data
from ._inference import InferenceMixin
from ._net import (
    OPTIMIZERS,
    StoppingRule,
    TrainingSpec,
    build_net,
    prefer_fused,
    train_net,
)
from ._persistence import VersionedStateMixin, net_record, restore_net
from ._tables import TableMixin
from ._validation import CallbackList, SubclassOf, check_device, reject_booleans

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


try:  # scikit-learn >= 1.9: set_callbacks(...), e.g. sklearn.callback.ProgressBar
    from sklearn.callback import CallbackSupportMixin
except ImportError:  # an older scikit-learn has no callback API

    class CallbackSupportMixin:
        """Stands in for scikit-learn's callback support where it has none."""


class NetTrainingMixin(VersionedStateMixin, InferenceMixin, CallbackSupportMixin):
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

    Saved and loaded, the trained net is plain values (weights as arrays,
    :func:`~skae._persistence.net_record`), rebuilt on loading around the
    ``(module, criterion)`` that the family's ``_net_skeleton()`` builds from
    its parameters and fitted attributes (the weights are then loaded).
    """

    # ---------------------------------------------------------- persistence
    # The trained net is saved as plain values (weights as arrays) and rebuilt
    # on loading: see skae._persistence.

    def __getstate__(self):
        state = super().__getstate__()
        net = state.get("net_")
        if net is not None and net.initialized_:
            state["net_"] = net_record(net, len(self.callbacks or ()))
        return state

    def __setstate__(self, state):
        record = state.get("net_")
        if isinstance(record, dict):  # saved as plain values: rebuilt below
            state = {key: value for key, value in state.items() if key != "net_"}
        super().__setstate__(state)  # the versions checked, the device settled
        if isinstance(record, dict):
            self.net_ = self._restored_net(record)

    def _restored_net(self, record):
        """The net of :func:`~skae._persistence.net_record`'s ``record``,
        rebuilt on ``device`` (the CPU where a GPU-fitted model has none)."""
        spec = dataclasses.replace(self._training_spec(),
                                   user_callbacks=tuple(record["user_callbacks"]))
        # A skeleton's layers draw initial weights: from a generator of their
        # own, never from the caller's.
        with torch.random.fork_rng(devices=[]):
            module, criterion = self._net_skeleton()
        net = build_net(spec, module.float(), criterion.float(), stopping=record["stopping"])
        net.initialize()
        return restore_net(net, record, type(self).__name__)

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
        device = check_device(self.device)
        optimizer, optimizer_params = self._optimizer(device)
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
            device=device,
            weight_l1=self.weight_l1,
            verbose=self.verbose,
            callbacks=(*self._training_callbacks(), *callbacks),
            user_callbacks=tuple(copy.deepcopy(self.callbacks or [])),
        )

    def _optimizer(self, device):
        """The optimizer class and its keyword arguments besides the step size
        (torch's fused implementation on ``device`` where it has one and
        ``optimizer_params`` chooses none); a ValueError names any argument
        that it does not take."""
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
        return optimizer, prefer_fused(optimizer, params, device)

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
        n_iter_before = self.n_iter_ if warm else 0
        rng = check_random_state(spec.random_state)
        seed = int(rng.randint(np.iinfo(np.int32).max))
        data = fit_data(spec, X, condition, target, validation=validation,
                        incremental=incremental, rng=rng)
        epochs = 1 if incremental else spec.max_epochs
        if spec.stopping is not None and not incremental:
            # The stopping rule's tol is relative to the monitored data's floor.
            floor = float(self._loss_floor(data.monitored, data.monitored_rows))
            spec = dataclasses.replace(
                spec, stopping=dataclasses.replace(spec.stopping, floor=floor))
        sklearn_callbacks = self._begin_sklearn_callbacks(X, epochs)
        self.net_ = train_net(
            spec, lambda: _build_within_memory(self, build, data.train_rows), data.train_set,
            data.valid_set, seed,
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
        if isinstance(self, TableMixin):
            self.column_loss_curve_ = self._column_curves("train_column_losses")
            self.validation_column_loss_curve_ = self._column_curves("valid_column_losses")
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

    def _history_curve(self, key):
        """``key`` of every epoch of the history, NaN for the epochs without it
        (a warm start that added validation data), or None if none has it."""
        values = [float(row.get(key, np.nan)) for row in self.net_.history]
        return None if all(np.isnan(values)) else values

    def _column_curves(self, key):
        """``{column name: [loss per epoch]}`` of a table with categorical
        columns from the history's ``key`` (NaN for the epochs without it),
        or None (no such table, or no epoch has it)."""
        layout = self._column_layout()
        if layout is None:
            return None
        rows = [row.get(key) for row in self.net_.history]
        if all(values is None for values in rows):
            return None
        missing = [np.nan] * layout.n_columns
        return {name: [float((values or missing)[j]) for values in rows]
                for j, name in enumerate(layout.names)}

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
