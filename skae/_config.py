"""skae's global configuration: :func:`set_config`, :func:`get_config` and
:func:`config_context`, as scikit-learn's."""

import os
import threading
from contextlib import contextmanager
from numbers import Integral

# The environment variable that sets ``cpu_threads`` when skae is imported.
_CPU_THREADS_VARIABLE = "SKAE_CPU_THREADS"
_CPU_THREADS_NAMES = ("auto", "torch")
_INTERRUPTS = ("keep", "raise")


def _check_cpu_threads(value, source="cpu_threads"):
    if isinstance(value, str) and value in _CPU_THREADS_NAMES:
        return value
    if isinstance(value, Integral) and not isinstance(value, bool) and value >= 1:
        return int(value)
    raise ValueError(
        f"{source} must be 'auto', 'torch' or a positive int; got {value!r}.")


def _check_interrupt(value):
    if isinstance(value, str) and value in _INTERRUPTS:
        return value
    raise ValueError(f"interrupt must be 'keep' or 'raise'; got {value!r}.")


def _from_environment():
    text = os.environ.get(_CPU_THREADS_VARIABLE, "auto").strip()
    value = int(text) if text.lstrip("+-").isdigit() else text
    return {"cpu_threads": _check_cpu_threads(value, f"The environment variable "
                                                     f"{_CPU_THREADS_VARIABLE}"),
            "interrupt": "keep"}


_global_config = _from_environment()
_threadlocal = threading.local()


def thread_config():
    """The configuration of the calling thread (a copy of the global one when
    it first asks, as scikit-learn's)."""
    if not hasattr(_threadlocal, "config"):
        _threadlocal.config = dict(_global_config)
    return _threadlocal.config


def get_config():
    """The values of skae's configuration, set with :func:`set_config`.

    They belong to the calling thread: a new thread starts from the values
    set at import (``SKAE_CPU_THREADS``) and by :func:`set_config` calls in
    no other thread.

    Returns
    -------
    config : dict
        Keys are the parameter names of :func:`set_config`.

    See Also
    --------
    config_context : Context manager for skae's configuration.
    set_config : Set skae's configuration.

    Examples
    --------
    >>> import skae
    >>> sorted(skae.get_config())
    ['cpu_threads', 'interrupt']
    """
    return dict(thread_config())


def set_config(cpu_threads=None, interrupt=None):
    """Set skae's configuration, for the calling thread.

    As scikit-learn's :func:`sklearn.set_config`: each setting left None
    keeps its value, and :func:`config_context` sets them for a block.

    Parameters
    ----------
    cpu_threads : {"auto", "torch"} or int, default=None
        How many torch threads skae's training and inference run on, on the
        CPU (torch's own setting, ``torch.get_num_threads()``, is restored
        when each call ends):

        - ``"auto"`` (the initial value): at most as many as the cores that
          other processes leave idle, measured over a few milliseconds every
          few seconds (Linux; elsewhere torch's setting). On a shared machine
          torch's threads spin while another process holds their core, so a
          fit with a thread per busy core runs 2 to 3 times slower than one
          with fewer threads. Calls on at most 64 rows keep torch's setting.
        - ``"torch"``: torch's setting, never changed.
        - an int: that many threads.

        None leaves the value as it is. The environment variable
        ``SKAE_CPU_THREADS`` sets the initial value (``"auto"``, ``"torch"``
        or a number).

    interrupt : {"keep", "raise"}, default=None
        What Ctrl-C during training does (in the main thread, with Python's
        own handler in place):

        - ``"keep"`` (the initial value): it ends the training with a
          warning and the estimator keeps the weights it has; a second Ctrl-C
          within 5 seconds stops the whole call (a search, a loop of fits);
        - ``"raise"``: Ctrl-C raises ``KeyboardInterrupt`` out of the call at
          once, as in plain Python code, and the estimator is left as it was
          before the call.

        None leaves the value as it is.

    See Also
    --------
    config_context : Context manager for skae's configuration.
    get_config : Retrieve the current values of the configuration.

    Examples
    --------
    >>> import skae
    >>> skae.set_config(cpu_threads="torch")
    >>> skae.get_config()["cpu_threads"]
    'torch'
    >>> skae.set_config(cpu_threads="auto")
    """
    config = thread_config()
    if cpu_threads is not None:
        config["cpu_threads"] = _check_cpu_threads(cpu_threads)
    if interrupt is not None:
        config["interrupt"] = _check_interrupt(interrupt)


@contextmanager
def config_context(*, cpu_threads=None, interrupt=None):
    """Context manager for skae's configuration.

    Within the block, the values given (see :func:`set_config`); afterwards,
    the values before it.

    Parameters
    ----------
    cpu_threads : {"auto", "torch"} or int, default=None
        How many torch threads skae's training and inference run on; see
        :func:`set_config`. None leaves the value as it is.
    interrupt : {"keep", "raise"}, default=None
        What Ctrl-C during training does; see :func:`set_config`. None
        leaves the value as it is.

    Yields
    ------
    None.

    See Also
    --------
    set_config : Set skae's configuration.
    get_config : Retrieve the current values of the configuration.

    Examples
    --------
    >>> import skae
    >>> with skae.config_context(cpu_threads=1):
    ...     skae.get_config()["cpu_threads"]
    1
    """
    old = get_config()
    set_config(cpu_threads=cpu_threads, interrupt=interrupt)
    try:
        yield
    finally:
        set_config(**old)
