"""Dense (MLP) autoencoders: plain, denoising and sparse."""

from ._base import BaseAutoencoder
from ._docstrings import fill_doc
from ._modules import make_mlp
from ._validation import SizeTuple


class MLPArchitecture:
    """Mixin: an MLP encoder through ``hidden_layer_sizes`` and its mirror."""

    _parameter_constraints = {"hidden_layer_sizes": [SizeTuple()],
                              "decoder_layer_sizes": [SizeTuple(), None]}

    def _encoder_decoder(self, n_features, n_conditions=0):
        """Encoder ``n_features -> n_components`` and decoder back (through
        ``decoder_layer_sizes``, or the encoder's widths in reverse); with
        ``n_conditions``, both also take a condition (e.g. one-hot classes)
        appended to their input."""
        layers = (self.activation, self.batch_norm, self.dropout)
        decoder_hidden = (self.hidden_layer_sizes[::-1] if self.decoder_layer_sizes is None
                          else self.decoder_layer_sizes)
        encoder_widths = [n_features + n_conditions, *self.hidden_layer_sizes,
                          self.n_components]
        decoder_widths = [self.n_components + n_conditions, *decoder_hidden, n_features]
        return make_mlp(encoder_widths, *layers), make_mlp(decoder_widths, *layers)


@fill_doc()
class Autoencoder(MLPArchitecture, BaseAutoencoder):
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

    Attributes
    ----------
    %(fitted_attributes)s
    %(density_attributes)s

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
        **BaseAutoencoder._parameter_constraints,
        **MLPArchitecture._parameter_constraints,
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
        loss="squared_error",
        output_activation=None,
        noise=None,
        noise_level=0.1,
        sparsity=None,
        sparsity_weight=1e-3,
        sparsity_target=0.05,
        code_activation=None,
        optimizer="adam",
        learning_rate_init=1e-3,
        learning_rate="constant",
        momentum=0.9,
        nesterovs_momentum=True,
        weight_decay=0.0,
        weight_l1=0.0,
        optimizer_params=None,
        batch_size=64,
        max_iter=200,
        shuffle=True,
        early_stopping=False,
        validation_fraction=0.1,
        n_iter_no_change=10,
        tol=1e-4,
        latent_density="full",
        n_mixture_components=10,
        warm_start=False,
        callbacks=None,
        random_state=None,
        verbose=0,
        device="cpu",
    ):
        self.n_components = n_components
        self.hidden_layer_sizes = hidden_layer_sizes
        self.decoder_layer_sizes = decoder_layer_sizes
        self.encoder = encoder
        self.decoder = decoder
        self.activation = activation
        self.dropout = dropout
        self.batch_norm = batch_norm
        self.loss = loss
        self.output_activation = output_activation
        self.noise = noise
        self.noise_level = noise_level
        self.sparsity = sparsity
        self.sparsity_weight = sparsity_weight
        self.sparsity_target = sparsity_target
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
        self.warm_start = warm_start
        self.callbacks = callbacks
        self.random_state = random_state
        self.verbose = verbose
        self.device = device


@fill_doc(noise='"masking"', noise_level="0.2")
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

    Attributes
    ----------
    %(fitted_attributes)s
    %(density_attributes)s

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
        loss="squared_error",
        output_activation=None,
        noise="masking",
        noise_level=0.2,
        sparsity=None,
        sparsity_weight=1e-3,
        sparsity_target=0.05,
        code_activation=None,
        optimizer="adam",
        learning_rate_init=1e-3,
        learning_rate="constant",
        momentum=0.9,
        nesterovs_momentum=True,
        weight_decay=0.0,
        weight_l1=0.0,
        optimizer_params=None,
        batch_size=64,
        max_iter=200,
        shuffle=True,
        early_stopping=False,
        validation_fraction=0.1,
        n_iter_no_change=10,
        tol=1e-4,
        latent_density="full",
        n_mixture_components=10,
        warm_start=False,
        callbacks=None,
        random_state=None,
        verbose=0,
        device="cpu",
    ):
        super().__init__(**arguments(locals()))


@fill_doc(sparsity='"l1"')
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

    Attributes
    ----------
    %(fitted_attributes)s
    %(density_attributes)s

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
        loss="squared_error",
        output_activation=None,
        noise=None,
        noise_level=0.1,
        sparsity="l1",
        sparsity_weight=1e-3,
        sparsity_target=0.05,
        code_activation=None,
        optimizer="adam",
        learning_rate_init=1e-3,
        learning_rate="constant",
        momentum=0.9,
        nesterovs_momentum=True,
        weight_decay=0.0,
        weight_l1=0.0,
        optimizer_params=None,
        batch_size=64,
        max_iter=200,
        shuffle=True,
        early_stopping=False,
        validation_fraction=0.1,
        n_iter_no_change=10,
        tol=1e-4,
        latent_density="full",
        n_mixture_components=10,
        warm_start=False,
        callbacks=None,
        random_state=None,
        verbose=0,
        device="cpu",
    ):
        super().__init__(**arguments(locals()))


def arguments(frame_locals):
    """The ``__init__`` arguments from its ``locals()``, without ``self``."""
    return {k: v for k, v in frame_locals.items() if k not in ("self", "__class__")}
