"""What is unique to the dense family: architecture, denoising, sparsity, search, sampling."""

import warnings
from pathlib import Path

import numpy as np
import pytest
import torch
from sklearn.decomposition import PCA
from sklearn.model_selection import GridSearchCV

from skae import Autoencoder, ConvAutoencoder, DenoisingAutoencoder, SparseAutoencoder


def test_architecture_mirrors_hidden_layers(X_small):
    ae = Autoencoder(n_components=3, hidden_layer_sizes=(12, 6), max_iter=1,
                     dropout=0.1, batch_norm=True, activation="tanh").fit(X_small)
    def widths(seq):
        return [(m.in_features, m.out_features) for m in seq
                if isinstance(m, torch.nn.Linear)]

    assert widths(ae.module_.encoder) == [(16, 12), (12, 6), (6, 3)]
    assert widths(ae.module_.decoder) == [(3, 6), (6, 12), (12, 16)]
    kinds = {type(m) for m in ae.module_.encoder}
    assert {torch.nn.BatchNorm1d, torch.nn.Dropout, torch.nn.Tanh} <= kinds


def test_no_hidden_layers_is_a_linear_autoencoder(X_small):
    ae = Autoencoder(n_components=3, hidden_layer_sizes=(), max_iter=1).fit(X_small)
    assert len(ae.module_.encoder) == 1 and len(ae.module_.decoder) == 1


def test_beats_pca_on_digits(digits):
    X = digits[0]
    ae = Autoencoder(n_components=8, max_iter=100, random_state=0).fit(X)
    pca = PCA(n_components=8).fit(X)
    pca_error = np.mean((pca.inverse_transform(pca.transform(X)) - X) ** 2)
    assert -ae.score(X) < pca_error


def test_grid_search_prefers_wider_codes_without_scoring(digits):
    X = digits[0][:600]
    search = GridSearchCV(Autoencoder(max_iter=30, random_state=0),
                          {"n_components": [2, 16]}, cv=3).fit(X)
    assert search.best_params_ == {"n_components": 16}


def test_binary_crossentropy_outputs_probabilities(digits):
    X = digits[0][:300]
    ae = Autoencoder(loss="binary_crossentropy", max_iter=5, random_state=0).fit(X)
    X_rec = ae.inverse_transform(ae.transform(X))
    assert X_rec.min() >= 0 and X_rec.max() <= 1
    assert (ae.score_samples(X) < 0).all()


@pytest.mark.parametrize("noise, level", [("gaussian", 0.3), ("masking", 0.3),
                                          ("salt_and_pepper", 0.3)])
def test_noise_corrupts_only_during_training(noise, level, X_small):
    ae = Autoencoder(noise=noise, noise_level=level, max_iter=2, random_state=0).fit(X_small)
    corruption = ae.module_.corruption
    x = torch.from_numpy(X_small)
    corruption.train()
    assert not torch.equal(corruption(x), x)
    corruption.eval()
    assert torch.equal(corruption(x), x)
    np.testing.assert_array_equal(ae.transform(X_small), ae.transform(X_small))


def test_salt_and_pepper_uses_the_training_range(X_small):
    X = X_small * 4
    ae = Autoencoder(noise="salt_and_pepper", noise_level=1.0, max_iter=1).fit(X)
    corrupted = ae.module_.corruption.train()(torch.from_numpy(X))
    np.testing.assert_allclose(sorted(set(corrupted.unique().tolist())), [X.min(), X.max()])


def test_denoising_autoencoder_defaults_and_denoises(digits):
    X = digits[0]
    dae = DenoisingAutoencoder(max_iter=60, random_state=0)
    assert (dae.noise, dae.noise_level) == ("masking", 0.2)
    dae.fit(X)
    rng = np.random.default_rng(0)
    noisy = np.where(rng.random(X.shape) < 0.2, 0, X).astype(np.float32)
    denoised = dae.inverse_transform(dae.transform(noisy))
    assert np.mean((denoised - X) ** 2) < 0.5 * np.mean((noisy - X) ** 2)


def test_l1_sparsity_shrinks_codes(digits):
    X = digits[0][:600]
    params = dict(n_components=32, max_iter=30, random_state=0)
    dense = Autoencoder(**params).fit(X)
    sparse = SparseAutoencoder(sparsity_weight=0.05, **params).fit(X)
    assert sparse.sparsity == "l1"
    assert np.abs(sparse.transform(X)).mean() < 0.5 * np.abs(dense.transform(X)).mean()


def test_kl_sparsity_gives_sigmoid_codes_near_the_target(digits):
    X = digits[0][:600]
    sae = SparseAutoencoder(n_components=32, sparsity="kl", sparsity_weight=0.5,
                            sparsity_target=0.05, max_iter=40, random_state=0).fit(X)
    codes = sae.transform(X)
    assert codes.min() > 0 and codes.max() < 1
    assert codes.mean() < 0.15


def test_contractive_penalty_is_the_jacobian_norm_of_rifai_et_al():
    # One sigmoid layer h = s(Wx + b): J = diag(h (1 - h)) W, and the squared
    # Frobenius norm is sum_j (h_j (1 - h_j))^2 sum_i W_ji^2 (Rifai et al., eq. 3).
    from skae._losses import Contractive
    from skae._modules import AutoencoderModule

    torch.manual_seed(0)
    layer = torch.nn.Sequential(torch.nn.Linear(7, 3), torch.nn.Sigmoid())
    x = torch.rand(5, 7)
    h = layer(x)
    expected = ((h * (1 - h)) ** 2 @ (layer[0].weight ** 2).sum(1)).mean()
    module = AutoencoderModule(layer, torch.nn.Identity())
    penalty = Contractive()(x, h, module)
    torch.testing.assert_close(penalty, expected)
    assert penalty.requires_grad  # trains the encoder
    with torch.no_grad():  # validation: a value, no graph
        assert not Contractive()(x, h, module).requires_grad


def test_contractive_weight_makes_codes_less_sensitive_to_the_input(digits):
    X = digits[0][:600]
    params = dict(n_components=8, code_activation="sigmoid", max_iter=30, random_state=0,
                  early_stopping=True)
    plain = Autoencoder(**params).fit(X)
    cae = Autoencoder(contractive_weight=1e-2, **params).fit(X)
    assert set(cae.loss_terms_curve_) == {"reconstruction", "contractive"}
    assert set(cae.validation_loss_terms_curve_) == {"reconstruction", "contractive"}
    assert "contractive" not in plain.loss_terms_curve_
    np.testing.assert_allclose(
        np.add(cae.loss_terms_curve_["reconstruction"], cae.loss_terms_curve_["contractive"]),
        cae.loss_curve_, rtol=1e-6)
    from skae._losses import jacobian_frobenius

    held_out = torch.from_numpy(digits[0][600:900])
    with torch.no_grad():
        norms = [float(jacobian_frobenius(model.module_.eval().encode, held_out))
                 for model in (plain, cae)]
    assert norms[1] < 0.25 * norms[0]  # the encoder's Jacobian, on rows it never saw


def test_contractive_weight_trains_a_conv_autoencoder(digits):
    ae = ConvAutoencoder(n_components=4, image_shape=(1, 8, 8), channels=(4,),
                         contractive_weight=1e-3, max_iter=2, random_state=0)
    ae.fit(digits[0][:64])
    assert len(ae.loss_terms_curve_["contractive"]) == 2
    assert ae.loss_terms_curve_["contractive"][-1] > 0


def masking(x):
    """noise="masking" at level 0.2, written as a user's own corruption."""
    return x.masked_fill(torch.rand(x.shape, dtype=x.dtype) < 0.2, 0.0)


def test_a_callable_noise_is_a_training_corruption_of_ones_own(X_small):
    params = dict(n_components=3, max_iter=3, random_state=0)
    builtin = Autoencoder(noise="masking", noise_level=0.2, **params).fit(X_small)
    calls = []

    def recorded(x):
        calls.append(x.shape)
        return masking(x)

    own = Autoencoder(noise=recorded, **params).fit(X_small)
    np.testing.assert_array_equal(own.transform(X_small), builtin.transform(X_small))
    n_calls = len(calls)
    assert n_calls > 0
    own.transform(X_small), own.score(X_small)
    assert len(calls) == n_calls  # nothing is corrupted outside fit
    with pytest.raises(ValueError, match=r"noise must return .* shape \(\d+, 16\)"):
        Autoencoder(noise=lambda x: x[:, :3], **params).fit(X_small)


def test_a_callable_penalty_is_a_loss_term_of_ones_own(X_small):
    params = dict(n_components=3, max_iter=3, random_state=0)
    sparse = Autoencoder(sparsity="l1", sparsity_weight=0.01, **params).fit(X_small)
    seen = []

    def l1(x, codes, module):
        seen.append((x.shape, codes.shape, module.training))
        return 0.01 * codes.abs().sum(dim=1).mean()

    own = Autoencoder(penalty=l1, early_stopping=True, **params).fit(X_small)
    assert set(own.loss_terms_curve_) == {"reconstruction", "penalty"}
    assert set(own.validation_loss_terms_curve_) == {"reconstruction", "penalty"}
    assert {training for *_, training in seen} == {True, False}  # validation too
    assert seen[0][:2] == ((seen[0][0][0], 16), (seen[0][0][0], 3))
    own = Autoencoder(penalty=l1, **params).fit(X_small)
    np.testing.assert_array_equal(own.transform(X_small), sparse.transform(X_small))
    np.testing.assert_array_equal(own.loss_terms_curve_["penalty"],
                                  sparse.loss_terms_curve_["sparsity"])
    with pytest.raises(ValueError, match=r"penalty must return a scalar tensor.*\(\d+,\)"):
        Autoencoder(penalty=lambda x, codes, module: codes.sum(1), **params).fit(X_small)


def test_a_callable_noise_module_is_copied_per_fit(digits):
    class Shift(torch.nn.Module):
        def forward(self, x):
            return torch.roll(x, 1, dims=1)

    noise = Shift()
    ae = ConvAutoencoder(n_components=4, image_shape=(1, 8, 8), channels=(4,), noise=noise,
                         max_iter=1, random_state=0).fit(digits[0][:64])
    assert ae.module_.corruption.noise is not noise


@pytest.mark.parametrize("density", ["full", "diag", "mixture"])
def test_sample_follows_the_fitted_latent_density(density, digits):
    X = digits[0]
    ae = Autoencoder(n_components=4, max_iter=20, latent_density=density,
                     n_mixture_components=5, random_state=0).fit(X)
    codes = ae.transform(X)
    drawn = ae.latent_density_.sample(20000, np.random.RandomState(0))
    np.testing.assert_allclose(drawn.mean(axis=0), codes.mean(axis=0),
                               atol=0.05 * codes.std())
    cov_codes, cov_drawn = np.cov(codes.T), np.cov(drawn.T)
    np.testing.assert_allclose(np.diag(cov_drawn), np.diag(cov_codes), rtol=0.1)
    off_diagonal = ~np.eye(4, dtype=bool)
    if density == "diag":
        assert np.abs(cov_drawn[off_diagonal]).max() < 0.05 * np.diag(cov_codes).max()
    elif density == "full":
        np.testing.assert_allclose(cov_drawn, cov_codes, atol=0.05 * np.diag(cov_codes).max())
    else:
        assert ae.latent_density_.means.shape == (5, 4)
    samples = ae.sample(7, random_state=3)
    np.testing.assert_array_equal(
        samples, ae.inverse_transform(ae.latent_density_.sample(7, np.random.RandomState(3))))


def test_mixture_needs_enough_samples(X_small):
    with pytest.raises(ValueError, match="n_mixture_components=50 needs at least that many"):
        Autoencoder(latent_density="mixture", n_mixture_components=50).fit(X_small)


def test_sample_rejects_a_bad_count(X_small):
    ae = Autoencoder(max_iter=1).fit(X_small)
    with pytest.raises(ValueError, match="n_samples == 0, must be >= 1"):
        ae.sample(0)
    with pytest.raises(TypeError, match="n_samples must be an instance of int"):
        ae.sample(2.5)
    with pytest.raises(TypeError, match="n_samples must be an int, not a bool; got True"):
        ae.sample(True)
    assert ae.sample(np.int64(2)).shape == (2, 16)


@pytest.mark.parametrize("span", [np.nan, np.inf])
def test_latent_traversal_rejects_a_span_that_is_not_finite(X_small, span):
    ae = Autoencoder(n_components=2, max_iter=1).fit(X_small)
    with pytest.raises(ValueError, match=f"span must be finite; got {span}"):
        ae.latent_traversal(span=span)
    with pytest.raises(TypeError, match="n_steps must be an int, not a bool"):
        ae.latent_traversal(n_steps=True)


@pytest.mark.parametrize("Estimator", [Autoencoder, ConvAutoencoder, DenoisingAutoencoder])
def test_noise_level_above_one_for_masking(Estimator, X_small):
    with pytest.raises(ValueError, match="noise_level must be in \\[0, 1\\] for "
                                         "noise='masking'.*got 1.5"):
        Estimator(noise="masking", noise_level=1.5, max_iter=1).fit(X_small)
    with pytest.raises(ValueError, match="'noise' parameter"):
        Estimator(noise="speckle", max_iter=1).fit(X_small)


def test_code_as_wide_as_the_input_warns(X_small):
    with pytest.warns(UserWarning, match="n_components=16 is not below n_features=16"):
        Autoencoder(n_components=16, max_iter=1).fit(X_small)
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        # An overcomplete code with noise or sparsity is a legitimate design.
        Autoencoder(n_components=32, noise="gaussian", max_iter=1).fit(X_small)
        SparseAutoencoder(n_components=32, max_iter=1).fit(X_small)


def test_user_guide_own_modules_snippet_runs():
    # The layer table in the user guide trains as written (one epoch here).
    guide = Path(__file__).parent.parent / "docs" / "user_guide" / "autoencoders.md"
    section = guide.read_text().split("### Your own encoder and decoder")[1]
    code = section.split("```python")[1].split("```")[0]
    code = code.replace('loss="binary_crossentropy")', 'loss="binary_crossentropy", max_iter=1)')
    code = code.replace("print(ae.module_)", "table = str(ae.module_)")
    namespace = {"X": np.random.default_rng(0).random((32, 784)).astype(np.float32)}
    exec(code, namespace)
    assert namespace["ae"].transform(namespace["X"]).shape == (32, 10)
    assert "ConvTranspose2d(16, 1, kernel_size=(5, 5)" in namespace["table"]


def test_output_and_code_activations_apart_from_the_loss(digits):
    X = digits[0][:300]
    ae = Autoencoder(n_components=4, hidden_layer_sizes=(16,), output_activation="sigmoid",
                     code_activation="tanh", max_iter=3, random_state=0).fit(X)
    codes, back = ae.transform(X), ae.inverse_transform(ae.transform(X))
    assert np.abs(codes).max() <= 1 and 0 <= back.min() and back.max() <= 1
    # The squared error is scored on the sigmoid's output.
    assert ae.score(X) == pytest.approx(-np.mean((back - X) ** 2), rel=1e-4)
    assert np.isclose(ae.net_.history[-1, "train_reconstruction"], ae.loss_curve_[-1])
    with pytest.raises(ValueError, match="loss='binary_crossentropy' needs a sigmoid on the "
                                         "output; got output_activation='tanh'"):
        Autoencoder(loss="binary_crossentropy", output_activation="tanh").fit(X)
    with pytest.raises(ValueError, match="sparsity='kl' needs codes in \\(0, 1\\), from a "
                                         "sigmoid; got code_activation='relu'"):
        SparseAutoencoder(sparsity="kl", code_activation="relu").fit(X)


def test_decoder_that_does_not_mirror_the_encoder(digits):
    X = digits[0][:100]
    ae = Autoencoder(n_components=3, hidden_layer_sizes=(32,), decoder_layer_sizes=(8, 16),
                     max_iter=1, random_state=0).fit(X)
    widths = [(m.in_features, m.out_features) for m in ae.module_.decoder
              if isinstance(m, torch.nn.Linear)]
    assert widths == [(3, 8), (8, 16), (16, 64)]
    mirrored = Autoencoder(n_components=3, hidden_layer_sizes=(32, 16), max_iter=1).fit(X)
    assert [m.out_features for m in mirrored.module_.decoder
            if isinstance(m, torch.nn.Linear)] == [16, 32, 64]


def test_activation_module_sets_the_leaky_relu_slope(digits):
    slope = torch.nn.LeakyReLU(0.2)
    ae = Autoencoder(n_components=2, hidden_layer_sizes=(16, 8), activation=slope,
                     max_iter=1, random_state=0).fit(digits[0][:50])
    leaky = [m for m in ae.module_.modules() if isinstance(m, torch.nn.LeakyReLU)]
    assert len(leaky) == 4 and all(m.negative_slope == 0.2 for m in leaky)
    assert len({id(m) for m in leaky}) == 4 and slope not in leaky  # a copy per layer
