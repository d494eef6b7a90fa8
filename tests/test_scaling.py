"""``scale``: the dense autoencoders standardise a table's columns themselves."""

import pickle

import numpy as np
import pytest
import torch
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skae import (
    Autoencoder,
    AutoencoderOutlierDetector,
    ConvAutoencoder,
    DenoisingAutoencoder,
    VariationalAutoencoder,
)

FAST = dict(n_components=2, hidden_layer_sizes=(16,), max_iter=5, random_state=0)


def spread_table(n=200, seed=0):
    """Three columns on scales 1,000, 1 and 0.001 around means 5,000, 0 and
    0.01, all driven by one factor."""
    rng = np.random.default_rng(seed)
    t = rng.standard_normal((n, 1))
    X = np.hstack([t, -t, t ** 2]) + 0.1 * rng.standard_normal((n, 3))
    return X * [1000, 1, 0.001] + [5000, 0, 0.01]


def test_auto_standardises_a_table_by_its_training_rows():
    X = spread_table()
    ae = Autoencoder(**FAST).fit(X)
    np.testing.assert_allclose(ae.mean_, X.mean(0), rtol=1e-5)
    np.testing.assert_allclose(ae.scale_, X.std(0), rtol=1e-4)
    # The score counts each column in its own standard deviations.
    R = ae.inverse_transform(ae.transform(X))
    np.testing.assert_allclose(ae.score_samples(X),
                               -np.mean(((R - X) / ae.scale_) ** 2, axis=1), rtol=1e-4)
    # Reconstructions and samples come back in the units of X.
    assert abs(R[:, 0].mean() - 5000) < 500 and abs(ae.sample(200, random_state=0)[:, 0].mean()
                                                   - 5000) < 500


@pytest.mark.parametrize("params", [{}, {"contractive_weight": 0.1}, {"noise": "gaussian"}],
                         ids=["plain", "contractive", "gaussian noise"])
def test_auto_equals_a_standard_scaler_first(params):
    X = spread_table()
    ae = Autoencoder(**params, **FAST).fit(X)
    pipeline = make_pipeline(StandardScaler(),
                             Autoencoder(scale=False, **params, **FAST)).fit(X)
    np.testing.assert_allclose(ae.transform(X), pipeline.transform(X), atol=1e-4)
    np.testing.assert_allclose(ae.loss_curve_, pipeline[-1].loss_curve_, rtol=1e-4)


def test_auto_leaves_pixels_and_cross_entropy_alone():
    rng = np.random.default_rng(0)
    pixels = rng.random((100, 16))
    assert Autoencoder(**FAST).fit(pixels).scale_ is None
    table = spread_table()
    assert Autoencoder(loss="binary_crossentropy", **FAST).fit(pixels).mean_ is None
    assert Autoencoder(output_activation="sigmoid", **FAST).fit(table).scale_ is None
    assert DenoisingAutoencoder(noise="salt_and_pepper", **FAST).fit(table).scale_ is None
    assert Autoencoder(scale=False, **FAST).fit(table).scale_ is None
    # True standardises pixels too.
    assert Autoencoder(scale=True, **FAST).fit(pixels).scale_ is not None
    # The convolutional families take images as they are.
    assert not hasattr(ConvAutoencoder(n_components=2, max_iter=1).fit(pixels), "scale_")


@pytest.mark.parametrize("params, match", [
    (dict(loss="binary_crossentropy"), "loss='binary_crossentropy' takes targets in"),
    (dict(output_activation="sigmoid"), "output_activation='sigmoid' would bound"),
])
def test_scale_true_rejects_what_standardised_columns_cannot_take(params, match):
    X = np.random.default_rng(0).random((50, 4))
    with pytest.raises(ValueError, match=match):
        Autoencoder(scale=True, **params, **FAST).fit(X)


def test_scale_true_rejects_salt_and_pepper():
    with pytest.raises(ValueError, match="noise='salt_and_pepper' sets entries"):
        DenoisingAutoencoder(noise="salt_and_pepper", scale=True, **FAST).fit(spread_table())


def test_a_constant_column_keeps_its_units():
    X = spread_table()
    X[:, 1] = 7.0
    ae = Autoencoder(**FAST).fit(X)
    assert ae.scale_[1] == 1.0 and ae.mean_[1] == 7.0


def test_gaps_are_left_out_of_the_means_and_filled_with_them():
    X = spread_table()
    X[::3, 0] = np.nan
    ae = Autoencoder(**FAST).fit(X)
    np.testing.assert_allclose(ae.mean_[0], np.nanmean(X[:, 0]), rtol=1e-5)
    np.testing.assert_allclose(ae.scale_[0], np.nanstd(X[:, 0]), rtol=1e-4)
    np.testing.assert_allclose(ae.transform(X[:1] * np.nan), ae.transform(ae.mean_[None]),
                               atol=1e-5)


def test_partial_fit_keeps_the_first_blocks_figures():
    X = spread_table(400)
    ae = Autoencoder(**FAST)
    ae.partial_fit(X[:200]).partial_fit(X[200:] * 2)
    np.testing.assert_allclose(ae.mean_, X[:200].mean(0), rtol=1e-5)


def test_a_memory_mapped_table_is_standardised_alike(tmp_path):
    X = spread_table().astype(np.float32)
    np.save(tmp_path / "X.npy", X)
    mapped = np.load(tmp_path / "X.npy", mmap_mode="r")
    in_memory, streamed = Autoencoder(**FAST).fit(X), Autoencoder(**FAST).fit(mapped)
    np.testing.assert_allclose(streamed.mean_, in_memory.mean_, rtol=1e-6)
    np.testing.assert_allclose(streamed.scale_, in_memory.scale_, rtol=1e-6)


def test_a_vae_standardises_and_samples_in_the_units_of_x():
    X = spread_table()
    vae = VariationalAutoencoder(**FAST).fit(X)
    assert vae.scale_ is not None
    # Its likelihood's scale starts at the standardised columns' spread, 1.
    assert float(vae.module_.log_scale.detach().exp()) < 3
    assert abs(vae.sample(500, random_state=0)[:, 0].mean() - 5000) < 1000


def test_outlier_scores_explain_columns_in_their_own_deviations():
    X = spread_table()
    X_odd = X[:5].copy()
    X_odd[:, 2] += 0.02  # 20 standard deviations, a small number in raw units
    detector = AutoencoderOutlierDetector(Autoencoder(**FAST), random_state=0).fit(X)
    assert (detector.feature_errors(X_odd).argmax(axis=1) == 2).all()


def test_a_scaled_model_pickles():
    X = spread_table()
    ae = Autoencoder(**FAST).fit(X)
    loaded = pickle.loads(pickle.dumps(ae))
    np.testing.assert_array_equal(loaded.transform(X), ae.transform(X))
    np.testing.assert_array_equal(loaded.score_samples(X), ae.score_samples(X))


def test_a_module_saved_before_scaling_still_runs():
    X = np.random.default_rng(0).random((60, 4)).astype(np.float32)
    module = Autoencoder(**FAST).fit(X).module_
    rows = torch.as_tensor(X)
    with torch.no_grad():
        codes, restored = module.encode(rows), module.decode(module.encode(rows))
        del module.standardise  # as a module pickled before it had one
        torch.testing.assert_close(module.encode(rows), codes)
        torch.testing.assert_close(module.decode(module.encode(rows)), restored)
