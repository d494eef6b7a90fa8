"""Every example runs, in a fast mode, so none rots."""

import runpy
import sys
from pathlib import Path

import pytest

EXAMPLES = sorted((Path(__file__).parent.parent / "examples").glob("plot_*.py"))


@pytest.fixture
def fast(monkeypatch):
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    monkeypatch.setenv("SKAE_EXAMPLE_MAX_ITER", "2")
    monkeypatch.setenv("SKAE_EXAMPLE_N_TRIALS", "2")
    monkeypatch.setenv("SKAE_EXAMPLE_N_SAMPLES", "500")
    monkeypatch.delenv("SKAE_EXAMPLE_DATASET", raising=False)
    yield
    import matplotlib.pyplot as plt

    plt.close("all")


# The studies users run with skae, and the example that shows each.
STUDIES = {
    "quick start": "plot_quick_start.py",
    "Pipeline and GridSearchCV": "plot_pipeline_kmeans.py",
    "optimizer comparison": "plot_optimizers.py",
    "regularisation": "plot_regularisation.py",
    "search with Optuna": "plot_optuna.py",
    "latent space with PCA and t-SNE": "plot_latent_space.py",
    "KMeans on codes, latent 2 against 32": "plot_clustering.py",
    "fine-tuning a classifier": "plot_classifier.py",
    "optimizers x from scratch, fine-tuned and frozen classifiers, accuracy curves and a "
    "confusion matrix": "plot_classifier_study.py",
    "denoising with PSNR": "plot_denoising.py",
    "sparse codes": "plot_sparse.py",
    "contractive codes against denoising and sparse ones": "plot_contractive.py",
    "two-digit images": "plot_multi_digits.py",
    "VAE samples and traversal": "plot_vae_generation.py",
    "conditional generation": "plot_conditional_vae.py",
    "outlier detection": "plot_outlier_detection.py",
    "reconstructions epoch by epoch": "plot_reconstruction_history.py",
    "N2D clustering with UMAP": "plot_n2d_clustering.py",
    "a table with missing values: imputation, a classifier, explained outliers":
        "plot_tables.py",
}
# Examples that need an optional extra, the name each binds to None without
# it, and what it prints then.
OPTIONAL = {"plot_optuna.py": ("optuna", "optuna", "Optuna is not installed"),
            "plot_n2d_clustering.py": ("umap", "UMAP", "umap-learn is not installed")}


def test_there_is_an_example_per_study():
    missing = {study: name for study, name in STUDIES.items()
               if not (EXAMPLES[0].parent / name).exists()}
    assert not missing


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.name for p in EXAMPLES])
def test_example_runs(path, fast):
    namespace = runpy.run_path(str(path), run_name="__main__")
    import matplotlib.pyplot as plt

    skipped = path.name in OPTIONAL and namespace[OPTIONAL[path.name][1]] is None
    assert plt.get_fignums() or skipped, "no figure drawn"


@pytest.mark.parametrize("name", sorted(OPTIONAL))
def test_example_is_skipped_cleanly_without_its_extra(name, fast, monkeypatch, capsys):
    module, _, message = OPTIONAL[name]
    monkeypatch.setitem(sys.modules, module, None)
    runpy.run_path(str(Path(__file__).parent.parent / "examples" / name), run_name="__main__")
    assert message in capsys.readouterr().out
