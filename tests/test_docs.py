"""The documentation builds with no warnings (examples not executed here:
``tests/test_examples.py`` runs them)."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def test_docs_build_without_warnings(tmp_path):
    for module in ("sphinx", "numpydoc", "sphinx_gallery", "pydata_sphinx_theme",
                   "myst_parser"):
        pytest.importorskip(module)
    # Build a copy, so that the generated pages never land in the checkout.
    for folder in ("docs", "examples", "benchmarks/results"):
        shutil.copytree(ROOT / folder, tmp_path / folder,
                        ignore=shutil.ignore_patterns("_build", "generated", "auto_examples"))
    shutil.copy(ROOT / "CHANGELOG.md", tmp_path)
    result = subprocess.run(
        [sys.executable, "-m", "sphinx", "-b", "html", "-W", "--keep-going", "-q",
         "-D", "plot_gallery=0", str(tmp_path / "docs"), str(tmp_path / "html")],
        capture_output=True, text=True,
    )
    assert result.returncode == 0, result.stderr[-5000:]
    api = (tmp_path / "html" / "api.html").read_text()
    import skae
    import skae.datasets
    import skae.metrics
    import skae.plotting

    for module in (skae, skae.datasets, skae.metrics, skae.plotting):
        for name in module.__all__:
            assert f"{module.__name__}.{name}.html" in api, f"{name} missing from the API page"


def _public_objects(module):
    """``(path, method, class)`` of every public name of ``module`` and of the
    public methods and properties that skae defines on its classes."""
    import inspect

    for name in module.__all__:
        obj = getattr(module, name)
        if not (inspect.isclass(obj) or inspect.isfunction(obj)):
            continue  # an instance, e.g. trustworthiness_scorer: its class is checked
        path = f"{module.__name__}.{name}"
        yield path, None, None
        if not inspect.isclass(obj):
            continue
        for method in dir(obj):
            attribute = getattr(obj, method)
            if method.startswith("_") or not (callable(attribute)
                                              or isinstance(attribute, property)):
                continue
            defined = getattr(getattr(attribute, "fget", attribute), "__module__", "") or ""
            if defined.startswith("skae"):
                yield f"{path}.{method}", method, obj


def _filtered(errors, method, klass):
    """numpydoc's errors less those scikit-learn's own docstring test ignores
    (its ``maint_tools``/``test_docstrings.py`` filter): RT02, GL01 and GL02
    everywhere, PR02 and GL08 for properties, and EX01, SA01 and ES01 for
    methods (they count for classes and functions)."""
    for code, message in errors:
        if code in ("RT02", "GL01", "GL02"):
            continue
        if (code in ("PR02", "GL08") and method is not None
                and isinstance(getattr(klass, method), property)):
            continue
        if method is not None and code in ("EX01", "SA01", "ES01"):
            continue
        yield code, message


@pytest.mark.parametrize("module_name", ["skae", "skae.datasets", "skae.metrics",
                                         "skae.plotting"])
def test_docstrings_pass_numpydoc_validation(module_name):
    # scikit-learn's rules for its own docstrings, on every public name
    # (estimators, configuration, loaders, metrics, Displays): every parameter described, the order
    # of the signature, a one-line summary, See Also and Examples.
    validate = pytest.importorskip("numpydoc.validate")
    import importlib

    module = importlib.import_module(module_name)
    problems = [f"{path}: {code} {message}"
                for path, method, klass in _public_objects(module)
                for code, message in _filtered(validate.validate(path)["errors"], method,
                                               klass)]
    assert not problems, "\n".join(problems)
