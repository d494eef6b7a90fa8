"""pytest's collection of skae's doctests (``--doctest-modules`` over skae/):
a module that needs an optional extra is left out when the extra is not
installed, since importing it raises an ImportError that names the extra."""

import importlib.util

collect_ignore = []
if any(importlib.util.find_spec(name) is None for name in ("skl2onnx", "onnx", "onnxscript")):
    collect_ignore.append("skae/onnx.py")
