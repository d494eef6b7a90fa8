"""What is unique to the variational family: ELBO, likelihoods, IWAE, generation."""

import warnings

import numpy as np
import pytest
import torch
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import Pipeline
from torch import distributions as D

from skae import (
    Autoencoder,
    ConditionalVariationalAutoencoder,
    ConvVariationalAutoencoder,
    VariationalAutoencoder,
)
from skae._inference import inference_batch
from skae._losses import (
    ELBOCriterion,
    elbo,
    gaussian_kl,
    importance_log_weights,
    negative_log_likelihood,
)
from skae._modules import GaussianHead


def vae(**params):
    return VariationalAutoencoder(**{
        "n_components": 4, "hidden_layer_sizes": (32,), "loss": "binary_crossentropy",
        "max_iter": 5, "random_state": 0, **params})


@pytest.fixture(scope="module")
def trained(digits):
    """A VAE trained long enough on digits for its bounds to be meaningful."""
    X, _ = digits
    return VariationalAutoencoder(n_components=8, loss="binary_crossentropy",
                                  max_iter=30, random_state=0).fit(X[:1500])


def test_likelihoods_and_kl_match_torch_distributions():
    gen = torch.Generator().manual_seed(0)
    logits, x = torch.randn(5, 7, generator=gen), torch.rand(5, 7, generator=gen).round()
    expected = -D.Bernoulli(logits=logits).log_prob(x).sum(1)
    torch.testing.assert_close(
        negative_log_likelihood(logits, x, "binary_crossentropy"), expected)
    mean, log_scale = torch.randn(5, 7, generator=gen), torch.tensor(-0.7)
    expected = -D.Normal(mean, log_scale.exp()).log_prob(x).sum(1)
    torch.testing.assert_close(
        negative_log_likelihood(mean, x, "squared_error", log_scale), expected)
    mu, log_var = torch.randn(5, 3, generator=gen), torch.randn(5, 3, generator=gen)
    q = D.Normal(mu, (0.5 * log_var).exp())
    expected = D.kl_divergence(q, D.Normal(0.0, 1.0)).sum(1)
    torch.testing.assert_close(gaussian_kl(mu, log_var), expected)
    z = q.sample((4,))  # (k, n, d)
    logits = torch.randn(4 * 5, 7, generator=gen)
    weights = importance_log_weights(x, z, logits, mu, log_var, "binary_crossentropy")
    expected = (D.Bernoulli(logits=logits.view(4, 5, 7)).log_prob(x).sum(-1)
                + D.Normal(0.0, 1.0).log_prob(z).sum(-1) - q.log_prob(z).sum(-1))
    torch.testing.assert_close(weights, expected)


def test_per_sample_elbo_is_the_training_objective_with_one_draw(trained, digits):
    # One formula: with the same single draw, the mean per-sample ELBO of
    # score_samples is minus the criterion's objective (beta=1).
    x = torch.as_tensor(digits[0][1500:1520], dtype=torch.float32)
    module = trained.module_.eval()
    noise = torch.randn(1, len(x), 8, generator=torch.Generator().manual_seed(3))
    with torch.no_grad():
        per_sample = elbo(module, x, None, noise, "binary_crossentropy")
        objective, _ = ELBOCriterion("binary_crossentropy").eval()(
            module(x, noise=noise[0]), x)
    assert per_sample.shape == (len(x),)
    torch.testing.assert_close(-per_sample.mean(), objective)


def test_score_samples_is_the_elbo_with_the_documented_draws(trained, digits):
    X = digits[0][1500:1510]
    module = trained.module_
    draws = torch.randn(10, 8, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        x = torch.from_numpy(X)
        mean, log_var = module.posterior(x)
        z = mean + (0.5 * log_var).exp() * draws[:, None, :]
        likelihood = D.Bernoulli(logits=module.decode_raw(z), validate_args=False)
        log_px = likelihood.log_prob(x).sum(-1).mean(0)
        q = D.Normal(mean, (0.5 * log_var).exp())
        elbo = log_px - D.kl_divergence(q, D.Normal(0.0, 1.0)).sum(-1)
    np.testing.assert_allclose(trained.score_samples(X), elbo.numpy(), rtol=1e-4)
    np.testing.assert_allclose(trained.score_samples(X[:3]), trained.score_samples(X)[:3],
                               rtol=1e-5)


def test_importance_sampling_tightens_the_bound(trained, digits):
    X = digits[0][1500:1600]
    elbo = trained.score(X)
    ll_10 = trained.log_likelihood(X, n_importance_samples=10, random_state=0).mean()
    ll_500 = trained.log_likelihood(X, n_importance_samples=500, random_state=0)
    assert elbo < ll_10 < ll_500.mean() < 0
    np.testing.assert_array_equal(
        ll_500, trained.log_likelihood(X, n_importance_samples=500, random_state=0))
    with pytest.raises(ValueError, match="n_importance_samples == 0, must be >= 1"):
        trained.log_likelihood(X, n_importance_samples=0)


def test_training_beats_the_untrained_model_on_held_out_elbo(trained, digits):
    X = digits[0][1500:]
    untrained = VariationalAutoencoder(n_components=8, loss="binary_crossentropy",
                                       max_iter=1, random_state=0).fit(X[:10])
    assert trained.score(X) > untrained.score(X) + 10  # nats per image


def test_loss_terms_kl_weighting_and_warm_up(X_small):
    est = vae(beta=0.5, kl_warmup=4, max_iter=6, early_stopping=True,
              validation_fraction=0.25).fit(X_small)
    history = est.net_.history
    for epoch, row in enumerate(history, start=1):
        weight = 0.5 * min(1.0, epoch / 4)
        assert row["train_loss"] == pytest.approx(
            row["train_reconstruction"] + weight * row["train_kl"], rel=1e-5)
        # Validation always weighs the KL by beta alone.
        assert row["valid_loss"] == pytest.approx(
            row["valid_reconstruction"] + 0.5 * row["valid_kl"], rel=1e-5)
    assert est.loss_terms_curve_["kl"] == list(history[:, "train_kl"])
    assert est.validation_loss_terms_curve_["reconstruction"] == list(
        history[:, "valid_reconstruction"])


def test_larger_beta_gives_codes_closer_to_the_prior(digits):
    X = digits[0][:600]
    kl = [vae(beta=beta, max_iter=15).fit(X).loss_terms_curve_["kl"][-1]
          for beta in (0.2, 4.0)]
    assert kl[1] < kl[0] / 2


def test_transform_is_the_posterior_mean_and_can_sample(trained, digits):
    X = digits[0][:50]
    mean = trained.transform(X)
    np.testing.assert_array_equal(mean, trained.transform(X))
    with torch.no_grad():
        expected_mean, log_var = trained.module_.posterior(torch.from_numpy(X))
    # skae computes in float64 on the CPU; the float32 forward agrees to float32 precision.
    np.testing.assert_allclose(mean, expected_mean.numpy(), rtol=1e-5, atol=1e-6)
    draws = trained.transform(X, sample_posterior=True, random_state=0)
    np.testing.assert_array_equal(
        draws, trained.transform(X, sample_posterior=True, random_state=0))
    assert not np.allclose(draws, trained.transform(X, sample_posterior=True,
                                                    random_state=1))
    z_scores = (draws - mean) / np.exp(0.5 * log_var.numpy())
    assert abs(z_scores.mean()) < 0.1 and 0.85 < z_scores.std() < 1.15


def test_sample_decodes_draws_from_the_standard_normal_prior(trained):
    codes = np.random.RandomState(3).standard_normal((6, 8)).astype(np.float32)
    np.testing.assert_allclose(trained.sample(6, random_state=3),
                               trained.inverse_transform(codes), rtol=1e-6)
    assert trained.sample(6).min() >= 0 and trained.sample(6).max() <= 1


def test_gaussian_likelihood_learns_its_scale(digits):
    X = digits[0][:600]
    untrained = vae(loss="squared_error", max_iter=1).fit(X)
    est = vae(loss="squared_error", max_iter=20).fit(X)
    # It starts at the standard deviation of the data, and shrinks as the
    # reconstructions improve on predicting the mean (by at most about
    # learning_rate_init per step in log scale, with Adam).
    start = float(untrained.module_.log_scale.detach().exp())
    assert start == pytest.approx(X.std(), rel=0.05)
    assert float(est.module_.log_scale.detach().exp()) < 0.95 * start
    assert np.isfinite(est.score_samples(X)).all()
    assert vae().fit(X).module_.log_scale is None  # Bernoulli has no scale


@pytest.mark.parametrize("image_shape", [(1, 8, 8), (2, 5, 3)])
def test_conv_vae_any_image_shape(image_shape):
    n_features = int(np.prod(image_shape))
    X = np.random.default_rng(0).random((30, n_features)).astype(np.float32)
    est = ConvVariationalAutoencoder(n_components=3, image_shape=image_shape, channels=(4,),
                                     max_iter=2, random_state=0).fit(X)
    assert isinstance(est.module_.encoder[-1], GaussianHead)
    assert est.image_shape_ == image_shape
    assert est.sample(4, random_state=0).shape == (4, n_features)


def test_conditional_samples_are_recognised_as_the_requested_class(digits):
    X, y = digits
    cvae = ConditionalVariationalAutoencoder(
        n_components=4, loss="binary_crossentropy", max_iter=60, random_state=0).fit(X, y)
    clf = LogisticRegression(max_iter=2000).fit(X, y)
    requested = np.repeat(np.arange(10), 20)
    samples = cvae.sample(len(requested), y=requested, random_state=0)
    assert (clf.predict(samples) == requested).mean() > 0.9
    one_class = cvae.sample(5, y=3, random_state=0)
    assert (clf.predict(one_class) == 3).all()
    # Without labels, transform encodes each image under its most probable
    # class, which is mostly the true one.
    same = np.all(cvae.transform(X) == cvae.transform(X, y), axis=1)
    assert same.mean() > 0.8
    short = cvae.set_params(max_iter=3)  # fit_transform is fit then transform: 3 epochs show it
    np.testing.assert_array_equal(short.fit_transform(X, y), short.transform(X))


def test_conditional_labels_and_scores(digits):
    X, y = digits
    labels = np.array(["zero", "one", "two"])[y[:300] % 3]
    cvae = ConditionalVariationalAutoencoder(
        n_components=3, hidden_layer_sizes=(16,), loss="binary_crossentropy", max_iter=3,
        random_state=0).fit(X[:300], labels)
    assert list(cvae.classes_) == ["one", "two", "zero"]
    np.testing.assert_allclose(cvae.class_prior_.sum(), 1.0)
    per_class = np.stack([cvae.score_samples(X[:20], np.full(20, c)) for c in cvae.classes_])
    marginal = cvae.score_samples(X[:20])
    expected = np.log(np.sum(cvae.class_prior_[:, None] * np.exp(per_class), axis=0))
    np.testing.assert_allclose(marginal, expected, rtol=1e-5)
    assert cvae.score(X[:20], labels[:20]) == pytest.approx(
        cvae.score_samples(X[:20], labels[:20]).mean())
    assert cvae.log_likelihood(X[:5], labels[:5], n_importance_samples=20,
                               random_state=0).shape == (5,)
    assert cvae.sample(7, random_state=0).shape == (7, 64)
    codes = cvae.transform(X[:4])
    assert cvae.inverse_transform(codes, labels[:4]).shape == (4, 64)


def test_conditional_errors(digits):
    X, y = digits
    cvae = ConditionalVariationalAutoencoder(n_components=2, hidden_layer_sizes=(8,),
                                             max_iter=1, random_state=0)
    with pytest.raises(ValueError, match="requires y to be passed, but the target y is None"):
        cvae.fit(X, None)
    with pytest.raises(ValueError, match="Unknown label type: continuous"):
        cvae.fit(X[:10], np.linspace(0, 1, 10))
    cvae.fit(X[:100], y[:100])
    with pytest.raises(ValueError, match=r"labels not seen in fit: \[11\]"):
        cvae.sample(2, y=11)
    with pytest.raises(ValueError, match=r"one label per sample \(3\); got 2 labels"):
        cvae.sample(3, y=[1, 2])
    with pytest.raises(ValueError, match="inverse_transform requires y"):
        cvae.inverse_transform(np.zeros((2, 2)))
    with pytest.raises(ValueError, match="latent_traversal requires y"):
        cvae.latent_traversal()


def test_conditional_vae_in_a_pipeline(digits):
    X, y = digits
    pipe = Pipeline([
        ("cvae", ConditionalVariationalAutoencoder(n_components=4, hidden_layer_sizes=(32,),
                                                   max_iter=3, random_state=0)),
        ("clf", LogisticRegression(max_iter=500)),
    ]).fit(X[:300], y[:300])
    assert pipe.predict(X[300:310]).shape == (10,)


@pytest.mark.parametrize("make", [
    lambda: VariationalAutoencoder(n_components=3, hidden_layer_sizes=(16,), max_iter=3,
                                   random_state=0),
    lambda: Autoencoder(n_components=3, hidden_layer_sizes=(16,), max_iter=3,
                        random_state=0),
], ids=["vae", "autoencoder"])
def test_latent_traversal_moves_one_dimension_at_a_time(make, digits):
    X = digits[0][:200]
    est = make().fit(X)
    grid = est.latent_traversal(X[[5]], dimensions=[0, 2], n_steps=5, span=2.0)
    assert grid.shape == (2, 5, 64)
    centre = est.transform(X[[5]])
    np.testing.assert_allclose(grid[:, 2], np.repeat(est.inverse_transform(centre), 2, 0),
                               rtol=1e-5, atol=1e-6)
    codes = est._traversal_codes(X[[5]], [0, 2], 5, 2.0)
    moved = np.abs(codes - centre[None]).max(axis=1)  # (dims, n_components)
    assert moved[0, 0] > 0 and moved[1, 2] > 0
    assert moved[0, 1:].max() == 0 and moved[1, [0, 1]].max() == 0
    assert est.latent_traversal().shape == (3, 7, 64)


def test_latent_traversal_errors(trained, digits):
    X = digits[0]
    with pytest.raises(ValueError, match="one sample; got X with 2 samples"):
        trained.latent_traversal(X[:2])
    with pytest.raises(ValueError, match=r"dimensions must be .* \[0, n_components=8\); "
                                         r"got \[8\]"):
        trained.latent_traversal(dimensions=[8])
    with pytest.raises(ValueError, match="n_steps == 0, must be >= 1"):
        trained.latent_traversal(n_steps=0)


def test_grid_search_tunes_on_held_out_elbo(digits):
    X = digits[0][:600]
    search = GridSearchCV(vae(max_iter=3), {"beta": [0.5, 1.0]}, cv=2).fit(X)
    assert np.isfinite(search.cv_results_["mean_test_score"]).all()
    assert search.best_estimator_.beta in (0.5, 1.0)


def test_conditional_validation_data_needs_its_labels(digits):
    X, y = digits[0][:200] / 16, digits[1][:200]
    cvae = ConditionalVariationalAutoencoder(n_components=2, hidden_layer_sizes=(16,),
                                             max_iter=2, random_state=0)
    cvae.fit(X[:150], y[:150], X_val=X[150:], y_val=y[150:])
    assert len(cvae.validation_loss_curve_) == 2
    assert np.isfinite(cvae.validation_loss_curve_).all()
    assert sum(cvae.net_.history[-1, "batches", :, "valid_batch_size"]) == 50
    with pytest.raises(ValueError, match="X_val needs y_val"):
        cvae.fit(X[:150], y[:150], X_val=X[150:])


def test_fixed_likelihood_scale_is_squared_error_plus_kl(digits):
    X = digits[0][:300]
    vae = VariationalAutoencoder(n_components=2, hidden_layer_sizes=(16,), max_iter=3,
                                 likelihood_scale=0.5**0.5, random_state=0).fit(X)
    log_scale = vae.module_.log_scale
    assert not isinstance(log_scale, torch.nn.Parameter)  # a buffer: never trained
    assert log_scale.item() == pytest.approx(np.log(0.5**0.5))
    assert "log_scale" in vae.module_.state_dict()
    # The reconstruction term is the sum of squared errors plus 0.5 log(pi) per feature.
    output, target = torch.rand(4, 64), torch.rand(4, 64)
    sse = ((output - target) ** 2).sum(1)
    torch.testing.assert_close(
        negative_log_likelihood(output, target, "squared_error", log_scale),
        sse + 64 * 0.5 * np.log(np.pi), rtol=1e-5, atol=1e-4)
    learned = VariationalAutoencoder(n_components=2, hidden_layer_sizes=(16,), max_iter=3,
                                     random_state=0).fit(X)
    assert isinstance(learned.module_.log_scale, torch.nn.Parameter)
    with pytest.raises(ValueError, match="likelihood_scale=0.5 sets the standard deviation "
                                         "of the Gaussian likelihood of loss='squared_error'"):
        VariationalAutoencoder(loss="binary_crossentropy", likelihood_scale=0.5).fit(X)


def test_conditional_partial_fit_over_blocks(digits):
    X, y = digits
    order = np.argsort(y == 9, kind="stable")  # the first block holds no 9
    X, y = X[order], y[order]
    cvae = ConditionalVariationalAutoencoder(n_components=2, hidden_layer_sizes=(16,),
                                             random_state=0)
    for start in range(0, 1500, 500):
        cvae.partial_fit(X[start:start + 500], y[start:start + 500], classes=range(10))
    assert cvae.n_iter_ == 3
    np.testing.assert_array_equal(cvae.classes_, np.arange(10))
    np.testing.assert_allclose(cvae.class_prior_, np.bincount(y[:1500], minlength=10) / 1500)
    assert cvae.sample(3, y=9, random_state=0).shape == (3, 64)
    # Without classes, the first block's labels are the classes.
    first = ConditionalVariationalAutoencoder(n_components=2, hidden_layer_sizes=(16,),
                                              max_iter=1).partial_fit(X[:500], y[:500])
    assert 9 not in first.classes_
    with pytest.raises(ValueError, match="y contains labels not seen in fit: \\[9\\]"):
        first.partial_fit(X[-5:], y[-5:])
    with pytest.raises(ValueError, match="is not the classes"):
        first.partial_fit(X[:5], y[:5], classes=range(10))
    with pytest.raises(ValueError, match="requires y to be passed"):
        first.partial_fit(X[:5])
    assert first.n_iter_ == 1  # the failed calls changed nothing


def test_score_decodes_at_most_a_transform_batch_per_pass(digits, monkeypatch):
    # The ELBO decodes 10 draws per row and the IWAE bound n_importance_samples:
    # each forward pass decodes at most as many codes as transform has rows, so
    # that memory is bounded by the batch, not by the number of rows scored.
    X, _ = digits
    model = vae().fit(X[:200])
    prepared = model.net_.inference_module(torch.float64)
    sizes, decode_draws = [], prepared.decode_draws

    def counted(z, condition=None):
        sizes.append(z.shape[:-1].numel())
        return decode_draws(z, condition)

    monkeypatch.setattr(prepared, "decode_draws", counted)
    elbo_all = model.score_samples(X[:200])
    model.log_likelihood(X[:200], n_importance_samples=1000, random_state=0)
    assert max(sizes) <= inference_batch("cpu")
    assert sum(sizes) == 200 * 10 + 200 * 1000  # every row, every draw
    # The passes do not change a row's ELBO.
    np.testing.assert_allclose(model.score_samples(X[:7]), elbo_all[:7], rtol=1e-12)


def test_output_activation_gives_the_gaussian_mean(digits):
    X = digits[0][:300]
    vae = VariationalAutoencoder(n_components=2, hidden_layer_sizes=(16,), max_iter=5,
                                 output_activation="sigmoid", random_state=0).fit(X)
    assert isinstance(vae.module_.output_activation, torch.nn.Sigmoid)
    means = vae.inverse_transform(np.full((50, 2), 40.0, dtype=np.float32))
    assert ((means > 0) & (means < 1)).all()
    # The likelihood takes the activated mean (zero noise: z is the posterior mean).
    module = vae.module_.eval()
    x = torch.from_numpy(X[:8])
    with torch.no_grad():
        output, mean, _, _ = module(x, noise=torch.zeros(8, 2))
        torch.testing.assert_close(output, torch.sigmoid(module.decode_raw(mean)))
    plain = VariationalAutoencoder(n_components=2, hidden_layer_sizes=(16,), max_iter=5,
                                   random_state=0).fit(X)
    assert isinstance(plain.module_.output_activation, torch.nn.Identity)
    with pytest.raises(ValueError, match="loss='binary_crossentropy' needs a sigmoid on the "
                                         "output; got output_activation='tanh'"):
        VariationalAutoencoder(loss="binary_crossentropy", output_activation="tanh").fit(X)


def test_a_default_fit_stops_by_its_held_out_elbo(digits):
    X, _ = digits
    params = dict(n_components=2, hidden_layer_sizes=(64,), random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        est = VariationalAutoencoder(**params).fit(X[:120])
    # A tenth of the rows held out, stopped well before max_iter, after
    # epochs that did not improve on the best.
    assert len(est.validation_loss_curve_) == est.n_iter_ < est.max_iter
    assert int(np.argmin(est.validation_loss_curve_)) < est.n_iter_ - 1
    # early_stopping=False trains on every row with the training-loss rule.
    plain = VariationalAutoencoder(early_stopping=False, max_iter=3, **params).fit(X[:120])
    assert plain.validation_loss_curve_ is None
