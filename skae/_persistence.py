"""What a saved skae estimator holds, and what loading it does.

A fitted estimator's trained net is saved as plain values (:func:`net_record`):
its weights, the optimizer's state and the history as numpy arrays, numbers,
strings, lists and dicts, never as pickled torch objects. Loading rebuilds the
net from the estimator's parameters and puts the saved values back, so that
``skops.io.load`` needs to trust skae's own classes only and nothing calls
``torch.load``. The skae and torch versions that saved it are checked, and an
estimator fitted on a GPU runs on the CPU where there is none.
"""

import warnings

import numpy as np
import torch
from sklearn.exceptions import InconsistentVersionWarning
from skorch.history import History


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


def plain(value):
    """``value`` with tensors as numpy arrays and numpy scalars as Python
    numbers, through dicts, lists and tuples (an OrderedDict becomes a dict)."""
    if isinstance(value, torch.Tensor):
        return value.detach().cpu().numpy()
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, dict):
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return (tuple if isinstance(value, tuple) else list)(plain(item) for item in value)
    return value


def tensors(value):
    """:func:`plain`'s arrays back as tensors, through dicts, lists and tuples."""
    if isinstance(value, np.ndarray):
        return torch.from_numpy(np.array(value))  # a copy: writable, owned by torch
    if isinstance(value, dict):
        return {key: tensors(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(tensors(item) for item in value)
    return value


def net_record(net, n_user_callbacks):
    """The trained skorch ``net`` as plain values: the module's and the
    criterion's state as arrays, the optimizer's state, the history, whether
    a stopping rule ends its fits, and the last ``n_user_callbacks`` callbacks
    (the copies of the user's, with what they recorded)."""
    callbacks = list(net.callbacks or [])
    return {
        "module": plain(net.module_.state_dict()),
        "criterion": plain(net.criterion_.state_dict()),
        "optimizer": plain(net.optimizer_.state_dict()),
        "history": plain(list(net.history)),
        "stopping": any(name in ("early_stopping", "convergence")
                        for name, _ in net.callbacks_),
        "user_callbacks": callbacks[len(callbacks) - n_user_callbacks:]
        if n_user_callbacks else [],
    }


def restore_net(net, record, name):
    """Put :func:`net_record`'s values into ``net``, a new initialised net of
    the same structure. An optimizer state that this torch cannot take (saved
    under another torch version) is dropped with a warning: predictions are
    unaffected; a warm start begins with a fresh optimizer."""
    net.module_.load_state_dict(tensors(record["module"]))
    net.criterion_.load_state_dict(tensors(record["criterion"]))
    net.history = History(record["history"])
    try:
        net.optimizer_.load_state_dict(tensors(record["optimizer"]))
    except (KeyError, ValueError, RuntimeError, TypeError) as exc:
        warnings.warn(
            f"The optimizer state saved with {name} could not be restored under torch "
            f"{torch.__version__} ({type(exc).__name__}: {exc}). Its weights were: it "
            "predicts as saved, but a warm start or partial_fit begins with a fresh "
            "optimizer state.", UserWarning, stacklevel=3)
    return net


def _versions():
    from . import __version__

    return __version__, torch.__version__


class VersionedStateMixin:
    """Pickles record skae's and torch's versions; loading one saved under
    another skae version warns with :class:`_VersionWarning`. An estimator
    fitted on a GPU and loaded where there is none runs on the CPU, and says
    so."""

    def __getstate__(self):
        # A copy: object.__getstate__ (under scikit-learn's) gives __dict__ itself.
        state = dict(super().__getstate__())
        state["_skae_versions"] = _versions()  # skae's and torch's, checked on loading
        return state

    def __setstate__(self, state):
        saved = state.pop("_skae_versions", None)
        current = _versions()
        if saved is not None and tuple(saved)[0] != current[0]:
            warnings.warn(_VersionWarning(estimator_name=type(self).__name__,
                                          saved=tuple(saved), current=current))
        super().__setstate__(state)
        device = state.get("device")
        if (isinstance(device, (str, torch.device)) and torch.device(device).type == "cuda"
                and not torch.cuda.is_available()):
            # Its tensors were loaded on the CPU (AutoencoderNet.__setstate__):
            # say so, and name the device it runs on now.
            warnings.warn(
                f"{type(self).__name__} was fitted with device={str(device)!r}, but CUDA is "
                "not available on this machine: its weights were loaded on the CPU and it "
                "runs there (its device is now 'cpu'). Use set_params(device=...) to move "
                "inference to a GPU where there is one.", UserWarning, stacklevel=2)
            self.device = "cpu"
