"""pytest's collection of skae's doctests (``--doctest-modules`` over skae/):
a module that needs an optional extra is left out when the extra is not
installed, since importing it raises an ImportError that names the extra.
Under pytest-xdist (the README's ``-n 2``) each worker trains with one torch
thread."""

import importlib.util
import os

collect_ignore = []
if any(importlib.util.find_spec(name) is None for name in ("skl2onnx", "onnx", "onnxscript")):
    collect_ignore.append("skae/onnx.py")


def pytest_configure(config):
    # Each xdist worker is a process of its own: with torch's default of a
    # thread per core, the workers' threads would spin against each other.
    # The environment variable reaches the processes a test starts.
    if os.environ.get("PYTEST_XDIST_WORKER"):
        os.environ["OMP_NUM_THREADS"] = "1"
        import torch

        torch.set_num_threads(1)
