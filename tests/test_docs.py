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
