"""Ctrl-C during training: tells the user's interrupt from the
``KeyboardInterrupt`` that callbacks raise to end training."""

import math
import signal
import threading
import time
from contextlib import contextmanager

from ._config import thread_config

# A second Ctrl-C within this many seconds of the first stops the call (a
# search, a cross-validation) instead of only the current training.
REPEAT_INTERRUPT_SECONDS = 5.0


_last_interrupt = [-math.inf]


class UserInterrupt(KeyboardInterrupt):
    """Ctrl-C during training; ``repeated`` when it follows another one closely."""

    def __init__(self, repeated):
        super().__init__()
        self.repeated = repeated


def _on_sigint(signum, frame):
    now = time.monotonic()
    repeated = (thread_config()["interrupt"] == "raise"
                or now - _last_interrupt[0] < REPEAT_INTERRUPT_SECONDS)
    _last_interrupt[0] = now
    raise UserInterrupt(repeated)


@contextmanager
def user_interrupts():
    """Within the block, Ctrl-C raises :class:`UserInterrupt`, which tells it
    from the ``KeyboardInterrupt`` that callbacks raise to end training.

    Only in the main thread (the one that receives signals), and only when
    Python's own handler is in place: a handler of the caller's is kept.
    Under ``skae.set_config(interrupt="raise")`` every Ctrl-C counts as
    repeated: it stops the call instead of ending the training quietly (as
    skorch ends it on any KeyboardInterrupt).
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
