import numpy as np
import pytest
from sklearn.cluster import KMeans
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import Pipeline

from skae import Autoencoder
from skae.metrics import (
    TrustworthinessScorer,
    cluster_accuracy,
    cluster_accuracy_scorer,
    neg_reconstruction_error_scorer,
    peak_signal_noise_ratio,
    reconstruction_error,
    trustworthiness_scorer,
)


def test_cluster_accuracy_matches_clusters_to_labels():
    y = np.array([0, 0, 1, 1, 2, 2])
    assert cluster_accuracy(y, [5, 5, 3, 3, 4, 4]) == 1.0
    assert cluster_accuracy(y, [1, 1, 1, 1, 2, 2]) == pytest.approx(4 / 6)
    assert cluster_accuracy(["a", "a", "b"], [0, 1, 1]) == pytest.approx(2 / 3)


def test_cluster_accuracy_with_more_clusters_than_labels():
    assert cluster_accuracy([0, 0, 0, 1], [0, 1, 2, 3]) == pytest.approx(2 / 4)


def test_cluster_accuracy_bad_input():
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        cluster_accuracy([0, 1], [0])
    with pytest.raises(ValueError, match="at least one sample"):
        cluster_accuracy([], [])


def test_majority_mapping_lets_clusters_share_a_label():
    y = [0, 0, 0, 1, 1, 1]
    clusters = [0, 0, 1, 2, 2, 2]
    assert cluster_accuracy(y, clusters) == pytest.approx(5 / 6)
    assert cluster_accuracy(y, clusters, mapping="majority") == 1.0
    with pytest.raises(ValueError, match="'mapping' parameter of cluster_accuracy"):
        cluster_accuracy(y, clusters, mapping="vote")


def test_reconstruction_error_and_psnr():
    X = np.array([[0.0, 1.0], [1.0, 0.0]])
    X_pred = np.array([[0.1, 0.9], [0.7, 0.0]])
    assert reconstruction_error(X, X_pred) == pytest.approx((0.01 + 0.01 + 0.09) / 4)
    np.testing.assert_allclose(reconstruction_error(X, X_pred, per_sample=True),
                               [0.01, 0.045])
    expected_bce = -np.mean([np.log(0.9), np.log(0.9), np.log(0.7), np.log(1 - 1e-7)])
    assert reconstruction_error(X, X_pred, loss="binary_crossentropy") == pytest.approx(
        expected_bce)
    mse = 0.11 / 4
    assert peak_signal_noise_ratio(X, X_pred) == pytest.approx(10 * np.log10(1 / mse))
    assert peak_signal_noise_ratio(X * 255, X_pred * 255, data_range=255) == pytest.approx(
        10 * np.log10(1 / mse))
    assert peak_signal_noise_ratio(X, X) == np.inf
    with pytest.raises(ValueError, match=r"same shape; got \(2, 2\) and \(2, 1\)"):
        reconstruction_error(X, X[:, :1])
    with pytest.raises(ValueError, match="X_true is constant"):
        peak_signal_noise_ratio(np.zeros((2, 2)), X)


def test_autoencoder_score_is_the_metric_with_its_loss(digits):
    X = digits[0][:300]
    ae = Autoencoder(n_components=4, max_iter=3, random_state=0).fit(X)
    X_rec = ae.inverse_transform(ae.transform(X))
    np.testing.assert_allclose(-ae.score_samples(X),
                               reconstruction_error(X, X_rec, per_sample=True), rtol=1e-4)
    assert neg_reconstruction_error_scorer(ae, X) == pytest.approx(ae.score(X), rel=1e-4)


def test_scorers_in_a_grid_search(digits):
    X, y = digits[0][:300], digits[1][:300]
    pipe = Pipeline([("ae", Autoencoder(max_iter=3, random_state=0)),
                     ("km", KMeans(10, n_init=2, random_state=0))])
    search = GridSearchCV(pipe, {"ae__n_components": [2, 8]}, cv=2,
                          scoring=cluster_accuracy_scorer).fit(X, y)
    assert 0 < search.best_score_ <= 1
    search = GridSearchCV(Autoencoder(max_iter=3, random_state=0), {"n_components": [2, 8]},
                          cv=2, scoring={"rec": neg_reconstruction_error_scorer,
                                         "trust": trustworthiness_scorer},
                          refit="trust").fit(X)
    assert (search.cv_results_["mean_test_rec"] < 0).all()
    assert ((0 < search.cv_results_["mean_test_trust"])
            & (search.cv_results_["mean_test_trust"] <= 1)).all()
    assert TrustworthinessScorer(3)(search.best_estimator_, X) > 0.5
    with pytest.raises(ValueError, match="n_neighbors must be a positive int; got 0"):
        TrustworthinessScorer(0)


def test_explained_variance_scorer_is_pcas_ratio_and_the_fitted_attribute(digits):
    from sklearn.decomposition import PCA

    from skae import Autoencoder, ConditionalVariationalAutoencoder
    from skae.metrics import explained_variance_scorer

    X, y = digits
    pca = PCA(n_components=8).fit(X)
    assert explained_variance_scorer(pca, X) == pytest.approx(
        pca.explained_variance_ratio_.sum(), abs=1e-6)
    ae = Autoencoder(n_components=8, max_iter=20, random_state=0).fit(X)
    assert 0 < ae.explained_variance_ratio_ < 1
    assert explained_variance_scorer(ae, X) == pytest.approx(ae.explained_variance_ratio_,
                                                            abs=1e-5)
    # One minus the squared error over the total: 0 for the column means, below for worse.
    means = np.tile(X.mean(axis=0), (len(X), 1))
    constant = type("Means", (), {"transform": lambda self, X: X,
                                  "inverse_transform": lambda self, Z: means})()
    assert explained_variance_scorer(constant, X) == pytest.approx(0.0, abs=1e-9)
    ae.partial_fit(X[:300])  # the last block's share
    assert explained_variance_scorer(ae, X[:300]) == pytest.approx(
        ae.explained_variance_ratio_, abs=1e-5)
    cvae = ConditionalVariationalAutoencoder(n_components=4, max_iter=3,
                                             random_state=0).fit(X[:200], y[:200])
    assert np.isfinite(cvae.explained_variance_ratio_)
