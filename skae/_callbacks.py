"""The training callbacks: stopping rules (convergence, early stopping,
divergence), schedules of the objective (KL warm-up, DEC's target), what a fit
shows (the epoch table, the closing line, the bar over epochs), the
reconstructions epoch by epoch, and scikit-learn's callback tasks."""

import copy
import math
import re
import sys
import time
from contextlib import contextmanager
from numbers import Integral

import numpy as np
import torch
from skorch.callbacks import Callback, PrintLog
from tqdm import tqdm


class DivergenceCheck(Callback):
    """Stop with an error naming the epoch when training has diverged.

    The loss of the very first batch, before any step, that is not finite
    is no divergence: it is said to come from the network's output. Training
    has diverged when an epoch's training loss is not finite, or
    when it has risen above the loss at the start of training (that of the
    first training batch, kept across warm starts) by more than ``growth``
    times the larger of that loss's size and 1: a loss that has grown so far
    is no longer a fit, even while it is finite. (The floor of 1 keeps a
    start near zero, such as a pretrained network's, from flagging ordinary
    changes.)
    """

    def __init__(self, growth=1e4):
        self.growth = growth

    def initialize(self):
        self.initial_loss_ = None
        return self

    def on_batch_end(self, net, training=False, loss=None, **kwargs):
        if training and self.initial_loss_ is None and loss is not None:
            self.initial_loss_ = float(loss.item())

    def on_epoch_end(self, net, **kwargs):
        loss, epoch = net.history[-1, "train_loss"], net.history[-1, "epoch"]
        advice = "Lower learning_rate_init, scale the input, or choose another optimizer."
        initial = self.initial_loss_
        if initial is not None and not math.isfinite(initial):
            # Not a step too large: no step had been taken.
            raise FloatingPointError(
                f"The training loss is {initial} on the first batch, before any training "
                "step: the network's output at its initial weights is not finite for this "
                "data. Check your encoder and decoder (e.g. a log or a division in their "
                "forward), or scale the input.")
        if not math.isfinite(loss):
            raise FloatingPointError(
                f"Training diverged: the training loss is {loss} at epoch {epoch}. {advice}")
        if (initial is not None and math.isfinite(initial)
                and loss - initial > self.growth * max(abs(initial), 1.0)):
            raise FloatingPointError(
                f"Training diverged: the training loss is {loss:.4g} at epoch {epoch}, "
                f"against {initial:.4g} at the start of training. {advice}")


class KLWarmup(Callback):
    """Ramp the KL weight of the criterion linearly over the first epochs.

    At epoch ``e`` (1-based, counted over warm starts) the criterion's
    ``kl_weight`` is ``min(1, e / n_epochs)``.
    """

    def __init__(self, n_epochs):
        self.n_epochs = n_epochs

    def on_epoch_begin(self, net, **kwargs):
        net.criterion_.kl_weight = min(1.0, len(net.history) / self.n_epochs)


class TargetDistributionUpdate(Callback):
    """Recompute DEC's target distribution every ``interval`` training batches.

    The target of every sample, the training data set's ``target`` tensor
    (updated in place, wherever the data set holds it: on the host, or on
    the training device), is the sharpened soft assignment of all its rows
    ``X``; training stops at the end of the epoch in which fewer than
    ``tol`` of the samples changed cluster between two updates.
    ``target_fn(module, X)`` returns ``(target, labels)``.
    """

    def __init__(self, interval, tol, target_fn, sink=print):
        self.interval = interval
        self.tol = tol
        self.target_fn = target_fn
        self.sink = sink

    def on_train_begin(self, net, X=None, **kwargs):
        self.X, self.target = X.X, X.target
        self.n_batches_ = 0
        self.labels_ = None
        self.converged_ = False
        self.update(net)

    def update(self, net):
        module = net.module_
        was_training = module.training
        module.eval()
        with torch.no_grad():
            target, labels = self.target_fn(module, self.X)
        module.train(was_training)
        self.target.copy_(target)
        changed = None if self.labels_ is None else (labels != self.labels_).float().mean()
        self.labels_ = labels
        return changed

    def on_batch_end(self, net, training=True, **kwargs):
        if not training:
            return
        self.n_batches_ += 1
        if self.n_batches_ % self.interval:
            return
        changed = self.update(net)
        if changed is not None and changed < self.tol and not self.converged_:
            self.converged_ = True
            self.sink(f"{float(changed):.4%} of the samples changed cluster, below "
                      f"tol={self.tol}; stopping at the end of this epoch.")

    def on_epoch_end(self, net, **kwargs):
        if self.converged_:
            self.stop_reason_ = (f"fewer than tol={self.tol} of the samples changed cluster "
                                 "between two target updates")
            raise KeyboardInterrupt  # skorch's way to end training from a callback

    def on_train_end(self, net, **kwargs):
        # Do not keep (or pickle) the training data and the estimator.
        self.X = self.target = self.target_fn = None


def improves(loss, best, tol, floor=0.0):
    """Whether ``loss`` improves on ``best`` by more than ``tol`` relative to
    its distance from ``floor``, the lowest loss the data allow:
    ``loss < best - tol * |best - floor|``, the same rule whatever the scale
    of the data and however far above zero its loss must stay."""
    if not math.isfinite(best):
        return loss < best
    return loss < best - tol * abs(best - floor)


class LossAboveFloor:
    """What the "plateau" schedule watches: the last epoch's ``key`` loss less
    ``floor``, so that its relative threshold (``tol``) means what the
    stopping rule's does (see :func:`improves`). A class, not a closure, so
    that fitted estimators pickle."""

    def __init__(self, key, floor=0.0):
        self.key = key
        self.floor = floor

    def __call__(self, net):
        return net.history[-1, self.key] - self.floor


class EarlyStopping(Callback):
    """Stops training when a loss has converged, as scikit-learn's MLP does.

    An epoch counts as no improvement when the monitored loss is not below
    the best loss so far by more than ``tol`` times its distance from
    ``floor`` (see :func:`improves`); training stops after
    ``n_iter_no_change`` such epochs in a row; with ``tol=None`` it never
    stops (a fixed budget). With ``monitor="valid_loss"``
    (early stopping), the weights of the epoch with the lowest validation
    loss, whatever ``tol``, are restored when training ends, stopped or not;
    with ``"train_loss"`` the last epoch's weights are kept.
    """

    def __init__(self, n_iter_no_change=10, tol=1e-4, monitor="valid_loss", sink=print,
                 floor=0.0):
        self.n_iter_no_change = n_iter_no_change
        self.tol = tol
        self.monitor = monitor
        self.sink = sink
        self.floor = floor

    def on_train_begin(self, net, **kwargs):
        self.best_loss_ = math.inf
        self.best_epoch_ = None
        self.best_state_ = None
        self.no_improvement_count_ = 0
        self.stop_reason_ = None

    def on_epoch_end(self, net, **kwargs):
        if self.monitor not in net.history[-1]:
            return  # an epoch without validation data (partial_fit after fit)
        loss, epoch = net.history[-1, self.monitor], net.history[-1, "epoch"]
        if self.tol is None or improves(loss, self.best_loss_, self.tol, self.floor):
            self.no_improvement_count_ = 0  # tol=None: a fixed budget, never stopped
        else:
            self.no_improvement_count_ += 1
        if loss < self.best_loss_:
            self.best_loss_, self.best_epoch_ = loss, epoch
            if self.monitor == "valid_loss":
                self.best_state_ = copy.deepcopy(net.module_.state_dict())
        if self.no_improvement_count_ >= self.n_iter_no_change:
            which = "Validation" if self.monitor == "valid_loss" else "Training"
            self.stop_reason_ = (f"the {which.lower()} loss did not improve by "
                                 f"tol={self.tol} (relative) for {self.n_iter_no_change} "
                                 "epochs")
            self.sink(f"{which} loss did not improve by tol={self.tol} (relative) for "
                      f"{self.n_iter_no_change} epochs; stopping at epoch {epoch}.")
            raise KeyboardInterrupt  # skorch's way to end training from a callback

    def on_train_end(self, net, **kwargs):
        if self.best_state_ is not None:
            net.module_.load_state_dict(self.best_state_)
            self.best_state_ = None  # do not keep a second copy of the weights

    def __getstate__(self):
        state = self.__dict__.copy()
        state["best_state_"] = None
        return state


class ReconstructionHistory(Callback):
    """Record the reconstructions of fixed inputs during training.

    Pass it to an autoencoder's ``callbacks``; it records the reconstructions
    of ``X`` before training (epoch 0) and at the end of every ``every``-th
    epoch (or of the chosen ``epochs``), and of the last epoch, with the
    weights of that moment (early
    stopping restores the best epoch's weights only after the last record).
    The estimator trains a copy of its
    ``callbacks``, so read the record from the fitted estimator, most simply
    with :meth:`ReconstructionHistoryDisplay.from_estimator
    <skae.plotting.ReconstructionHistoryDisplay.from_estimator>`.

    Parameters
    ----------
    X : array-like of shape (n_inputs, n_features)
        The inputs to reconstruct; a handful of images is typical.
    every : int, default=1
        Record every ``every`` epochs.
    epochs : list of int or None, default=None
        Record at the end of these epochs (1-based, counted over warm
        starts) instead of every ``every``-th, e.g. ``[1, 2, 5, 10, 50]``.

    Attributes
    ----------
    epochs_ : list of int
        The epochs recorded; 0 is the untrained network.
    reconstructions_ : list of ndarray of shape (n_inputs, n_features)
        The reconstructions at those epochs, float32.

    See Also
    --------
    skae.plotting.ReconstructionHistoryDisplay : Shows the record as a grid.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from skae import Autoencoder
    >>> from skae.plotting import ReconstructionHistory
    >>> X, _ = load_digits(return_X_y=True)
    >>> ae = Autoencoder(n_components=4, max_iter=3, random_state=0,
    ...                  callbacks=[ReconstructionHistory(X[:5], every=2)]).fit(X)
    >>> history = dict(ae.net_.callbacks_)["ReconstructionHistory"]
    >>> history.epochs_, history.reconstructions_[0].shape
    ([0, 2, 3], (5, 64))
    """

    def __init__(self, X, every=1, epochs=None):
        self.X = X
        self.every = every
        self.epochs = epochs

    def initialize(self):
        """Forget what an earlier fit recorded.

        skorch calls this when the net is initialised.

        Returns
        -------
        self : ReconstructionHistory
            The callback, with empty ``epochs_`` and ``reconstructions_``.
        """
        self.epochs_ = []
        self.reconstructions_ = []
        return self

    def on_train_begin(self, net, X=None, **kwargs):
        """Check the parameters and X, and record the epoch-0 reconstructions.

        The reconstructions before training are recorded on a new fit only.

        Parameters
        ----------
        net : skorch NeuralNet
            The net being trained; its module must have ``encode`` and ``decode``.
        X : torch Dataset, default=None
            The training data, for its number of features.
        **kwargs : dict
            What skorch passes to every callback; unused.
        """
        if not isinstance(self.every, Integral) or isinstance(self.every, bool) or self.every < 1:
            raise ValueError(f"every must be a positive int; got every={self.every!r}.")
        if self.epochs is not None and not (isinstance(self.epochs, (list, tuple)) and all(
                isinstance(e, Integral) and not isinstance(e, bool) and e >= 1
                for e in self.epochs)):
            raise ValueError(
                f"epochs must be a list of positive ints; got epochs={self.epochs!r}.")
        module = net.module_
        if not (hasattr(module, "encode") and hasattr(module, "decode")):
            raise TypeError(
                "ReconstructionHistory needs an autoencoder; the network being trained "
                f"({type(module).__name__}) has no encode/decode."
            )
        if getattr(X, "condition", None) is not None:
            raise TypeError(
                "ReconstructionHistory does not support conditional models: their "
                "reconstructions depend on a label it does not know."
            )
        inputs = torch.from_numpy(np.asarray(self.X, dtype=np.float32))
        if inputs.ndim != 2 or inputs.shape[1] != X.X.shape[1]:
            raise ValueError(
                f"ReconstructionHistory's X must have shape (n_inputs, {X.X.shape[1]}), "
                f"like the training data; got {tuple(inputs.shape)}."
            )
        self.inputs_ = inputs
        if not self.epochs_:
            self._record(net, 0)

    def on_epoch_end(self, net, **kwargs):
        """Record the reconstructions when this epoch is one to record.

        Parameters
        ----------
        net : skorch NeuralNet
            The net being trained.
        **kwargs : dict
            What skorch passes to every callback; unused.
        """
        epoch = net.history[-1, "epoch"]
        if epoch % self.every == 0 if self.epochs is None else epoch in self.epochs:
            self._record(net, epoch)

    def on_train_end(self, net, **kwargs):
        """Record the last epoch's reconstructions if they are not yet.

        Parameters
        ----------
        net : skorch NeuralNet
            The net that was trained.
        **kwargs : dict
            What skorch passes to every callback; unused.
        """
        epoch = net.history[-1, "epoch"] if len(net.history) else 0
        if self.epochs_[-1] != epoch:
            self._record(net, epoch)
        del self.inputs_

    def _record(self, net, epoch):
        module = net.module_
        was_training = module.training
        module.eval()
        try:
            with torch.inference_mode():
                x = self.inputs_.to(net.device)
                out = module.decode(module.encode(x)).cpu().numpy()
        finally:
            module.train(was_training)
        self.epochs_.append(int(epoch))
        self.reconstructions_.append(out)


_ANSI_CODE = re.compile(r"\x1b\[[0-9;]*m")


def _stdout_is_terminal():
    return getattr(sys.stdout, "isatty", lambda: False)()


def progress_bar_shows():
    """Whether a progress bar can be seen: standard error is a terminal, or
    this runs in a Jupyter kernel. Elsewhere (log files, pipes) a bar's
    carriage returns are noise."""
    return getattr(sys.stderr, "isatty", lambda: False)() or "ipykernel" in sys.modules


class ColumnLossLog(Callback):
    """Logs each table column's mean loss of the epoch to the history, as
    ``train_column_losses`` and ``valid_column_losses`` (lists in the
    layout's column order), from the criterion's ``column_losses`` (a
    :class:`~skae._losses.ColumnLosses`; nothing without one)."""

    def on_epoch_end(self, net, **kwargs):
        losses = getattr(net.criterion_, "column_losses", None)
        if losses is None:
            return
        for prefix, training in (("train", True), ("valid", False)):
            values = losses.pop(training)
            if values is not None:
                net.history.record(f"{prefix}_column_losses", values)


class EpochTable(PrintLog):
    """skorch's table of epochs, with its colours only on a terminal: log
    files and pipes get plain text. A silent net (``verbose=0``, printing
    to stdout) formats no table: skorch's formats one every epoch, 6% to 7%
    of a default fit's time on digits (benchmarks/bench_step.py)."""

    def on_epoch_end(self, net, **kwargs):
        if net.verbose or self.sink is not print:
            super().on_epoch_end(net, **kwargs)

    def format_row(self, row, key, color):
        text = super().format_row(row, key, color)
        if isinstance(text, str) and not _stdout_is_terminal():
            text = _ANSI_CODE.sub("", text)
        return text


class TrainingSummary(Callback):
    """One closing line: epochs run, why training stopped, the time it took,
    the last losses and, with early stopping, the epoch whose weights were
    restored."""

    def __init__(self, sink=print):
        self.sink = sink

    def on_train_begin(self, net, **kwargs):
        self.start_ = time.perf_counter()
        self.epochs_before_ = len(net.history)

    def on_train_end(self, net, **kwargs):
        n_epochs = len(net.history) - self.epochs_before_
        if not n_epochs:
            return
        reason = next((cb.stop_reason_ for _, cb in net.callbacks_
                       if getattr(cb, "stop_reason_", None)), None)
        if reason is None and getattr(net, "_interrupt", None) is not None:
            reason = "of Ctrl-C"
        if reason is None:
            reason = (f"max_iter={net.max_epochs} epochs ran" if n_epochs >= net.max_epochs
                      else "the epochs asked for ran")
        last = net.history[-1]
        losses = f"training loss {last['train_loss']:.4g}"
        if "valid_loss" in last:
            losses += f", validation loss {last['valid_loss']:.4g}"
        best = dict(net.callbacks_).get("early_stopping")
        restored = ("" if best is None or best.best_epoch_ is None
                    else f"; weights of epoch {best.best_epoch_} restored")
        self.sink(f"Trained {n_epochs} epoch{'s' * (n_epochs != 1)} in "
                  f"{time.perf_counter() - self.start_:.1f} s: stopped because {reason}; "
                  f"last {losses}{restored}.")


def write_above_bar(message):
    """Print a training message above a progress bar without tearing it."""
    tqdm.write(str(message))


class EpochProgressBar(Callback):
    """A bar over a fit's epochs on standard error, with the last training
    (and validation) loss; closed when training ends."""

    def on_train_begin(self, net, **kwargs):
        self.bar_ = tqdm(total=net.max_epochs, unit="epoch", file=sys.stderr,
                         dynamic_ncols=True)

    def on_epoch_end(self, net, **kwargs):
        last = net.history[-1]
        losses = {"loss": f"{last['train_loss']:.4g}"}
        if "valid_loss" in last:
            losses["validation loss"] = f"{last['valid_loss']:.4g}"
        self.bar_.set_postfix(losses, refresh=False)
        self.bar_.update()

    def on_train_end(self, net, **kwargs):
        self.bar_.close()
        del self.bar_  # a fitted estimator pickles without it


@contextmanager
def epoch_tasks(net, context, estimator):
    """While the block trains ``net``, each epoch is a subtask of scikit-learn's
    callback ``context`` (None: no callbacks) of ``estimator``."""
    if context is None:
        yield
        return
    net._sklearn_tasks = (context, estimator)
    try:
        yield
    finally:
        del net._sklearn_tasks  # the fitted net pickles without them


class SklearnEpochTasks(Callback):
    """Each epoch as a task of scikit-learn's callbacks (see ``epoch_tasks``),
    after the epoch's losses are logged; a callback that asks to stop ends
    the training after that epoch."""

    stop_reason_ = None

    def on_train_begin(self, net, **kwargs):
        self.stop_reason_ = None

    def on_epoch_begin(self, net, **kwargs):
        tasks = net.__dict__.get("_sklearn_tasks")
        if tasks is not None:
            context, estimator = tasks
            self.epoch_ = context.subcontext(task_name="epoch")
            self.epoch_.call_on_fit_task_begin(estimator=estimator)

    def on_epoch_end(self, net, **kwargs):
        tasks = net.__dict__.get("_sklearn_tasks")
        epoch = self.__dict__.pop("epoch_", None)
        if tasks is None or epoch is None:
            return
        last = net.history[-1]
        losses = {key: last[key] for key in ("train_loss", "valid_loss") if key in last}
        if epoch.call_on_fit_task_end(estimator=tasks[1], metadata=losses):
            self.stop_reason_ = "a scikit-learn callback asked to stop"
            raise KeyboardInterrupt  # skorch's way to end training after this epoch
