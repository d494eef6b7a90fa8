"""The thread policy of skae's training and inference on the CPU, switched
by ``cpu_threads`` (:func:`skae.set_config`)."""

import math
import os
import time
from contextlib import nullcontext

import torch

from ._config import thread_config

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


# Calls on at most this many rows keep torch's setting under "auto": sampling
# the cores costs more than their forward pass (one row served).
FEW_ROWS = 64


def _threads_for(setting, n_rows):
    """The torch threads that the ``cpu_threads`` setting asks for a call on
    ``n_rows`` rows (None: any number), or None for torch's setting."""
    if setting == "torch":
        return None
    if setting != "auto":
        return setting
    if n_rows is not None and n_rows <= FEW_ROWS:
        return None
    idle = idle_cores()
    return None if idle is None or idle >= torch.get_num_threads() else idle


class _SetThreads:
    """Sets torch's threads to ``wanted`` within the block, then restores them."""

    def __init__(self, wanted):
        self.wanted = wanted

    def __enter__(self):
        self.before = torch.get_num_threads()
        torch.set_num_threads(self.wanted)

    def __exit__(self, *exc):
        torch.set_num_threads(self.before)


_UNCHANGED = nullcontext()


def cpu_threads(n_rows=None):
    """A context manager that runs its block on the torch threads that skae's
    ``cpu_threads`` setting asks for (a call on ``n_rows`` rows; None for
    training), and restores torch's setting afterwards. Under ``"auto"``, no
    more threads than the cores other processes leave idle: on a shared CPU
    torch's worker threads spin while another process holds their core, and
    a fit with a thread per busy core runs 2 to 3 times slower than with one
    thread (benchmarks/bench_shared_cpu.py). A call that changes nothing
    costs no more than a ``nullcontext`` (one row served)."""
    wanted = _threads_for(thread_config()["cpu_threads"], n_rows)
    if wanted is None or wanted == torch.get_num_threads():
        return _UNCHANGED
    return _SetThreads(wanted)
