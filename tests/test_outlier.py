"""Outlier detection by reconstruction, and the reconstruction step."""

import tracemalloc

import numpy as np
import pytest
from sklearn.decomposition import PCA
from sklearn.ensemble import IsolationForest
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import train_test_split
from sklearn.pipeline import Pipeline

from skae import (
    Autoencoder,
    AutoencoderOutlierDetector,
    ConvAutoencoder,
    DenoisingAutoencoder,
    Reconstructor,
    VariationalAutoencoder,
)
from skae.metrics import reconstruction_error


def small(**params):
    return Autoencoder(**{"n_components": 8, "max_iter": 40, "random_state": 0, **params})


def test_detects_a_digit_never_seen_in_training(digits):
    X, y = digits
    normal, anomalies = X[y != 0], X[y == 0]
    train, test = normal[:1200], normal[1200:]
    X_test = np.vstack([test, anomalies])
    is_outlier = np.r_[np.zeros(len(test)), np.ones(len(anomalies))]
    detector = AutoencoderOutlierDetector(small()).fit(train)
    auc = roc_auc_score(is_outlier, -detector.score_samples(X_test))
    forest = IsolationForest(random_state=0).fit(train)
    auc_forest = roc_auc_score(is_outlier, -forest.score_samples(X_test))
    assert auc > 0.9 and auc > auc_forest
    assert (detector.predict(anomalies) == -1).mean() > (detector.predict(test) == -1).mean()


def test_offset_from_contamination_or_robust_rule(digits):
    X = digits[0][:500]
    detector = AutoencoderOutlierDetector(small(max_iter=3), contamination=0.1).fit(X)
    assert (detector.predict(X) == -1).mean() == pytest.approx(0.1, abs=0.01)
    np.testing.assert_allclose(detector.decision_function(X),
                               detector.score_samples(X) - detector.offset_)
    auto = AutoencoderOutlierDetector(small(max_iter=3), random_state=1).fit(X)
    # "auto": the robust rule on the scores of the 20% of rows held out of training.
    rng = np.random.RandomState(1)
    rng.randint(np.iinfo(np.int32).max)
    scores = auto.score_samples(X[rng.permutation(len(X))[:100]])
    mad = np.median(np.abs(scores - np.median(scores)))
    assert auto.offset_ == pytest.approx(np.median(scores) - 3 * 1.4826 * mad, rel=1e-5)


def test_auto_threshold_holds_on_held_out_normals(digits):
    # New normal digits are rarely flagged (the threshold from the training scores
    # flagged 13% of them here), and the digit never seen in training mostly is.
    X, y = digits
    train, test = train_test_split(X[y != 0], test_size=0.25, random_state=0)
    detector = AutoencoderOutlierDetector(small(max_iter=100), random_state=0).fit(train)
    assert (detector.predict(test) == -1).mean() < 0.1
    assert (detector.predict(X[y == 0]) == -1).mean() > 0.9


def test_default_and_variational_autoencoders(digits):
    X = digits[0][:200]
    detector = AutoencoderOutlierDetector(
        VariationalAutoencoder(n_components=2, loss="binary_crossentropy", max_iter=2,
                               random_state=0)).fit(X)
    np.testing.assert_allclose(detector.score_samples(X),
                               detector.autoencoder_.score_samples(X), rtol=1e-6)
    default = AutoencoderOutlierDetector().fit(X[:64])
    assert type(default.autoencoder_) is Autoencoder
    # The default autoencoder, seeded from the detector's random_state.
    params = default.autoencoder_.get_params()
    assert isinstance(params.pop("random_state"), int)
    assert params == {k: v for k, v in Autoencoder().get_params().items()
                      if k != "random_state"}
    default_step = Reconstructor().fit(X[:64])
    assert type(default_step.autoencoder_) is DenoisingAutoencoder
    with pytest.raises(ValueError, match="'contamination' parameter"):
        AutoencoderOutlierDetector(contamination=0.7).fit(X)


@pytest.mark.parametrize("autoencoder", [
    small(max_iter=3),
    VariationalAutoencoder(n_components=4, max_iter=3, random_state=0),
    ConvAutoencoder(n_components=4, image_shape=(1, 8, 8), max_iter=2, random_state=0),
    PCA(n_components=5),
], ids=["Autoencoder", "VariationalAutoencoder", "ConvAutoencoder", "PCA"])
def test_reconstructor_passes_reconstructions_on(digits, autoencoder):
    # A skae autoencoder reconstructs in one pass, with the codes rounded to
    # float32 as transform returns them: to the bit the two calls' result.
    X = digits[0][:300]
    step = Reconstructor(autoencoder).fit(X)
    ae = step.autoencoder_
    np.testing.assert_array_equal(step.transform(X), ae.inverse_transform(ae.transform(X)))
    names = np.array([f"px{i}" for i in range(64)], dtype=object)
    assert list(step.get_feature_names_out(names)) == list(names)


def test_denoise_then_classify(digits):
    X, y = digits
    rng = np.random.default_rng(0)
    X_noisy = np.clip(X + rng.normal(0, 0.3, X.shape), 0, 1).astype(np.float32)
    pipe = Pipeline([
        ("denoise", Reconstructor(DenoisingAutoencoder(noise="gaussian", noise_level=0.3,
                                                       random_state=0))),
        ("clf", LogisticRegression(max_iter=1000)),
    ]).fit(X[:1200], y[:1200])
    denoised = pipe[0].transform(X_noisy[1200:])
    assert (reconstruction_error(X[1200:], denoised)
            < reconstruction_error(X[1200:], X_noisy[1200:]))
    # 0.846 with the defaults (123 epochs, 2 s) when written.
    assert pipe.score(X_noisy[1200:], y[1200:]) > 0.8


def test_auto_threshold_copies_no_large_part_of_x(monkeypatch):
    # The autoencoder trains on its 80% of X a block at a time, and the
    # held-out 20% is scored 4,096 rows at a time: the memory beyond X is
    # bounded by a block, not by X. Blocks of 65,536 values (256 kB) here, X
    # 10 MB, codes of 2 numbers a row; tracemalloc sees numpy's allocations (not torch's).
    monkeypatch.setattr("skae._streaming.BLOCK_VALUES", 1 << 16)
    monkeypatch.setattr("skae._streaming.SUMMARY_VALUES", 1 << 16)
    X = np.random.default_rng(0).random((80_000, 32), dtype=np.float32)
    autoencoder = small(max_iter=1, hidden_layer_sizes=(8,), n_components=2)
    detector = AutoencoderOutlierDetector(autoencoder, random_state=0)
    detector.fit(X[:100])  # torch imports modules on a first fit (sympy: 40 MB)
    tracemalloc.start()
    try:
        detector.fit(X)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    # 0.37 here: the split's row indices (20 bytes a row) and the codes'
    # density; the copies of the 80% and the 20% made it 1.17.
    assert peak < 0.5 * X.nbytes, peak / X.nbytes
    assert detector.autoencoder_.n_features_in_ == 32 and np.isfinite(detector.offset_)


def test_feature_errors_name_the_column_that_is_wrong():
    pd = pytest.importorskip("pandas")
    # A table whose columns follow two factors; one test row gets column 5 wrong.
    rng = np.random.default_rng(0)
    factors = rng.standard_normal((600, 2))
    X = (factors @ rng.standard_normal((2, 8)) + 0.05 * rng.standard_normal((600, 8)))
    X = pd.DataFrame(X.astype(np.float32), columns=[f"c{j}" for j in range(8)])
    detector = AutoencoderOutlierDetector(
        small(n_components=2, max_iter=150, hidden_layer_sizes=(16,)), random_state=0).fit(X)
    test = X.iloc[:20].copy()
    test.iloc[3, 5] += 4.0
    errors = detector.feature_errors(test)
    assert errors.shape == (20, 8) and errors.dtype == np.float64
    np.testing.assert_allclose(errors.sum(axis=1), -detector.score_samples(test), rtol=1e-10)
    assert np.argmax(errors[3]) == 5 and errors[3, 5] > 10 * np.median(errors[3])
    assert detector.predict(test)[3] == -1
    with pytest.raises(TypeError, match="feature_errors needs a deterministic skae "
                                        "autoencoder.*VariationalAutoencoder"):
        AutoencoderOutlierDetector(VariationalAutoencoder(max_iter=1),
                                   random_state=0).fit(X.iloc[:50]).feature_errors(test)


def test_feature_errors_of_a_convolutional_autoencoder(digits):
    # A family without tables (no categorical_features) gives its errors pixel by pixel.
    X = digits[0][:80]
    detector = AutoencoderOutlierDetector(
        ConvAutoencoder(n_components=4, image_shape=(1, 8, 8), max_iter=2),
        random_state=0).fit(X)
    errors = detector.feature_errors(X[:3])
    assert errors.shape == (3, 64)
    np.testing.assert_allclose(errors.sum(axis=1), -detector.score_samples(X[:3]), rtol=1e-6)
