"""Missing values: the deterministic autoencoders take NaN in X, and AutoencoderImputer
fills gaps from their reconstructions."""

import numpy as np
import pytest
import torch
from sklearn.decomposition import PCA
from sklearn.frozen import FrozenEstimator
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline

from skae import (
    Autoencoder,
    AutoencoderClassifier,
    AutoencoderImputer,
    AutoencoderOutlierDetector,
    DeepEmbeddedClustering,
    Reconstructor,
    VariationalAutoencoder,
)
from skae._losses import negative_log_likelihood, reconstruction_error
from skae.datasets import add_noise
from skae.metrics import explained_variance_scorer
from skae.metrics import reconstruction_error as reconstruction_error_of

FAST = dict(n_components=8, max_iter=30, random_state=0)


@pytest.fixture(scope="module")
def gapped(digits):
    """600 digits, standardised, with a fifth of the entries missing, and the mask."""
    X = digits[0][:600].astype(np.float64)
    X = (X - X.mean(0)) / np.where(X.std(0) > 0, X.std(0), 1)
    missing = np.random.default_rng(0).random(X.shape) < 0.2
    return X, np.where(missing, np.nan, X), missing


def test_the_loss_leaves_missing_entries_out():
    output = torch.tensor([[1.0, 2.0, 3.0], [0.0, 0.0, 0.0]])
    target = torch.tensor([[0.0, float("nan"), 1.0], [float("nan")] * 3])
    per_sample = reconstruction_error(output, target, "squared_error")
    torch.testing.assert_close(per_sample[0], torch.tensor((1.0 + 4.0) / 2))
    assert torch.isnan(per_sample[1])  # nothing observed: no error
    torch.testing.assert_close(reconstruction_error(output, target, "squared_error",
                                                    per_sample=False), torch.tensor(2.5))


def test_an_autoencoder_trains_and_scores_on_rows_with_gaps(gapped):
    X, X_gapped, missing = gapped
    assert Autoencoder().__sklearn_tags__().input_tags.allow_nan
    ae = Autoencoder(**FAST).fit(X_gapped)
    # Standardised by the observed entries' means and deviations, a gap filled
    # with its column's mean: 0 once standardised.
    np.testing.assert_allclose(ae.mean_, np.nanmean(X_gapped, 0), atol=1e-5)
    std = np.nanstd(X_gapped, 0)
    np.testing.assert_allclose(ae.scale_, np.where(std > 1e-6, std, 1), rtol=1e-4)
    np.testing.assert_allclose(ae.module_.fill.numpy(), 0, atol=1e-5)
    codes = ae.transform(X_gapped)
    assert np.isfinite(codes).all() and np.isfinite(ae.loss_curve_).all()
    # A row's score is minus its error over its observed entries, each in its
    # column's standard deviations.
    restored = ae.inverse_transform(codes)
    expected = -np.nanmean(((restored - X_gapped) / ae.scale_) ** 2, axis=1)
    np.testing.assert_allclose(ae.score_samples(X_gapped), expected, rtol=1e-4)
    assert 0 < ae.explained_variance_ratio_ < 1
    # The metrics leave gaps out as the estimator does.
    np.testing.assert_allclose(
        -reconstruction_error_of(X_gapped / ae.scale_, restored / ae.scale_, per_sample=True),
        ae.score_samples(X_gapped), rtol=1e-4)
    np.testing.assert_allclose(explained_variance_scorer(ae, X_gapped),
                               ae.explained_variance_ratio_, rtol=1e-4)
    # Missing entries are filled with the column means on the way in.
    row = np.full((1, X.shape[1]), np.nan)
    np.testing.assert_allclose(ae.transform(row), ae.transform(ae.mean_[None]), atol=1e-6)
    assert np.isnan(ae.score_samples(row)[0])


TWO = dict(n_components=3, max_iter=2, random_state=0)


@pytest.mark.parametrize("wrapper", [
    AutoencoderOutlierDetector(Autoencoder(**TWO)),
    Reconstructor(Autoencoder(**TWO)),
    AutoencoderClassifier(Autoencoder(**TWO), max_iter=2, random_state=0),
    AutoencoderClassifier(Autoencoder(**TWO), pretrain=False, max_iter=2, random_state=0),
    DeepEmbeddedClustering(3, Autoencoder(**TWO), max_iter=2, random_state=0),
], ids=lambda w: type(w).__name__ + ("-from-scratch" if not getattr(w, "pretrain", True)
                                     else ""))
def test_wrappers_take_gaps_where_their_autoencoder_does(wrapper, X_small):
    gapped = add_noise(X_small, "missing", 0.2, random_state=0)
    assert wrapper.__sklearn_tags__().input_tags.allow_nan
    wrapper.fit(gapped, np.arange(len(gapped)) % 3)
    method = getattr(wrapper, "predict", None) or wrapper.transform
    assert np.isfinite(method(gapped)).all()
    if isinstance(wrapper, AutoencoderOutlierDetector):
        assert np.isfinite(wrapper.offset_)
        np.testing.assert_allclose(wrapper.feature_errors(gapped).sum(1),
                                   -wrapper.score_samples(gapped), rtol=1e-6)
        assert (wrapper.feature_errors(gapped)[np.isnan(gapped)] == 0).all()
    over_pca = Reconstructor(PCA(2))  # another library's model, which takes no NaN
    assert not over_pca.__sklearn_tags__().input_tags.allow_nan
    with pytest.raises(ValueError, match="Input X contains NaN"):
        over_pca.fit(gapped)


def test_partial_fit_takes_gaps(X_small):
    gapped = add_noise(X_small, "missing", 0.2, random_state=0)
    ae = Autoencoder(**TWO)
    for part in np.array_split(gapped, 2):
        ae.partial_fit(part)
    assert np.isfinite(ae.loss_curve_).all() and np.isfinite(ae.transform(gapped)).all()


def test_a_memory_mapped_x_may_have_gaps_but_no_infinity(X_small, tmp_path):
    gapped = add_noise(X_small, "missing", 0.2, random_state=0).astype(np.float32)
    np.save(tmp_path / "X.npy", gapped)
    ae = Autoencoder(**TWO).fit(np.load(tmp_path / "X.npy", mmap_mode="r"))
    assert np.isfinite(ae.transform(np.load(tmp_path / "X.npy", mmap_mode="r"))).all()
    gapped[5, 2] = np.inf
    np.save(tmp_path / "X.npy", gapped)
    with pytest.raises(ValueError, match=r"Input X contains infinity in row 5\."):
        Autoencoder(**TWO).fit(np.load(tmp_path / "X.npy", mmap_mode="r"))


def test_a_vae_leaves_missing_entries_out_of_its_likelihood(X_small):
    output, target = torch.tensor([[0.5, 1.0, 2.0]]), torch.tensor([[0.0, float("nan"), 1.0]])
    log_scale = torch.tensor(0.3)
    nll = negative_log_likelihood(output, target, "squared_error", log_scale)
    observed = negative_log_likelihood(output[:, [0, 2]], target[:, [0, 2]], "squared_error",
                                       log_scale)
    torch.testing.assert_close(nll, observed)  # the missing feature adds nothing
    gapped = add_noise(X_small, "missing", 0.2, random_state=0)
    vae = VariationalAutoencoder(**TWO).fit(gapped)
    assert vae.__sklearn_tags__().input_tags.allow_nan
    assert np.isfinite(vae.transform(gapped)).all()
    assert np.isfinite(vae.score_samples(gapped)).all()
    assert np.isfinite(vae.log_likelihood(gapped, n_importance_samples=4)).all()


def test_noise_missing_hides_entries(X_small):
    noisy = add_noise(X_small, "missing", 0.5, random_state=0)
    assert 0.3 < np.isnan(noisy).mean() < 0.7
    np.testing.assert_array_equal(noisy[~np.isnan(noisy)], X_small[~np.isnan(noisy)])


def test_the_imputer_beats_column_means_and_keeps_observed_entries(gapped):
    X, X_gapped, missing = gapped
    imputer = AutoencoderImputer(Autoencoder(noise="missing", **FAST), random_state=0)
    before = X_gapped.copy()
    imputed = imputer.fit(X_gapped).transform(X_gapped)
    np.testing.assert_array_equal(X_gapped, before)  # never written to
    assert imputed.dtype == np.float64 and not np.isnan(imputed).any()
    np.testing.assert_array_equal(imputed[~missing], X[~missing])
    rmse = np.sqrt(np.mean((imputed[missing] - X[missing]) ** 2))
    mean_rmse = np.sqrt(np.mean((SimpleImputer().fit_transform(X_gapped)[missing]
                                 - X[missing]) ** 2))
    assert rmse < 0.8 * mean_rmse, (rmse, mean_rmse)
    assert imputer.transform(X_gapped.astype(np.float32)).dtype == np.float32


def test_missing_values_other_than_nan_and_the_indicator(gapped):
    X, X_gapped, missing = gapped
    params = dict(autoencoder=Autoencoder(n_components=4, max_iter=3, random_state=0),
                  add_indicator=True)
    by_nan = AutoencoderImputer(**params).fit(X_gapped).transform(X_gapped)
    coded = np.where(missing, -999.0, X)
    by_code = AutoencoderImputer(missing_values=-999.0, **params).fit(coded).transform(coded)
    np.testing.assert_array_equal(by_code, by_nan)
    n_features = X.shape[1]
    np.testing.assert_array_equal(by_nan[:, n_features:], missing[:, missing.any(0)])
    names = AutoencoderImputer(**params).fit(X_gapped).get_feature_names_out()
    assert names[n_features] == "missingindicator_x0" and len(names) == by_nan.shape[1]


def test_a_search_needs_no_labels_and_a_pipeline_takes_gaps(gapped, digits):
    X, X_gapped, _ = gapped
    small = Autoencoder(noise="missing", max_iter=10, random_state=0)
    search = GridSearchCV(AutoencoderImputer(small, random_state=0),
                          {"autoencoder__n_components": [1, 8]}, cv=2).fit(X_gapped)
    scores = search.cv_results_["mean_test_score"]
    assert scores[1] > scores[0]  # one code dimension imputes worse than eight
    assert search.best_params_ == {"autoencoder__n_components": 8}
    imputer = search.best_estimator_
    assert imputer.score(X_gapped) == imputer.score(X_gapped)  # the same hidden entries
    model = make_pipeline(AutoencoderImputer(small), LogisticRegression(max_iter=200))
    assert model.fit(X_gapped, digits[1][:600]).score(X_gapped, digits[1][:600]) > 0.8


def test_the_default_autoencoder_trains_to_fill_gaps(X_small):
    gapped = add_noise(X_small, "missing", 0.2, random_state=0)
    imputer = AutoencoderImputer(random_state=0).fit(gapped)
    assert isinstance(imputer.autoencoder_, Autoencoder)
    assert imputer.autoencoder_.get_params()["noise"] == "missing"
    assert not np.isnan(imputer.transform(gapped)).any()


def test_the_imputer_says_what_it_cannot_do(gapped, X_small):
    X_gapped = gapped[1]
    with pytest.raises(TypeError, match=r"autoencoder must take missing values .* got PCA"):
        AutoencoderImputer(PCA(2)).fit(X_gapped)
    frozen = FrozenEstimator(Autoencoder(n_components=4, max_iter=1).fit(X_small))
    with pytest.raises(ValueError, match="set scale=False"):
        AutoencoderImputer(frozen).fit(X_small)
    empty = X_small.copy()
    empty[:, 2] = np.nan
    with pytest.warns(UserWarning, match=r"Columns \[2\] have no observed value"):
        AutoencoderImputer(Autoencoder(n_components=4, max_iter=1, random_state=0)).fit(empty)
