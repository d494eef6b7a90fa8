"""What is unique to DeepEmbeddedClustering: target distribution, objective, stopping."""

from pathlib import Path

import numpy as np
import pytest
import torch
from sklearn.cluster import KMeans

from skae import Autoencoder, ConvAutoencoder, DeepEmbeddedClustering, VariationalAutoencoder
from skae._losses import sharpened_target
from skae.metrics import cluster_accuracy


def test_sharpened_target_formula():
    q = torch.tensor([[0.6, 0.4], [0.3, 0.7], [0.5, 0.5]])
    f = q.sum(0)
    expected = (q**2 / f) / (q**2 / f).sum(1, keepdim=True)
    torch.testing.assert_close(sharpened_target(q), expected)
    assert (sharpened_target(q).max(1).values >= q.max(1).values - 1e-6).all()


def test_clusters_digits_and_refines_kmeans_on_the_codes(digits):
    X, y = digits
    dec = DeepEmbeddedClustering(
        10, ConvAutoencoder(image_shape=(1, 8, 8), n_components=10, max_iter=30),
        update_interval=20, max_iter=30, random_state=0).fit(X)
    accuracy = cluster_accuracy(y, dec.labels_)
    codes = dec.autoencoder_.transform(X)
    start = cluster_accuracy(y, KMeans(10, n_init=20, random_state=0).fit_predict(codes))
    assert accuracy > 0.65 and accuracy > start - 0.02  # 0.71 and 0.70 when written
    np.testing.assert_array_equal(dec.predict(X), dec.labels_)
    proba = dec.predict_proba(X[:5])
    np.testing.assert_allclose(proba.sum(1), 1, rtol=1e-5)
    assert dec.cluster_centers_.shape == (10, 10)
    assert dec.transform(X[:5]).shape == (5, 10)


@pytest.mark.parametrize("method", ["idec", "dec"])
def test_objective_terms(method, digits):
    X = digits[0][:300]
    dec = DeepEmbeddedClustering(5, Autoencoder(n_components=4, max_iter=3), method=method,
                                 gamma=0.5, max_iter=3, update_interval=3,
                                 random_state=0).fit(X)
    terms = dec.loss_terms_curve_
    if method == "dec":
        assert set(terms) == {"clustering"}
        np.testing.assert_allclose(dec.loss_curve_, terms["clustering"])
    else:
        np.testing.assert_allclose(
            dec.loss_curve_,
            np.add(terms["reconstruction"], 0.5 * np.asarray(terms["clustering"])), rtol=1e-5)


def test_stops_when_few_labels_change(digits):
    X = digits[0][:300]
    dec = DeepEmbeddedClustering(5, Autoencoder(n_components=4, max_iter=3), tol=1.0,
                                 update_interval=1, max_iter=20, random_state=0).fit(X)
    assert dec.n_iter_ == 1


def test_errors(digits):
    X = digits[0][:50]
    with pytest.raises(ValueError, match="n_samples=50 should be >= n_clusters=60"):
        DeepEmbeddedClustering(60, Autoencoder(max_iter=1)).fit(X)
    with pytest.raises(TypeError, match="non-variational skae autoencoder.*got "
                                        "VariationalAutoencoder"):
        DeepEmbeddedClustering(3, VariationalAutoencoder(max_iter=1)).fit(X)


def test_tol_counts_samples_not_loss(digits):
    # tol is the share of samples changing cluster: it neither becomes the
    # plateau schedule's loss threshold nor brings a loss-based stopping rule.
    X = digits[0][:200]
    dec = DeepEmbeddedClustering(3, Autoencoder(n_components=4, max_iter=2), tol=0.5,
                                 learning_rate="plateau", max_iter=2,
                                 random_state=0).fit(X)
    callbacks = dict(dec.net_.callbacks_)
    assert callbacks["lr_scheduler"].kwargs["threshold"] == 1e-4
    assert {"convergence", "early_stopping"}.isdisjoint(callbacks)
    assert "target_update" in callbacks
    assert not hasattr(dec, "early_stopping") and not hasattr(dec, "warm_start")
    with pytest.raises(ValueError, match="'tol' parameter of DeepEmbeddedClustering must be"):
        DeepEmbeddedClustering(3, tol=1.5).fit(X)


def test_user_guide_dec_papers_recipe_runs(digits):
    # The recipe in the clustering guide trains as written (two epochs per phase
    # here): plain-momentum SGD at step 1 for the pretraining, then DEC by SGD.
    guide = Path(__file__).parent.parent / "docs" / "user_guide" / "clustering.md"
    section = guide.read_text().split("## The DEC papers' recipe")[1]
    code = section.split("```python")[1].split("```")[0]
    assert code.count("max_iter=") == 2
    code = code.replace("max_iter=300", "max_iter=2").replace("max_iter=75", "max_iter=2")
    namespace = {"X": digits[0][:300]}
    exec(code, namespace)
    dec = namespace["dec"]
    assert namespace["labels"].shape == (300,)
    for fitted, step in ((dec.autoencoder_, 1.0), (dec, 0.01)):
        optimizer = fitted.net_.optimizer_
        assert isinstance(optimizer, torch.optim.SGD)
        group = optimizer.param_groups[0]
        assert (group["lr"], group["momentum"], group["nesterov"]) == (step, 0.9, False)
    assert dec.method == "dec" and np.isfinite(dec.autoencoder_.loss_curve_).all()
