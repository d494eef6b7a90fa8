"""The training engine: one skorch ``NeuralNet`` subclass for every family.

The input is its own target; each named loss term of the criterion is
logged to the history (``train_<term>``, ``valid_<term>``) next to skorch's
``train_loss`` and ``valid_loss``. In-memory data is cut into mini-batches by
indexing the whole tensor with a shuffled index.
"""

import contextlib
import copy
import inspect
import threading
import warnings
from contextlib import contextmanager
from dataclasses import dataclass

import torch
from skorch import NeuralNet
from skorch.callbacks import LRScheduler, PassthroughScoring, ProgressBar
from skorch.helper import predefined_split
from skorch.utils import noop

from ._callbacks import (
    ColumnLossLog,
    DivergenceCheck,
    EarlyStopping,
    EpochProgressBar,
    EpochTable,
    LossAboveFloor,
    SklearnEpochTasks,
    TrainingSummary,
    progress_bar_shows,
    write_above_bar,
)
from ._data import InMemoryDataset, TensorBatches
from ._interrupts import REPEAT_INTERRUPT_SECONDS, UserInterrupt, user_interrupts
from ._streaming import BlockBatches, StreamedDataset
from ._threads import cpu_threads

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

# Options of an optimizer's implementation: a user who sets any of them in
# optimizer_params chooses the implementation.
_IMPLEMENTATION_OPTIONS = {"fused", "foreach", "differentiable", "capturable"}

_FUSED_STEPS = {}


def prefer_fused(optimizer, params, device):
    """``params`` with ``fused=True`` where ``optimizer`` takes it, ``params``
    choose no implementation and the fused optimizer steps a float32
    parameter on ``device`` without an error or a warning (probed once per
    optimizer, arguments and device type). torch's fused kernels (Adam,
    AdamW, SGD, Adagrad; on the CPU from torch 2.4) update every parameter in
    one call, where the default implementation runs about ten operations per
    parameter tensor: dense autoencoders train 1.1 to 1.3 times as long
    without it (benchmarks/bench_step.py)."""
    if _IMPLEMENTATION_OPTIONS & set(params):
        return params
    key = (optimizer, repr(sorted(params.items())), device.type)
    if key not in _FUSED_STEPS:
        _FUSED_STEPS[key] = ("fused" in inspect.signature(optimizer).parameters
                             and _steps_fused(optimizer, params, device))
    return {**params, "fused": True} if _FUSED_STEPS[key] else params


def _steps_fused(optimizer, params, device):
    """Whether the fused ``optimizer`` steps a float32 parameter on
    ``device`` without an error or a warning."""
    probe = torch.zeros(2, device=device, requires_grad=True)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            trial = optimizer([probe], lr=1e-3, **params, fused=True)
            probe.grad = torch.ones_like(probe)
            trial.step()
    except Exception:
        return False
    return True


@dataclass(frozen=True)
class StoppingRule:
    """End training when ``monitor`` (``"train_loss"`` or ``"valid_loss"``)
    has not improved by ``tol`` (relative to its distance from ``floor``, the
    lowest loss the monitored data allow) for ``n_iter_no_change`` epochs, or
    never (``tol=None``); on the validation loss, the best epoch's weights are
    restored."""

    monitor: str
    n_iter_no_change: int
    tol: float | None
    floor: float = 0.0


# ReduceLROnPlateau's relative threshold when no stopping rule gives one (torch's default).
_PLATEAU_THRESHOLD = 1e-4


@dataclass(frozen=True)
class TrainingSpec:
    """Everything the engine trains with, made from an estimator's parameters
    in one place (``NetTrainingMixin._training_spec``); the engine reads no
    estimator attribute.

    ``stopping`` is a :class:`StoppingRule`, or None when the family's own
    callbacks end training (DEC's target update). ``validation_fraction`` is
    the share of the rows held out for the validation loss, None for none.
    ``schedule`` is ``"constant"``, ``"plateau"`` (the step shrinks 5-fold
    when the monitored loss stops improving by the stopping rule's ``tol``)
    or ``"cosine"`` (annealed to 0 over ``max_epochs``). ``callbacks`` are
    ``(name, callback)`` pairs, the family's then this fit's;
    ``user_callbacks`` copies of the user's (instances or pairs), whose names
    must differ from those of every callback skae adds.
    """

    optimizer: type
    optimizer_params: dict
    learning_rate: float
    schedule: str
    max_epochs: int
    batch_size: int
    shuffle: bool
    stopping: StoppingRule | None
    validation_fraction: float | None
    random_state: object
    device: torch.device
    weight_l1: float
    verbose: int
    callbacks: tuple
    user_callbacks: tuple = ()

    def shows_epoch_bar(self, stopping=True):
        """verbose=2 shows a bar over the epochs of a fit in place of a line per
        epoch, where a bar can be seen (a terminal, Jupyter)."""
        return self.verbose >= 2 and stopping and progress_bar_shows()

    def message_sink(self, stopping=True):
        """Where training messages go: nowhere when silent, through the bar's
        writer when a bar is shown (so that it is not torn), else print."""
        if self.shows_epoch_bar(stopping):
            return write_above_bar
        return print if self.verbose else noop


class StepSizeSchedule(LRScheduler):
    """skorch's ``LRScheduler`` with the calls of an estimator in mind.

    Under ``"cosine"`` every ``fit`` anneals the step from its initial value
    to 0 over that fit's epochs (a warm start anneals anew over its
    ``max_iter``; :meth:`for_call` says so before it), and a ``partial_fit``
    call holds the initial step: the number of calls to come is unknown.
    Pickled without its torch scheduler: that holds the optimizer, which the
    net pickles already (a second copy of the weights and Adam's moments), and
    ``on_train_begin`` makes a new one at every call anyway.
    """

    hold_ = False

    def for_call(self, net, epochs):
        """Before training an existing net (a warm start or ``partial_fit``):
        anneal over ``epochs`` epochs from the initial step, or with None
        hold the initial step. Only the cosine schedule depends on the call."""
        if self.policy != "CosineAnnealingLR":
            return
        for group in net.optimizer_.param_groups:
            group["lr"] = group.setdefault("initial_lr", group["lr"])
        self.hold_ = epochs is None
        if epochs is not None:
            self.T_max, self.last_epoch = epochs, -1  # a new annealing, whatever the history

    def on_train_begin(self, net, **kwargs):
        if self.hold_:
            self.lr_scheduler_ = None
            return
        super().on_train_begin(net, **kwargs)

    def on_epoch_end(self, net, **kwargs):
        if not self.hold_:
            super().on_epoch_end(net, **kwargs)

    def on_batch_end(self, net, **kwargs):
        if not self.hold_:
            super().on_batch_end(net, **kwargs)

    def __getstate__(self):
        state = self.__dict__.copy()
        state["lr_scheduler_"] = None
        return state


def build_net(spec, module, criterion, stopping=True):
    """The skorch net that trains ``module`` on ``criterion`` as ``spec`` says;
    without ``stopping`` (``partial_fit``'s nets) no rule ends the training."""
    bar = spec.shows_epoch_bar(stopping)
    sink = spec.message_sink(stopping)
    rule = spec.stopping
    callbacks = []
    if stopping and rule is not None:
        callbacks.append(("early_stopping" if rule.monitor == "valid_loss" else "convergence",
                          EarlyStopping(rule.n_iter_no_change, rule.tol,
                                        monitor=rule.monitor, sink=sink, floor=rule.floor)))
    if spec.schedule == "plateau":
        callbacks.append(("lr_scheduler", StepSizeSchedule(
            "ReduceLROnPlateau", monitor=("train_loss" if rule is None
                                          else LossAboveFloor(rule.monitor, rule.floor)),
            factor=0.2, patience=2, threshold_mode="rel",
            threshold=(_PLATEAU_THRESHOLD if rule is None or rule.tol is None
                       else rule.tol))))
    elif spec.schedule == "cosine":
        callbacks.append(("lr_scheduler", StepSizeSchedule(
            "CosineAnnealingLR", T_max=spec.max_epochs)))
    if bar:
        callbacks.append(("epoch_bar", EpochProgressBar()))
    if spec.verbose > 2:
        callbacks.append(("progress_bar", ProgressBar()))
    callbacks.append(("sklearn_epoch_tasks", SklearnEpochTasks()))
    if spec.verbose and stopping:
        callbacks.append(("summary", TrainingSummary(sink)))
    callbacks += list(spec.callbacks)
    net = AutoencoderNet(
        module=module,
        criterion=criterion,
        optimizer=spec.optimizer,
        lr=spec.learning_rate,
        max_epochs=spec.max_epochs,
        batch_size=spec.batch_size,
        iterator_train__shuffle=spec.shuffle,
        train_split=None,
        callbacks=callbacks + list(spec.user_callbacks),
        verbose=int(spec.verbose > 0 and not bar),
        device=str(spec.device),
        weight_l1=spec.weight_l1,
        **{f"optimizer__{k}": v for k, v in spec.optimizer_params.items()},
    )
    taken = {name for name, _ in (*net._default_callbacks, *callbacks)}
    for item in spec.user_callbacks:
        # skorch names a callback given alone by its class.
        name = item[0] if isinstance(item, tuple) else type(item).__name__
        if name in taken:
            raise ValueError(
                f"callbacks has one named {name!r}, the name of a callback that skae adds to "
                f"this fit (its callbacks: {', '.join(sorted(taken))}); give yours another "
                f"name, e.g. ('my_{name}', callback).")
    return net


def train_net(spec, build, train_set, valid_set, seed, *, warm_net=None, incremental=False,
              tasks=None):
    """Train as ``spec`` says and return the trained net.

    A new net trains the module and criterion that ``build()`` returns
    (called with torch's generators seeded with ``seed``, so that the
    initial weights follow from it); with ``warm_net`` a copy of it trains
    ``max_epochs`` more epochs, so that a failure keeps the original as it
    was. ``incremental`` (``partial_fit``) trains one epoch with no stopping
    rule. ``valid_set`` (or None) is evaluated after every epoch.
    ``tasks(net)`` is a context manager around the epochs (scikit-learn's
    callbacks). The returned net keeps neither data set.
    """
    split = None if valid_set is None else predefined_split(valid_set)
    epochs = 1 if incremental else spec.max_epochs
    tasks = tasks or (lambda net: contextlib.nullcontext())
    if warm_net is not None:
        net = copy.deepcopy(warm_net)
        if spec.stopping is not None:  # the loss floor of this fit's data
            for _, callback in net.callbacks_:
                for rule in (callback, getattr(callback, "monitor", None)):
                    if isinstance(rule, (EarlyStopping, LossAboveFloor)):
                        rule.floor = spec.stopping.floor
        schedule = dict(net.callbacks_).get("lr_scheduler")
        if isinstance(schedule, StepSizeSchedule):
            schedule.for_call(net, None if incremental else epochs)
        with seeded(seed + len(net.history), spec.device), cpu_threads(), tasks(net):
            net.set_params(train_split=split)
            net.partial_fit(train_set, epochs=epochs)
    else:
        with seeded(seed, spec.device), cpu_threads():
            module, criterion = build()
            if not any(p.requires_grad for p in (*module.parameters(),
                                                 *criterion.parameters())):
                raise ValueError(
                    "Nothing to train: every parameter of the network has requires_grad="
                    "False (your encoder's and decoder's, if you passed them). Leave "
                    "requires_grad=True on the layers to train; frozen layers are fine "
                    "beside them.")
            # float32 whatever torch's default dtype (set_default_dtype) is.
            module, criterion = module.float(), criterion.float()
            net = build_net(spec, module, criterion, stopping=not incremental)
            net.set_params(train_split=split)
            with tasks(net):
                if incremental:
                    net.initialize()
                    schedule = dict(net.callbacks_).get("lr_scheduler")
                    if isinstance(schedule, StepSizeSchedule):
                        schedule.for_call(net, None)
                    net.partial_fit(train_set, epochs=epochs)
                else:
                    net.fit(train_set)
    net.set_params(train_split=None)
    return net


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


_SAME_AS_MODULE_ = "<skae: the module is module_>"


_WEIGHTED_LAYERS = (torch.nn.Linear, torch.nn.modules.conv._ConvNd)


class AutoencoderNet(NeuralNet):
    """skorch net whose criterion returns ``(objective, terms)``.

    The criterion is called as ``criterion(y_pred, target, x=batch,
    module=module_)``: penalties such as the contractive one need the batch
    and the module besides the outputs. ``terms`` is a dict of named
    scalars, each logged to the history (as ``train_<name>`` and
    ``valid_<name>``, averaged over the epoch's batches): the loss terms
    (``criterion.term_names``), whose weighted sum is the objective that is
    minimised, and metrics such as the accuracy
    (``criterion.metric_names``).
    """

    def __init__(self, *args, weight_l1=0.0, **kwargs):
        super().__init__(*args, **kwargs)
        self.weight_l1 = weight_l1

    @property
    def training_term_names(self):
        """The objective's terms: the criterion's, and the L1 weight penalty
        when there is one (in the training and the validation objective
        alike, so that their curves compare)."""
        terms = tuple(getattr(self.criterion, "term_names", ()))
        return terms + (("weight_l1",) if self.weight_l1 else ())

    @property
    def _default_callbacks(self):
        terms = self.training_term_names
        metrics = getattr(self.criterion, "metric_names", ())
        keys = [f"{prefix}_{name}" for name in terms for prefix in ("train", "valid")]
        metric_keys = [f"{prefix}_{name}" for name in metrics for prefix in ("train", "valid")]
        scoring = [(key, PassthroughScoring(key, on_train=key.startswith("train")))
                   for key in keys + metric_keys]
        # With a single term the per-term columns repeat the loss: do not print
        # them; a table's per-column losses are lists, kept out of the table.
        columns = ["train_column_losses", "valid_column_losses"]
        print_log = EpochTable(keys_ignored=(keys if len(terms) == 1 else []) + columns)
        defaults = [(name, print_log if name == "print_log" else callback)
                    for name, callback in super()._default_callbacks]
        return defaults + scoring + [("divergence", DivergenceCheck()),
                                     ("column_losses", ColumnLossLog())]

    def _set_training(self, training=True):
        # skorch sets the mode at every batch; walking the module tree costs
        # about as much as a small batch, so do it only when the mode changes.
        if self.module_.training != training or self.criterion_.training != training:
            super()._set_training(training)

    def inference_module(self, dtype, device=None):
        """The trained module in evaluation mode, computing in ``dtype`` on
        ``device`` (by default the net's): a copy prepared once per trained
        state and reused by every inference call, so that a call costs its
        forward pass and little more.

        The trained state is told by the identity of ``module_`` and the
        storage and version counter of each parameter and buffer it held
        when the copy was made: a training step, ``load_state_dict``, an
        in-place edit under ``torch.no_grad()`` or a new tensor assigned to
        a parameter's ``.data`` each prepare a new copy. Two changes are not
        seen: an in-place edit through ``.data`` (torch does not count it)
        and a new ``Parameter`` object put in place of one; after either,
        call ``load_state_dict`` (or refit). One copy is kept, for the last
        ``dtype`` and device asked; pickles and deep copies of the net leave
        it out.
        """
        module = self.module_
        device = torch.device(self.device if device is None else device)
        cached = self.__dict__.get("_inference_cache")
        if cached is not None and cached[0] is module and cached[1] == (dtype, device):
            tensors, versions, prepared = cached[2:]
            if versions == [(t.data_ptr(), t._version) for t in tensors]:
                return prepared
        tensors = [*module.parameters(), *module.buffers()]
        versions = [(t.data_ptr(), t._version) for t in tensors]
        prepared = copy.deepcopy(module).to(device=device, dtype=dtype).eval()
        # Set through __dict__: skorch's __setattr__ would register a module.
        self.__dict__["_inference_cache"] = (module, (dtype, device), tensors, versions,
                                             prepared)
        return prepared

    def __getstate__(self):
        # skorch saves module_ with torch.save and pickles the module
        # parameter apart: when they are one object (skae passes an
        # instance), keep one copy.
        shared = self.__dict__.get("module") is self.__dict__.get("module_", ())
        state = super().__getstate__()
        state.pop("_inference_cache", None)
        if shared:
            state["module"] = _SAME_AS_MODULE_
        return state

    def __setstate__(self, state):
        shared = isinstance(state.get("module"), str) and state["module"] == _SAME_AS_MODULE_
        if torch.device(state["device"]).type == "cuda" and not torch.cuda.is_available():
            # Trained on a GPU, loaded where there is none: its tensors load on
            # the CPU (the estimator says so, naming its device parameter).
            state["device"] = "cpu"
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
                    f"{REPEAT_INTERRUPT_SECONDS:g} seconds to stop the whole call (e.g. a "
                    "search) as well.", UserWarning, stacklevel=2)
            raise

    def get_loss(self, y_pred, y_true, X=None, training=False):
        objective, terms = self.criterion_(y_pred, y_true, x=X, module=self.module_)
        if self.weight_l1:
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
