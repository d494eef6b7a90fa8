"""The training engine: one skorch ``NeuralNet`` subclass for every family.

The input is its own target; each named loss term of the criterion is
logged to the history (``train_<term>``, ``valid_<term>``) next to skorch's
``train_loss`` and ``valid_loss``. In-memory data is cut into mini-batches by
indexing the whole tensor with a shuffled index.
"""

import copy
import math
import os
import re
import signal
import sys
import threading
import time
import warnings
from contextlib import contextmanager
from numbers import Integral

import numpy as np
import torch
from skorch import NeuralNet
from skorch.callbacks import Callback, PassthroughScoring, PrintLog
from tqdm import tqdm

from ._streaming import BlockBatches, StreamedDataset

OPTIMIZERS = {
    "sgd": torch.optim.SGD,
    "adam": torch.optim.Adam,
    "adamw": torch.optim.AdamW,
    "adamax": torch.optim.Adamax,
    "nadam": torch.optim.NAdam,
    "rmsprop": torch.optim.RMSprop,
    "adagrad": torch.optim.Adagrad,
    "adadelta": torch.optim.Adadelta,
}


# torch's default generators are process-wide: a seeded block holds this lock,
# so that fits in several threads neither draw from each other's generator
# nor restore each other's state. Re-entrant: a fit may pretrain inside its own.
_GLOBAL_RNG_LOCK = threading.RLock()


@contextmanager
def seeded(seed, device):
    """Run the block with torch's generators for the CPU and ``device`` seeded
    with ``seed``, then restore their previous state: the caller's random
    state is untouched, and no other device's generator is involved.

    Other skae blocks in other threads wait for this one (dropout and
    weight initialisation draw from the global generators, which cannot be
    made per-thread), so threaded fits give the results of sequential ones.
    """
    device = torch.device(device)
    cuda = []
    if device.type == "cuda":
        cuda = [torch.cuda.current_device() if device.index is None else device.index]
    with _GLOBAL_RNG_LOCK, torch.random.fork_rng(devices=cuda):
        torch.random.default_generator.manual_seed(seed)
        for index in cuda:
            with torch.cuda.device(index):
                torch.cuda.manual_seed(seed)
        yield


_IDLE_CORES_CACHE = {"at": -math.inf, "value": None}
_IDLE_CORES_WINDOW = 0.02  # seconds of /proc/stat sampling
_IDLE_CORES_TTL = 5.0  # seconds a measurement is reused by the next fits


def _cpu_jiffies(cpus):
    """Busy and total jiffies of the CPUs ``cpus`` from /proc/stat."""
    busy = total = 0
    with open("/proc/stat") as stat:
        for line in stat:
            name, *fields = line.split()
            if name.startswith("cpu") and name[3:].isdigit() and int(name[3:]) in cpus:
                values = [int(v) for v in fields[:8]]
                total += sum(values)
                busy += sum(values) - values[3] - values[4]  # minus idle and iowait
    return busy, total


def idle_cores():
    """How many of this process's CPUs other processes leave idle, measured
    over a few milliseconds (cached for a few seconds); None where /proc/stat
    is not available (not Linux)."""
    now = time.monotonic()
    if now - _IDLE_CORES_CACHE["at"] < _IDLE_CORES_TTL:
        return _IDLE_CORES_CACHE["value"]
    try:
        cpus = os.sched_getaffinity(0)
        before, own_before = _cpu_jiffies(cpus), time.process_time()
        time.sleep(_IDLE_CORES_WINDOW)
        after, own_after = _cpu_jiffies(cpus), time.process_time()
    except (OSError, AttributeError, ValueError):
        value = None
    else:
        busy, total = after[0] - before[0], after[1] - before[1]
        elapsed = _IDLE_CORES_WINDOW
        own = (own_after - own_before) / elapsed  # cores this process used meanwhile
        others = (busy / total * len(cpus) - own) if total > 0 else 0.0
        value = max(1, len(cpus) - max(0, round(others)))
    _IDLE_CORES_CACHE.update(at=now, value=value)
    return value


@contextmanager
def shared_cpu_threads():
    """Train with no more torch threads than the cores other processes leave
    idle, and restore torch's setting afterwards. On a shared CPU torch's
    worker threads spin while another process holds their core: a fit with a
    thread per busy core runs 2 to 3 times slower than with one thread
    (benchmarks/bench_shared_cpu.py)."""
    threads = torch.get_num_threads()
    idle = idle_cores()
    if idle is None or idle >= threads:
        yield
        return
    torch.set_num_threads(idle)
    try:
        yield
    finally:
        torch.set_num_threads(threads)


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


class TensorBatches:
    """Mini-batches cut from in-memory tensors by a (shuffled) index of rows.

    Yields ``(Xb, Tb)``, or ``({"x": Xb, "condition": Cb}, Tb)`` when the
    data set has a condition; the target ``Tb`` is ``Xb`` itself unless the
    data set has a target. Every batch is a new tensor, so nothing that
    trains on it can write to the caller's data. With ``merge_singleton`` a
    last batch of one sample joins the one before it (batch norm cannot
    train on a single sample), so no sample is dropped.
    """

    def __init__(self, dataset, batch_size, shuffle, device, merge_singleton=False):
        self.dataset = dataset
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.device = device
        self.merge_singleton = merge_singleton

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
        return part.to(self.device, non_blocking=True)

    def __iter__(self):
        X, condition, target = self.dataset.X, self.dataset.condition, self.dataset.target
        order = self.dataset.rows
        if self.shuffle:
            perm = torch.randperm(len(self.dataset))
            order = perm if order is None else order[perm]
        for start, stop in self._bounds():
            xb = self._take(X, start, stop, order)
            tb = xb if target is None else self._take(target, start, stop, order)
            if condition is None:
                yield xb, tb
            else:
                yield {"x": xb, "condition": self._take(condition, start, stop, order)}, tb


class DivergenceCheck(Callback):
    """Stop with an error naming the epoch when training has diverged.

    Training has diverged when an epoch's training loss is not finite, or
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
        if not math.isfinite(loss):
            raise FloatingPointError(
                f"Training diverged: the training loss is {loss} at epoch {epoch}. {advice}")
        initial = self.initial_loss_
        if (initial is not None and math.isfinite(initial)
                and loss - initial > self.growth * max(abs(initial), 1.0)):
            raise FloatingPointError(
                f"Training diverged: the training loss is {loss:.4g} at epoch {epoch}, "
                f"against {initial:.4g} at the start of training. {advice}")


# A second Ctrl-C within this many seconds of the first stops the call (a
# search, a cross-validation) instead of only the current training.
_REPEAT_INTERRUPT_SECONDS = 5.0
_last_interrupt = [-math.inf]


class UserInterrupt(KeyboardInterrupt):
    """Ctrl-C during training; ``repeated`` when it follows another one closely."""

    def __init__(self, repeated):
        super().__init__()
        self.repeated = repeated


def _on_sigint(signum, frame):
    now = time.monotonic()
    repeated = now - _last_interrupt[0] < _REPEAT_INTERRUPT_SECONDS
    _last_interrupt[0] = now
    raise UserInterrupt(repeated)


@contextmanager
def user_interrupts():
    """Within the block, Ctrl-C raises :class:`UserInterrupt`, which tells it
    from the ``KeyboardInterrupt`` that callbacks raise to end training.

    Only in the main thread (the one that receives signals), and only when
    Python's own handler is in place: a handler of the caller's is kept.
    """
    if (threading.current_thread() is not threading.main_thread()
            or signal.getsignal(signal.SIGINT) is not signal.default_int_handler):
        yield
        return
    signal.signal(signal.SIGINT, _on_sigint)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, signal.default_int_handler)


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

    The target of every sample (the tensor ``target``, which the training
    data set shares, updated in place) is the sharpened soft assignment of
    the whole training data ``X``; training stops at
    the end of the epoch in which fewer than ``tol`` of the samples changed
    cluster between two updates. ``target_fn(module, X)`` returns
    ``(target, labels)``.
    """

    def __init__(self, X, target, interval, tol, target_fn, sink=print):
        self.X = X
        self.target = target
        self.interval = interval
        self.tol = tol
        self.target_fn = target_fn
        self.sink = sink

    def on_train_begin(self, net, **kwargs):
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


def improves(loss, best, tol):
    """Whether ``loss`` improves on ``best`` by more than ``tol`` relative to it:
    ``loss < best - tol * |best|``, the same rule whatever the scale of the data."""
    if not math.isfinite(best):
        return loss < best
    return loss < best - tol * abs(best)


class EarlyStopping(Callback):
    """Stops training when a loss has converged, as scikit-learn's MLP does.

    An epoch counts as no improvement when the monitored loss is not below
    the best loss so far by more than ``tol`` times its magnitude (see
    :func:`improves`); training stops after ``n_iter_no_change`` such epochs
    in a row. With ``monitor="valid_loss"`` (early stopping), the weights of
    the epoch with the lowest validation loss, whatever ``tol``, are restored
    when training ends, stopped or not; with ``"train_loss"`` the last
    epoch's weights are kept.
    """

    def __init__(self, n_iter_no_change=10, tol=1e-4, monitor="valid_loss", sink=print):
        self.n_iter_no_change = n_iter_no_change
        self.tol = tol
        self.monitor = monitor
        self.sink = sink

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
        if improves(loss, self.best_loss_, self.tol):
            self.no_improvement_count_ = 0
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
        self.epochs_ = []
        self.reconstructions_ = []
        return self

    def on_train_begin(self, net, X=None, **kwargs):
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
        epoch = net.history[-1, "epoch"]
        if epoch % self.every == 0 if self.epochs is None else epoch in self.epochs:
            self._record(net, epoch)

    def on_train_end(self, net, **kwargs):
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


_SAME_AS_MODULE_ = "<skae: the module is module_>"


_WEIGHTED_LAYERS = (torch.nn.Linear, torch.nn.modules.conv._ConvNd)
_ANSI_CODE = re.compile(r"\x1b\[[0-9;]*m")


def _stdout_is_terminal():
    return getattr(sys.stdout, "isatty", lambda: False)()


def progress_bar_shows():
    """Whether a progress bar can be seen: standard error is a terminal, or
    this runs in a Jupyter kernel. Elsewhere (log files, pipes) a bar's
    carriage returns are noise."""
    return getattr(sys.stderr, "isatty", lambda: False)() or "ipykernel" in sys.modules


class EpochTable(PrintLog):
    """skorch's table of epochs, with its colours only on a terminal: log
    files and pipes get plain text."""

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


class AutoencoderNet(NeuralNet):
    """skorch net whose criterion returns ``(objective, terms)``.

    ``terms`` is a dict of named scalars, each logged to the history (as
    ``train_<name>`` and ``valid_<name>``, averaged over the epoch's
    batches): the loss terms (``criterion.term_names``), whose weighted sum
    is the objective that is minimised, and metrics such as the accuracy
    (``criterion.metric_names``).
    """

    def __init__(self, *args, weight_l1=0.0, **kwargs):
        super().__init__(*args, **kwargs)
        self.weight_l1 = weight_l1

    @property
    def training_term_names(self):
        """The criterion's loss terms, and the L1 weight penalty when there is one."""
        terms = tuple(getattr(self.criterion, "term_names", ()))
        return terms + (("weight_l1",) if self.weight_l1 else ())

    @property
    def _default_callbacks(self):
        terms = getattr(self.criterion, "term_names", ())
        metrics = getattr(self.criterion, "metric_names", ())
        keys = [f"{prefix}_{name}" for name in terms for prefix in ("train", "valid")]
        if self.weight_l1:
            keys.append("train_weight_l1")
        metric_keys = [f"{prefix}_{name}" for name in metrics for prefix in ("train", "valid")]
        scoring = [(key, PassthroughScoring(key, on_train=key.startswith("train")))
                   for key in keys + metric_keys]
        # With a single term the per-term columns repeat the loss: do not print them.
        print_log = EpochTable(keys_ignored=keys if len(terms) == 1 else None)
        defaults = [(name, print_log if name == "print_log" else callback)
                    for name, callback in super()._default_callbacks]
        return defaults + scoring + [("divergence", DivergenceCheck())]

    def _set_training(self, training=True):
        # skorch sets the mode at every batch; walking the module tree costs
        # about as much as a small batch, so do it only when the mode changes.
        if self.module_.training != training or self.criterion_.training != training:
            super()._set_training(training)

    def __getstate__(self):
        # skorch saves module_ with torch.save and pickles the module
        # parameter apart: when they are one object (skae passes an
        # instance), keep one copy.
        shared = self.__dict__.get("module") is self.__dict__.get("module_", ())
        state = super().__getstate__()
        if shared:
            state["module"] = _SAME_AS_MODULE_
        return state

    def __setstate__(self, state):
        shared = isinstance(state.get("module"), str) and state["module"] == _SAME_AS_MODULE_
        super().__setstate__(state)
        if shared:
            self.__dict__["module"] = self.module_

    def partial_fit(self, X, y=None, classes=None, **fit_params):
        # skorch ends training quietly on any KeyboardInterrupt (its callbacks'
        # way to stop). Ctrl-C does the same with a warning, as scikit-learn's
        # MLP does, and a second Ctrl-C soon after stops the caller too.
        with user_interrupts():
            super().partial_fit(X, y, classes=classes, **fit_params)
        interrupt = self.__dict__.pop("_interrupt", None)
        if interrupt is not None and interrupt.repeated:
            raise interrupt
        return self

    def fit_loop(self, X, y=None, epochs=None, **fit_params):
        try:
            return super().fit_loop(X, y, epochs=epochs, **fit_params)
        except UserInterrupt as exc:
            self._interrupt = exc
            if not exc.repeated:
                warnings.warn(
                    f"Training interrupted by user during epoch {len(self.history)}; the "
                    "model keeps the weights it has. Press Ctrl-C again within "
                    f"{_REPEAT_INTERRUPT_SECONDS:g} seconds to stop the whole call (e.g. a "
                    "search) as well.", UserWarning, stacklevel=2)
            raise

    def get_loss(self, y_pred, y_true, X=None, training=False):
        objective, terms = self.criterion_(y_pred, y_true)
        if training and self.weight_l1:
            # The weights of linear and convolution layers: not their biases, nor
            # normalisation scales, a VAE's likelihood scale or DEC's centres.
            terms["weight_l1"] = self.weight_l1 * sum(
                (m.weight.abs().sum() for m in self.module_.modules()
                 if isinstance(m, _WEIGHTED_LAYERS) and m.weight.requires_grad),
                objective.new_zeros(()))
            objective = objective + terms["weight_l1"]
        prefix = "train" if training else "valid"
        for name, value in terms.items():
            self.history.record_batch(f"{prefix}_{name}", value.item())
        return objective

    def get_iterator(self, dataset, training=False):
        if not isinstance(dataset, (InMemoryDataset, StreamedDataset)):
            return super().get_iterator(dataset, training=training)
        kwargs = self.get_params_for("iterator_train" if training else "iterator_valid")
        batch_size = kwargs.get("batch_size", self.batch_size)
        if batch_size == -1:
            batch_size = len(dataset)
        batches = BlockBatches if isinstance(dataset, StreamedDataset) else TensorBatches
        return batches(dataset, batch_size, shuffle=kwargs.get("shuffle", False),
                       device=self.device, merge_singleton=training)
