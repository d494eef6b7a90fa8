"""What a pickle of a skae estimator records beyond its attributes (the
skae and torch versions that saved it, checked when it is loaded), and the
device it runs on once loaded."""

import warnings

import torch
from sklearn.exceptions import InconsistentVersionWarning


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


class VersionedStateMixin:
    """Pickles record skae's and torch's versions; loading one saved under
    another skae version warns with :class:`_VersionWarning`. An estimator
    fitted on a GPU and loaded where there is none runs on the CPU, and says
    so."""

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
