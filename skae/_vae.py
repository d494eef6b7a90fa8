"""Variational autoencoders: the shared base, dense and convolutional."""

from numbers import Integral, Real

import numpy as np
import torch
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted
from torch import nn

from ._architectures import ConvArchitecture, MLPArchitecture
from ._base import BaseAutoencoder
from ._callbacks import KLWarmup
from ._docstrings import VAE_TRAINING, fill_doc
from ._inference import inference_batch
from ._losses import ELBOCriterion, elbo, importance_log_likelihood
from ._modules import GaussianHead, VariationalModule, reparameterise, with_gaussian_head
from ._priors import StandardNormal
from ._tables import TableMixin
from ._validation import check_argument, check_unit_interval

# Standard-normal draws shared by every row in score_samples: the ELBO of a
# row is then the same whatever other rows it is scored with.
_ELBO_DRAWS = 10
_ELBO_SEED = 0

def _torch_generator(random_state, device):
    """A torch generator on ``device`` seeded from a sklearn ``random_state``."""
    seed = int(check_random_state(random_state).randint(np.iinfo(np.int32).max))
    return torch.Generator(device=device).manual_seed(seed)


class BaseVariationalAutoencoder(BaseAutoencoder):
    """Base class of the variational autoencoders; not for direct use.

    The encoder gives a diagonal Gaussian posterior q(z | x), the prior is
    the standard normal and the decoder a Bernoulli or Gaussian likelihood.
    Training maximises the ELBO (with ``beta`` and the KL warm-up).
    """

    # Missing entries (NaN) in X: left out of the likelihood, filled with the
    # training rows' column means on the way into the encoder.
    _allow_nan = True

    _parameter_constraints = {
        **BaseAutoencoder._parameter_constraints,
        "likelihood_scale": [StrOptions({"learned"}), Interval(Real, 0, None, closed="neither")],
        "beta": [Interval(Real, 0, None, closed="left")],
        "kl_warmup": [Interval(Integral, 0, None, closed="left")],
    }

    # ------------------------------------------------------------------ hooks

    def _check_input(self, X, name="X"):
        super()._check_input(X, name)
        if not self._reconstruction_loss().has_scale and self.likelihood_scale != "learned":
            raise ValueError(
                f"likelihood_scale={self.likelihood_scale!r} sets the standard deviation of "
                f"the Gaussian likelihood of loss='squared_error'; loss={self.loss!r} has "
                "none. Leave likelihood_scale='learned'.")

    def _build_module(self, data):
        if self._has_user_modules():
            encoder, decoder, width = self._user_modules(data, code=False)
            encoder = nn.Sequential(encoder, GaussianHead(width, self.n_components))
        else:
            encoder, decoder = self._encoder_decoder(data.n_features)
            encoder = with_gaussian_head(encoder)
        standardise = self._standardise(data)
        # A learned scale starts at the data's spread (that of a decoder
        # predicting the mean), whatever the units of X: 1 on standardised columns.
        spread = 1.0 if standardise.mean is not None else (data.std or 1.0)
        return VariationalModule(
            encoder, decoder,
            output_activation=self._output_activation(),
            loss_takes_logits=self._reconstruction_loss().takes_logits,
            initial_scale=None if not self._reconstruction_loss().has_scale else (
                spread if self.likelihood_scale == "learned" else self.likelihood_scale),
            learn_scale=self.likelihood_scale == "learned",
            fill=(data.column_means if data.column_means is not None
                  else np.zeros(data.n_features, dtype=np.float32)),
            standardise=standardise,
        )

    _sums_over_features = True  # -log p(x | z) in nats per sample

    def _build_criterion(self):
        return ELBOCriterion(self._reconstruction_loss(), self.beta)

    def _training_callbacks(self):
        return [("kl_warmup", KLWarmup(self.kl_warmup))] if self.kl_warmup else []

    def _sample_codes(self, n_samples, rng):
        return StandardNormal(self.n_components).sample(n_samples, rng).astype(np.float32)

    # ------------------------------------------------------------- inference

    def _validated_X(self, X):
        check_is_fitted(self)
        X = self._inference_X(X)
        check_unit_interval(X, self._reconstruction_loss())
        return X

    def transform(self, X, *, sample_posterior=False, random_state=None):
        """Encode X into codes: the posterior means, or draws from the posterior.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Input data.
        sample_posterior : bool, default=False
            Draw each code from q(z | x) instead of returning its mean.
        random_state : int, RandomState instance or None, default=None
            Seed of the draws when ``sample_posterior=True``.

        Returns
        -------
        codes : ndarray of shape (n_samples, n_components)
            The codes, float32.
        """
        check_is_fitted(self)
        return self._transform(self._inference_X(X), None, sample_posterior, random_state)

    def _transform(self, X, condition, sample_posterior, random_state):
        if not sample_posterior:
            return self._conditioned(lambda m, x, c: m.encode(x, c), X, condition)
        generator = _torch_generator(random_state, self._inference_device())

        def draw(module, x, c):
            mean, log_var = module.posterior(x, c)
            return reparameterise(mean, log_var, torch.randn(
                mean.shape, generator=generator, device=mean.device, dtype=torch.float32))

        return self._conditioned(draw, X, condition)

    def _elbo(self, X, condition):
        """Per-sample ELBO in nats, with the shared draws ``_ELBO_DRAWS``."""
        generator = torch.Generator().manual_seed(_ELBO_SEED)
        draws = torch.randn(_ELBO_DRAWS, 1, self.n_components, generator=generator,
                            dtype=torch.float32)
        loss = self._reconstruction_loss()
        return self._conditioned(
            lambda m, x, c: elbo(m, x, c, draws.to(x.device), loss), X, condition,
            dtype=np.float64, batch_size=max(1, self._decodes_per_pass() // _ELBO_DRAWS))

    def _decodes_per_pass(self):
        """Codes decoded per forward pass by the ELBO and the importance-sampled
        likelihood: as many as the rows of a ``transform`` pass, so that their
        memory is bounded as transform's is, whatever the number of rows."""
        return inference_batch(self._inference_device())

    def _importance_log_likelihood(self, X, condition, n_importance_samples, random_state):
        generator = _torch_generator(random_state, self._inference_device())
        decodes = self._decodes_per_pass()
        rows = max(1, min(256, decodes // n_importance_samples))
        loss = self._reconstruction_loss()
        return self._conditioned(
            lambda m, x, c: importance_log_likelihood(
                m, x, c, n_importance_samples, loss, generator,
                draws_per_pass=max(1, decodes // rows)),
            X, condition, dtype=np.float64, batch_size=rows)

    def score_samples(self, X):
        """Evidence lower bound (ELBO) of each sample, in nats (higher is better).

        ELBO(x) = E_q[log p(x | z)] - KL(q(z | x) || p(z)) <= log p(x), with
        ``beta=1`` whatever ``beta`` was trained with. The expectation is
        estimated with the same 10 standard-normal draws for every sample
        (a fixed seed), so the scores are deterministic and a sample's score
        does not depend on the other rows.

        With ``loss="binary_crossentropy"`` the likelihood is a probability and
        the ELBO is negative. With ``loss="squared_error"`` it is a Gaussian
        density, which exceeds 1 where the learned standard deviation is small:
        the ELBO of continuous data can be positive, and its value depends on
        the units of X (the same model fitted to ``a * X`` scores
        ``n_features * log(a)`` lower).
        Compare scores of models on the same data, not across data scalings.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Input data.

        Returns
        -------
        elbo : ndarray of shape (n_samples,)
            The ELBO of each sample, in nats.
        """
        check_is_fitted(self)
        return self._score_rows(self._inference_X(X))

    def _score_rows(self, X):
        check_unit_interval(X, self._reconstruction_loss())
        return self._elbo(X, None)

    def log_likelihood(self, X, n_importance_samples=1000, random_state=None):
        """Importance-sampled estimate of log p(x) of each sample, in nats.

        The IWAE bound: log of the mean over ``n_importance_samples`` draws
        z_k ~ q(z | x) of p(x, z_k) / q(z_k | x). It is a lower bound of
        log p(x) that tightens as ``n_importance_samples`` grows (with 1 it
        is a one-draw ELBO); published test log-likelihoods of VAEs use
        5000 draws.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Input data.
        n_importance_samples : int, default=1000
            Number of posterior draws per sample.
        random_state : int, RandomState instance or None, default=None
            Seed of the draws; the same value gives the same estimates.

        Returns
        -------
        log_likelihood : ndarray of shape (n_samples,)
            The estimate of log p(x) of each sample, in nats.
        """
        X = self._validated_X(X)
        check_argument(n_importance_samples, "n_importance_samples", Integral, min_val=1)
        return self._importance_log_likelihood(X, None, n_importance_samples,
                                               random_state)

    def _code_centre_and_scale(self):
        """The prior's mean and standard deviation: 0 and 1."""
        return np.zeros(self.n_components), np.ones(self.n_components)


@fill_doc(**VAE_TRAINING)
class VariationalAutoencoder(TableMixin, MLPArchitecture, BaseVariationalAutoencoder):
    """Variational autoencoder (VAE) with MLP encoder and decoder.

    The encoder maps each sample through ``hidden_layer_sizes`` to the mean
    and log-variance of a Gaussian posterior q(z | x) over
    ``n_components`` dimensions; the decoder mirrors it back to the
    parameters of the likelihood p(x | z). Training maximises the evidence
    lower bound (ELBO) with the reparameterisation trick, the KL term
    weighted by ``beta``. %(vae_methods_note)s

    Parameters
    ----------
    n_components : int, default=16
        Dimension of the latent space.
    hidden_layer_sizes : tuple of int, default=(128, 64)
        Widths of the encoder's hidden layers; the decoder uses them in
        reverse.
    decoder_layer_sizes : tuple of int or None, default=None
        Widths of the decoder's hidden layers, from the code to the output,
        when it should not mirror the encoder; None mirrors
        ``hidden_layer_sizes``.
    %(layers_params)s
    %(vae_objective_params)s
    %(training_params)s
    %(table_params)s

    Attributes
    ----------
    %(fitted_attributes)s
    %(table_attributes)s

    See Also
    --------
    ConvVariationalAutoencoder : The convolutional VAE for images.
    ConditionalVariationalAutoencoder : A VAE that generates a chosen class.
    Autoencoder : The deterministic autoencoder.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from skae import VariationalAutoencoder
    >>> X, _ = load_digits(return_X_y=True)
    >>> vae = VariationalAutoencoder(n_components=4, loss="binary_crossentropy",
    ...                              max_iter=2, random_state=0).fit(X / 16)
    >>> vae.transform(X[:5] / 16).shape
    (5, 4)
    >>> vae.sample(3, random_state=0).shape
    (3, 64)
    >>> vae.score_samples(X[:5] / 16).shape
    (5,)
    """

    _parameter_constraints = {
        **BaseVariationalAutoencoder._parameter_constraints,
        **MLPArchitecture._parameter_constraints,
        **TableMixin._parameter_constraints,
    }

    def __init__(
        self,
        n_components=16,
        *,
        hidden_layer_sizes=(128, 64),
        decoder_layer_sizes=None,
        encoder=None,
        decoder=None,
        activation="relu",
        dropout=0.0,
        batch_norm=False,
        weight_init=None,
        loss="squared_error",
        output_activation=None,
        likelihood_scale="learned",
        beta=1.0,
        kl_warmup=0,
        optimizer="adam",
        learning_rate_init=1e-3,
        learning_rate="constant",
        momentum=0.9,
        nesterovs_momentum=True,
        weight_decay=0.0,
        weight_l1=0.0,
        optimizer_params=None,
        batch_size=64,
        max_iter=500,
        shuffle=True,
        early_stopping=True,
        validation_fraction=0.1,
        n_iter_no_change=20,
        tol=1e-4,
        warm_start=False,
        callbacks=None,
        random_state=None,
        verbose=0,
        device="cpu",
        categorical_features="from_dtype",
        handle_unknown="error",
        scale="auto",
    ):
        self.n_components = n_components
        self.hidden_layer_sizes = hidden_layer_sizes
        self.decoder_layer_sizes = decoder_layer_sizes
        self.encoder = encoder
        self.decoder = decoder
        self.activation = activation
        self.dropout = dropout
        self.batch_norm = batch_norm
        self.weight_init = weight_init
        self.loss = loss
        self.output_activation = output_activation
        self.likelihood_scale = likelihood_scale
        self.beta = beta
        self.kl_warmup = kl_warmup
        self.optimizer = optimizer
        self.learning_rate_init = learning_rate_init
        self.learning_rate = learning_rate
        self.momentum = momentum
        self.nesterovs_momentum = nesterovs_momentum
        self.weight_decay = weight_decay
        self.weight_l1 = weight_l1
        self.optimizer_params = optimizer_params
        self.batch_size = batch_size
        self.max_iter = max_iter
        self.shuffle = shuffle
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.tol = tol
        self.warm_start = warm_start
        self.callbacks = callbacks
        self.random_state = random_state
        self.verbose = verbose
        self.device = device
        self.categorical_features = categorical_features
        self.handle_unknown = handle_unknown
        self.scale = scale


@fill_doc(**VAE_TRAINING)
class ConvVariationalAutoencoder(ConvArchitecture, BaseVariationalAutoencoder):
    """Convolutional variational autoencoder for images stored as flat rows.

    The encoder and decoder are those of :class:`ConvAutoencoder` (any
    ``image_shape``, odd and non-square sizes included); the encoder's last
    linear layer gives the mean and log-variance of a Gaussian posterior
    q(z | x). Training maximises the ELBO with the reparameterisation trick,
    the KL term weighted by ``beta``. %(vae_methods_note)s

    Parameters
    ----------
    n_components : int, default=16
        Dimension of the latent space.
    image_shape : tuple of 3 int or None, default=None
        ``(channels, height, width)`` of one image; its product must equal
        the number of features. None infers the most square one-channel
        layout with ``height * width == n_features``.
    %(conv_channels_params)s
    kernel_size : int or tuple of int, default=3
        Odd kernel size of every convolution, or one per stage.
    stride : int or tuple of int, default=2
        Stride of the encoder's convolutions when ``pooling`` is None, or
        one per stage.
    padding : {"same", "valid"}, int or tuple, default="same"
        Padding of the convolutions: ``kernel_size // 2``, none, or that
        many pixels on each side; one for every stage or one per stage.
    pooling : {"max", "avg"} or None, default=None
        Downsample each stage by 2x2 pooling after a stride-1 convolution
        instead of a strided convolution.
    hidden_layer_sizes : tuple of int, default=()
        Widths of dense hidden layers between the last feature map
        (flattened) and the code; the decoder mirrors them. Empty: one
        linear layer from the feature map to the code.
    %(layers_params)s
    %(vae_objective_params)s
    %(training_params)s

    Attributes
    ----------
    image_shape_ : tuple of 3 int
        The image layout used (given or inferred).
    %(fitted_attributes)s

    See Also
    --------
    VariationalAutoencoder : The dense VAE.
    ConvAutoencoder : The deterministic convolutional autoencoder.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from skae import ConvVariationalAutoencoder
    >>> X, _ = load_digits(return_X_y=True)
    >>> cvae = ConvVariationalAutoencoder(
    ...     n_components=4, image_shape=(1, 8, 8), loss="binary_crossentropy",
    ...     max_iter=1, random_state=0).fit(X / 16)
    >>> cvae.sample(2, random_state=0).shape
    (2, 64)
    """

    _parameter_constraints = {
        **BaseVariationalAutoencoder._parameter_constraints,
        **ConvArchitecture._parameter_constraints,
    }

    def __init__(
        self,
        n_components=16,
        *,
        image_shape=None,
        channels=(32, 64),
        decoder_channels=None,
        kernel_size=3,
        stride=2,
        padding="same",
        pooling=None,
        hidden_layer_sizes=(),
        encoder=None,
        decoder=None,
        activation="relu",
        dropout=0.0,
        batch_norm=False,
        weight_init=None,
        loss="squared_error",
        output_activation=None,
        likelihood_scale="learned",
        beta=1.0,
        kl_warmup=0,
        optimizer="adam",
        learning_rate_init=1e-3,
        learning_rate="constant",
        momentum=0.9,
        nesterovs_momentum=True,
        weight_decay=0.0,
        weight_l1=0.0,
        optimizer_params=None,
        batch_size=64,
        max_iter=500,
        shuffle=True,
        early_stopping=True,
        validation_fraction=0.1,
        n_iter_no_change=20,
        tol=1e-4,
        warm_start=False,
        callbacks=None,
        random_state=None,
        verbose=0,
        device="cpu",
    ):
        self.n_components = n_components
        self.image_shape = image_shape
        self.channels = channels
        self.decoder_channels = decoder_channels
        self.kernel_size = kernel_size
        self.stride = stride
        self.padding = padding
        self.pooling = pooling
        self.hidden_layer_sizes = hidden_layer_sizes
        self.encoder = encoder
        self.decoder = decoder
        self.activation = activation
        self.dropout = dropout
        self.batch_norm = batch_norm
        self.weight_init = weight_init
        self.loss = loss
        self.output_activation = output_activation
        self.likelihood_scale = likelihood_scale
        self.beta = beta
        self.kl_warmup = kl_warmup
        self.optimizer = optimizer
        self.learning_rate_init = learning_rate_init
        self.learning_rate = learning_rate
        self.momentum = momentum
        self.nesterovs_momentum = nesterovs_momentum
        self.weight_decay = weight_decay
        self.weight_l1 = weight_l1
        self.optimizer_params = optimizer_params
        self.batch_size = batch_size
        self.max_iter = max_iter
        self.shuffle = shuffle
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.tol = tol
        self.warm_start = warm_start
        self.callbacks = callbacks
        self.random_state = random_state
        self.verbose = verbose
        self.device = device
