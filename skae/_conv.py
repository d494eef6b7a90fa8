"""Convolutional autoencoder for images stored as flat rows."""

from ._architectures import ConvArchitecture
from ._autoencoder import BaseDeterministicAutoencoder
from ._docstrings import FAST_TRAINING, fill_doc


@fill_doc(tol="2e-3", **FAST_TRAINING)
class ConvAutoencoder(ConvArchitecture, BaseDeterministicAutoencoder):
    """Convolutional autoencoder: conv encoder, linear bottleneck, transposed-conv decoder.

    X stays 2-D, one flattened image per row in ``(C, H, W)`` order (as
    ``images.reshape(n, -1)`` gives for ``(n, C, H, W)`` or, with ``C=1``,
    ``(n, H, W)`` arrays). Each encoder stage is a convolution with ``stride``
    (or a stride-1 convolution followed by 2x2 ``pooling``); a linear layer
    maps the last feature map to the code. The decoder mirrors the encoder
    with transposed convolutions sized to give back exactly ``(C, H, W)``, so
    odd and non-square images (8x8, 28x28, 28x39) work.

    Parameters
    ----------
    n_components : int, default=16
        Width of the code.
    image_shape : tuple of 3 int or None, default=None
        ``(channels, height, width)`` of one image; its product must equal
        the number of features. None infers the most square one-channel
        layout with ``height * width == n_features`` (``(1, 8, 8)`` for 64
        features, ``(1, 1, n)`` for a prime ``n``).
    %(conv_channels_params)s
    kernel_size : int or tuple of int, default=3
        Odd kernel size of every convolution, or one per stage (as many as
        ``channels``).
    stride : int or tuple of int, default=2
        Stride of the encoder's convolutions when ``pooling`` is None, or
        one per stage.
    padding : {"same", "valid"}, int or tuple, default="same"
        "same" pads each convolution by ``kernel_size // 2`` (a stride of 1
        keeps the size); "valid" does not pad; an int pads that many pixels
        on each side. One value for every stage, or one per stage (e.g.
        ``(1, 1, 0)``). The decoder mirrors any of them exactly.
    pooling : {"max", "avg"} or None, default=None
        Downsample each stage by 2x2 pooling after a stride-1 convolution
        instead of a strided convolution.
    hidden_layer_sizes : tuple of int, default=()
        Widths of dense hidden layers between the last feature map
        (flattened) and the code; the decoder mirrors them. Empty: one
        linear layer from the feature map to the code.
    %(layers_params)s
    %(objective_params)s
    %(training_params)s
    %(density_params)s

    Attributes
    ----------
    image_shape_ : tuple of 3 int
        The image layout used (given or inferred).
    %(fitted_attributes)s
    %(density_attributes)s

    See Also
    --------
    Autoencoder : Dense autoencoder for any tabular data.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from skae import ConvAutoencoder
    >>> X, _ = load_digits(return_X_y=True)
    >>> cae = ConvAutoencoder(image_shape=(1, 8, 8), n_components=10, max_iter=2,
    ...                       random_state=0).fit(X / 16)
    >>> cae.transform(X[:5] / 16).shape
    (5, 10)
    >>> cae.sample(2, random_state=0).shape
    (2, 64)
    """

    _parameter_constraints = {
        **BaseDeterministicAutoencoder._parameter_constraints,
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
        self.warm_start = warm_start
        self.callbacks = callbacks
        self.random_state = random_state
        self.verbose = verbose
        self.device = device
