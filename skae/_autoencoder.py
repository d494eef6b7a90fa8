"""The deterministic autoencoders' base, and the dense (MLP) autoencoder: plain,
denoising and sparse."""

import copy
import warnings
from numbers import Integral, Real

import numpy as np
import torch
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted
from torch import nn

from ._architectures import MLPArchitecture
from ._base import BaseAutoencoder
from ._docstrings import FAST_TRAINING, fill_doc
from ._losses import (
    SPARSITY_PENALTIES,
    AutoencoderCriterion,
    Contractive,
    UserPenalty,
    feature_errors,
    reconstruction_error,
)
from ._modules import ACTIVATIONS, NOISES, AutoencoderModule, Corruption
from ._priors import LATENT_DENSITIES, fit_latent_density
from ._tables import TableMixin
from ._validation import check_unit_interval, validate_rows


class BaseDeterministicAutoencoder(BaseAutoencoder):
    """Base class of the deterministic autoencoders; not for direct use.

    The code is a function of the input. Training may corrupt the input
    (``noise``, the denoising autoencoder) and penalise the codes
    (``sparsity``) or the encoder's sensitivity to its input
    (``contractive_weight``); ``score_samples`` is minus the reconstruction error, and
    :meth:`sample` decodes codes drawn from a density (``latent_density``)
    fitted to the training codes.
    """

    # Missing entries (NaN) in X: left out of the loss, filled with the training
    # rows' column means on the way into the encoder.
    _allow_nan = True

    _parameter_constraints = {
        **BaseAutoencoder._parameter_constraints,
        "noise": [StrOptions(set(NOISES)), callable, None],
        "noise_level": [Interval(Real, 0, None, closed="left")],
        "sparsity": [StrOptions(set(SPARSITY_PENALTIES)), None],
        "sparsity_weight": [Interval(Real, 0, None, closed="left")],
        "sparsity_target": [Interval(Real, 0, 1, closed="neither")],
        "contractive_weight": [Interval(Real, 0, None, closed="left")],
        "penalty": [callable, None],
        "code_activation": [StrOptions(set(ACTIVATIONS)), None],
        "latent_density": [StrOptions(set(LATENT_DENSITIES))],
        "n_mixture_components": [Interval(Integral, 1, None, closed="left")],
    }

    def _check_input(self, X, name="X"):
        super()._check_input(X, name)
        if self.sparsity == "kl" and self.code_activation not in (None, "sigmoid"):
            raise ValueError(
                f"sparsity='kl' needs codes in (0, 1), from a sigmoid; got "
                f"code_activation={self.code_activation!r}. Leave it None, or use "
                "sparsity='l1'.")
        if self.noise in ("masking", "missing", "salt_and_pepper") and self.noise_level > 1:
            raise ValueError(
                f"noise_level must be in [0, 1] for noise={self.noise!r} (the fraction "
                f"of inputs corrupted); got {self.noise_level!r}."
            )
        if (self.n_components >= X.shape[1] and self.noise is None and self.sparsity is None
                and not self.contractive_weight and self.penalty is None):
            warnings.warn(
                f"n_components={self.n_components} is not below n_features={X.shape[1]}: "
                "without noise or a penalty on the codes the autoencoder can learn "
                "to copy its input, and its codes need not be any better than X. Use a "
                "smaller n_components, or noise, sparsity, contractive_weight or a penalty for an "
                "overcomplete code.", UserWarning)
        if self.latent_density == "mixture" and len(X) < self.n_mixture_components:
            raise ValueError(
                f"latent_density='mixture' with n_mixture_components="
                f"{self.n_mixture_components} needs at least that many samples; got "
                f"n_samples={len(X)}."
            )

    def _build_module(self, data):
        if self._has_user_modules():
            encoder, decoder, _ = self._user_modules(data)
        else:
            encoder, decoder = self._encoder_decoder(data.n_features)
        # A user's corruption module is copied per fit, as a user's encoder is.
        noise = copy.deepcopy(self.noise) if isinstance(self.noise, nn.Module) else self.noise
        layout = self._column_layout()
        corruption = Corruption(noise, self.noise_level, low=data.min, high=data.max,
                                columns=None if layout is None else layout.column_index)
        return AutoencoderModule(
            encoder, decoder, corruption,
            code_activation=self.code_activation or (
                "sigmoid" if self.sparsity == "kl" else "identity"),
            output_activation=self._output_activation(),
            loss_takes_logits=self._reconstruction_loss().takes_logits,
            fill=(data.column_means if data.column_means is not None
                  else np.zeros(data.n_features, dtype=np.float32)),
            standardise=self._standardise(data),
        )

    def _build_criterion(self):
        penalties = {}
        if self.sparsity:
            penalties["sparsity"] = (self.sparsity_weight,
                                     SPARSITY_PENALTIES[self.sparsity](self.sparsity_target))
        if self.contractive_weight:
            penalties["contractive"] = (self.contractive_weight, Contractive())
        if self.penalty is not None:
            penalties["penalty"] = (1.0, UserPenalty(self.penalty))
        return AutoencoderCriterion(self._reconstruction_loss(), penalties)

    def _after_training(self, X, condition, seed):
        """Fit what :meth:`sample` needs: a density over the training codes."""
        # float32 suffices for a density fitted to all the codes at once, and
        # keeps this pass over the training data as fast as the training's.
        codes = self._forward_batches(lambda m, x: m.encode(x), X, compute=torch.float32)
        self.latent_density_ = fit_latent_density(
            codes, self.latent_density,
            self.n_mixture_components, random_state=seed)

    def score_samples(self, X):
        """Negative reconstruction error of each sample (higher is better).

        The error is the training loss (``loss``) averaged over features.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Input data.

        Returns
        -------
        scores : ndarray of shape (n_samples,)
            Minus the per-sample reconstruction error.
        """
        check_is_fitted(self)
        return self._score_rows(validate_rows(self, X, dtype=np.float32, reset=False))

    def _score_rows(self, X):
        loss = self._reconstruction_loss()
        check_unit_interval(X, loss)
        return -self._forward_batches(
            lambda m, x: reconstruction_error(m(x)[0], x, loss), X, dtype=np.float64)

    def _feature_error_rows(self, X):
        """Each sample's reconstruction error per feature, over the number of
        features: a row sums to minus its :meth:`score_samples`. A table's
        categorical column is one feature (its levels' terms summed)."""
        loss = self._reconstruction_loss()
        check_unit_interval(X, loss)
        errors = self._forward_batches(lambda m, x: feature_errors(m(x)[0], x, loss), X,
                                       dtype=np.float64)
        layout = self._column_layout()
        return errors if layout is None else layout.column_sums(errors)

    def _code_centre_and_scale(self):
        """Mean and standard deviation of the codes along each dimension."""
        return self.latent_density_.mean_and_std()

    def _sample_codes(self, n_samples, rng):
        return self.latent_density_.sample(n_samples, rng).astype(np.float32)


@fill_doc(tol="2e-3", **FAST_TRAINING)
class Autoencoder(TableMixin, MLPArchitecture, BaseDeterministicAutoencoder):
    """Autoencoder with an MLP encoder and a mirrored MLP decoder.

    The encoder maps each sample through ``hidden_layer_sizes`` to a linear
    code of width ``n_components``; the decoder mirrors it back to the input.
    It is a scikit-learn transformer: :meth:`transform` gives codes,
    :meth:`inverse_transform` decodes them, :meth:`score` is the mean negative
    reconstruction error and :meth:`sample` decodes codes drawn from a
    density fitted to the training codes. Every autoencoder can also denoise
    (``noise``) and learn sparse codes (``sparsity``).

    Parameters
    ----------
    n_components : int, default=16
        Width of the code.
    hidden_layer_sizes : tuple of int, default=(128, 64)
        Widths of the encoder's hidden layers; the decoder uses them in
        reverse. An empty tuple gives a linear-bottleneck autoencoder.
    decoder_layer_sizes : tuple of int or None, default=None
        Widths of the decoder's hidden layers, from the code to the output,
        when it should not mirror the encoder; None mirrors
        ``hidden_layer_sizes``.
    %(layers_params)s
    %(objective_params)s
    %(training_params)s
    %(density_params)s
    %(table_params)s

    Attributes
    ----------
    %(fitted_attributes)s
    %(density_attributes)s
    %(table_attributes)s

    See Also
    --------
    ConvAutoencoder : Convolutional autoencoder for images.
    DenoisingAutoencoder : This autoencoder with input noise on by default.
    SparseAutoencoder : This autoencoder with a sparsity penalty on by default.
    sklearn.decomposition.PCA : The linear counterpart.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from skae import Autoencoder
    >>> X, _ = load_digits(return_X_y=True)
    >>> ae = Autoencoder(n_components=8, max_iter=2, random_state=0).fit(X / 16)
    >>> ae.transform(X[:5] / 16).shape
    (5, 8)
    >>> ae.inverse_transform(ae.transform(X[:5] / 16)).shape
    (5, 64)
    >>> ae.sample(3, random_state=0).shape
    (3, 64)
    """

    _parameter_constraints = {
        **BaseDeterministicAutoencoder._parameter_constraints,
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
        noise=None,
        noise_level=0.1,
        sparsity=None,
        sparsity_weight=1e-3,
        sparsity_target=0.05,
        contractive_weight=0.0,
        penalty=None,
        code_activation=None,
        optimizer="adam",
        learning_rate_init=3e-3,
        learning_rate="cosine",
        momentum=0.9,
        nesterovs_momentum=True,
        weight_decay=0.0,
        weight_l1=0.0,
        optimizer_params=None,
        batch_size=128,
        max_iter=150,
        shuffle=True,
        early_stopping=False,
        validation_fraction=0.1,
        n_iter_no_change=10,
        tol=2e-3,
        warm_start=False,
        callbacks=None,
        random_state=None,
        verbose=0,
        device="cpu",
        latent_density="full",
        n_mixture_components=10,
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
        self.noise = noise
        self.noise_level = noise_level
        self.sparsity = sparsity
        self.sparsity_weight = sparsity_weight
        self.sparsity_target = sparsity_target
        self.contractive_weight = contractive_weight
        self.penalty = penalty
        self.code_activation = code_activation
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
        self.latent_density = latent_density
        self.n_mixture_components = n_mixture_components
        self.categorical_features = categorical_features
        self.handle_unknown = handle_unknown
        self.scale = scale
        self.warm_start = warm_start
        self.callbacks = callbacks
        self.random_state = random_state
        self.verbose = verbose
        self.device = device


@fill_doc(noise='"masking"', noise_level="0.2", tol="2e-3", **FAST_TRAINING)
class DenoisingAutoencoder(Autoencoder):
    """Denoising autoencoder: an :class:`Autoencoder` with input noise on by default.

    During training each input is corrupted (by default 20%% of its entries
    are set to zero) and the network learns to reconstruct the clean input;
    outside ``fit`` nothing is corrupted, so :meth:`inverse_transform` of
    :meth:`transform` denoises new data.

    Parameters
    ----------
    n_components : int, default=16
        Width of the code.
    hidden_layer_sizes : tuple of int, default=(128, 64)
        Widths of the encoder's hidden layers; the decoder uses them in
        reverse.
    decoder_layer_sizes : tuple of int or None, default=None
        Widths of the decoder's hidden layers, from the code to the output,
        when it should not mirror the encoder; None mirrors
        ``hidden_layer_sizes``.
    %(layers_params)s
    %(objective_params)s
    %(training_params)s
    %(density_params)s
    %(table_params)s

    Attributes
    ----------
    %(fitted_attributes)s
    %(density_attributes)s
    %(table_attributes)s

    See Also
    --------
    Autoencoder : The same model without noise by default.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from skae import DenoisingAutoencoder
    >>> X, _ = load_digits(return_X_y=True)
    >>> dae = DenoisingAutoencoder(max_iter=2, random_state=0).fit(X / 16)
    >>> dae.inverse_transform(dae.transform(X[:4] / 16)).shape
    (4, 64)
    """

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
        noise="masking",
        noise_level=0.2,
        sparsity=None,
        sparsity_weight=1e-3,
        sparsity_target=0.05,
        contractive_weight=0.0,
        penalty=None,
        code_activation=None,
        optimizer="adam",
        learning_rate_init=3e-3,
        learning_rate="cosine",
        momentum=0.9,
        nesterovs_momentum=True,
        weight_decay=0.0,
        weight_l1=0.0,
        optimizer_params=None,
        batch_size=128,
        max_iter=150,
        shuffle=True,
        early_stopping=False,
        validation_fraction=0.1,
        n_iter_no_change=10,
        tol=2e-3,
        warm_start=False,
        callbacks=None,
        random_state=None,
        verbose=0,
        device="cpu",
        latent_density="full",
        n_mixture_components=10,
        categorical_features="from_dtype",
        handle_unknown="error",
        scale="auto",
    ):
        super().__init__(
            n_components=n_components,
            hidden_layer_sizes=hidden_layer_sizes,
            decoder_layer_sizes=decoder_layer_sizes,
            encoder=encoder,
            decoder=decoder,
            activation=activation,
            dropout=dropout,
            batch_norm=batch_norm,
            weight_init=weight_init,
            loss=loss,
            output_activation=output_activation,
            noise=noise,
            noise_level=noise_level,
            sparsity=sparsity,
            sparsity_weight=sparsity_weight,
            sparsity_target=sparsity_target,
            contractive_weight=contractive_weight,
            penalty=penalty,
            code_activation=code_activation,
            optimizer=optimizer,
            learning_rate_init=learning_rate_init,
            learning_rate=learning_rate,
            momentum=momentum,
            nesterovs_momentum=nesterovs_momentum,
            weight_decay=weight_decay,
            weight_l1=weight_l1,
            optimizer_params=optimizer_params,
            batch_size=batch_size,
            max_iter=max_iter,
            shuffle=shuffle,
            early_stopping=early_stopping,
            validation_fraction=validation_fraction,
            n_iter_no_change=n_iter_no_change,
            tol=tol,
            warm_start=warm_start,
            callbacks=callbacks,
            random_state=random_state,
            verbose=verbose,
            device=device,
            latent_density=latent_density,
            n_mixture_components=n_mixture_components,
            categorical_features=categorical_features,
            handle_unknown=handle_unknown,
            scale=scale,
        )


@fill_doc(sparsity='"l1"', tol="2e-3", **FAST_TRAINING)
class SparseAutoencoder(Autoencoder):
    """Sparse autoencoder: an :class:`Autoencoder` with a sparsity penalty on by default.

    The objective adds ``sparsity_weight`` times the mean L1 norm of the codes
    (``sparsity="l1"``), or the KL divergence between a target activation and
    each code unit's mean activation (``sparsity="kl"``, sigmoid codes), so
    that most code units are near zero for any one sample.

    Parameters
    ----------
    n_components : int, default=16
        Width of the code.
    hidden_layer_sizes : tuple of int, default=(128, 64)
        Widths of the encoder's hidden layers; the decoder uses them in
        reverse.
    decoder_layer_sizes : tuple of int or None, default=None
        Widths of the decoder's hidden layers, from the code to the output,
        when it should not mirror the encoder; None mirrors
        ``hidden_layer_sizes``.
    %(layers_params)s
    %(objective_params)s
    %(training_params)s
    %(density_params)s
    %(table_params)s

    Attributes
    ----------
    %(fitted_attributes)s
    %(density_attributes)s
    %(table_attributes)s

    See Also
    --------
    Autoencoder : The same model without a penalty by default.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from skae import SparseAutoencoder
    >>> X, _ = load_digits(return_X_y=True)
    >>> sae = SparseAutoencoder(n_components=32, max_iter=2, random_state=0)
    >>> sae.fit_transform(X / 16).shape
    (1797, 32)
    """

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
        noise=None,
        noise_level=0.1,
        sparsity="l1",
        sparsity_weight=1e-3,
        sparsity_target=0.05,
        contractive_weight=0.0,
        penalty=None,
        code_activation=None,
        optimizer="adam",
        learning_rate_init=3e-3,
        learning_rate="cosine",
        momentum=0.9,
        nesterovs_momentum=True,
        weight_decay=0.0,
        weight_l1=0.0,
        optimizer_params=None,
        batch_size=128,
        max_iter=150,
        shuffle=True,
        early_stopping=False,
        validation_fraction=0.1,
        n_iter_no_change=10,
        tol=2e-3,
        warm_start=False,
        callbacks=None,
        random_state=None,
        verbose=0,
        device="cpu",
        latent_density="full",
        n_mixture_components=10,
        categorical_features="from_dtype",
        handle_unknown="error",
        scale="auto",
    ):
        super().__init__(
            n_components=n_components,
            hidden_layer_sizes=hidden_layer_sizes,
            decoder_layer_sizes=decoder_layer_sizes,
            encoder=encoder,
            decoder=decoder,
            activation=activation,
            dropout=dropout,
            batch_norm=batch_norm,
            weight_init=weight_init,
            loss=loss,
            output_activation=output_activation,
            noise=noise,
            noise_level=noise_level,
            sparsity=sparsity,
            sparsity_weight=sparsity_weight,
            sparsity_target=sparsity_target,
            contractive_weight=contractive_weight,
            penalty=penalty,
            code_activation=code_activation,
            optimizer=optimizer,
            learning_rate_init=learning_rate_init,
            learning_rate=learning_rate,
            momentum=momentum,
            nesterovs_momentum=nesterovs_momentum,
            weight_decay=weight_decay,
            weight_l1=weight_l1,
            optimizer_params=optimizer_params,
            batch_size=batch_size,
            max_iter=max_iter,
            shuffle=shuffle,
            early_stopping=early_stopping,
            validation_fraction=validation_fraction,
            n_iter_no_change=n_iter_no_change,
            tol=tol,
            warm_start=warm_start,
            callbacks=callbacks,
            random_state=random_state,
            verbose=verbose,
            device=device,
            latent_density=latent_density,
            n_mixture_components=n_mixture_components,
            categorical_features=categorical_features,
            handle_unknown=handle_unknown,
            scale=scale,
        )
