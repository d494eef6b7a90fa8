"""Torch architectures: MLP and convolutional builders, the autoencoder module.

This module knows nothing about scikit-learn: it receives plain Python values
that the estimators have already validated.
"""

import copy
import math

import torch
from torch import nn

ACTIVATIONS = {
    "relu": nn.ReLU,
    "leaky_relu": nn.LeakyReLU,
    "elu": nn.ELU,
    "gelu": nn.GELU,
    "selu": nn.SELU,
    "tanh": nn.Tanh,
    "sigmoid": nn.Sigmoid,
    "identity": nn.Identity,
}

NOISES = ("gaussian", "masking", "missing", "salt_and_pepper")

# Label-preserving image augmentations: name -> (mirror left to right, shift).
AUGMENTATIONS = {"flip": (True, False), "shift": (False, True), "flip_shift": (True, True)}


# Weight initialisations by Keras' names: name -> (torch.nn.init function,
# its keyword arguments). He's are for ReLU layers (gain sqrt(2), fan-in),
# Glorot's average fan-in and fan-out (gain 1).
WEIGHT_INITS = {
    "he_normal": (nn.init.kaiming_normal_, {"nonlinearity": "relu"}),
    "he_uniform": (nn.init.kaiming_uniform_, {"nonlinearity": "relu"}),
    "glorot_normal": (nn.init.xavier_normal_, {}),
    "glorot_uniform": (nn.init.xavier_uniform_, {}),
}

_INITIALISED_LAYERS = (nn.Linear, nn.Conv2d, nn.ConvTranspose2d)


def initialise_weights(module, scheme):
    """Draw the weights of every linear and (transposed) convolution layer
    of ``module`` by ``scheme`` (a name of ``WEIGHT_INITS``) and set their
    biases to zero, as Keras does; None keeps torch's own initialisation."""
    if scheme is None:
        return module
    init, kwargs = WEIGHT_INITS[scheme]
    with torch.no_grad():
        for layer in module.modules():
            if isinstance(layer, _INITIALISED_LAYERS):
                init(layer.weight, **kwargs)
                if layer.bias is not None:
                    layer.bias.zero_()
    return module


def make_activation(activation):
    """A new activation module: by name, or a copy of the module given (e.g.
    ``nn.LeakyReLU(0.1)``), so no two layers share one."""
    if isinstance(activation, nn.Module):
        return copy.deepcopy(activation)
    return ACTIVATIONS[activation]()


def _hidden_block(layer, width, activation, batch_norm, dropout, norm_cls):
    """A layer followed by optional batch norm, the activation and optional dropout."""
    block = [layer]
    if batch_norm:
        block.append(norm_cls(width))
    block.append(make_activation(activation))
    if dropout > 0:
        block.append(nn.Dropout(dropout))
    return block


def make_mlp(sizes, activation, batch_norm=False, dropout=0.0):
    """MLP through ``sizes``; every layer but the last is a hidden block.

    The last layer is linear: the caller adds whatever goes on top of it.
    """
    layers = []
    for n_in, n_out in zip(sizes[:-2], sizes[1:-1]):
        layers += _hidden_block(
            nn.Linear(n_in, n_out), n_out, activation, batch_norm, dropout, nn.BatchNorm1d
        )
    layers.append(nn.Linear(sizes[-2], sizes[-1]))
    return nn.Sequential(*layers)


def per_stage(value, n_stages):
    """``value`` for each of ``n_stages`` stages: a tuple as given, or one value repeated."""
    return tuple(value) if isinstance(value, (tuple, list)) else (value,) * n_stages


def _downsampled(size, kernel, stride, padding, pooling):
    """Spatial size after one encoder stage: the convolution (stride 1 before
    pooling), then 2x2 pooling with ``ceil_mode=True`` if any."""
    size = (size + 2 * padding - kernel) // (1 if pooling else stride) + 1
    return -(-size // 2) if pooling else size


def _padding(padding, kernel):
    """Pixels padded on each side: "same" ``kernel // 2``, "valid" none, or the int given."""
    if isinstance(padding, str):
        return kernel // 2 if padding == "same" else 0
    return int(padding)


def conv_stages(height, width, n_stages, kernel_size, stride, padding, pooling):
    """The ``(kernel, stride, pad)`` of each encoder stage, and the spatial
    sizes ``[(height, width), ...]`` before the first stage and after each
    (a size below 1 means the stage leaves no pixels)."""
    stages = [(int(k), int(s), _padding(p, int(k))) for k, s, p in
              zip(per_stage(kernel_size, n_stages), per_stage(stride, n_stages),
                  per_stage(padding, n_stages))]
    sizes = [(height, width)]
    for k, s, p in stages:
        h, w = sizes[-1]
        sizes.append((_downsampled(h, k, s, p, pooling), _downsampled(w, k, s, p, pooling)))
    return stages, sizes


def conv_widths(channels):
    """``channels`` as one tuple of convolution widths per stage: an int is a
    stage of one convolution, a tuple a stage of several."""
    return [tuple(int(c) for c in stage) if isinstance(stage, (tuple, list)) else (int(stage),)
            for stage in channels]


def make_conv_encoder_decoder(
    image_shape, channels, n_components, kernel_size, stride, pooling,
    activation, batch_norm, dropout, hidden_layer_sizes=(), padding="same",
    decoder_channels=None,
):
    """Convolutional encoder and a decoder that mirrors it exactly.

    Each encoder stage is a convolution (its ``stride``) or a stride-1
    convolution followed by 2x2 pooling; ``kernel_size`` and ``stride`` are
    one value for every stage or one per stage, and so is ``padding``: "same"
    (``kernel // 2``), "valid" (none) or the pixels padded on each side. A
    stage of ``channels`` given as a tuple of widths has that many
    convolutions: the first as above, the others stride 1 with ``kernel //
    2`` padding (they keep the size), before the pooling if any. Dense
    layers through ``hidden_layer_sizes`` then map the flattened feature map
    to the code. The decoder mirrors the dense layers, then has one stage per
    encoder stage, from the code side: the stride-1 convolutions of its
    widths, then a transposed convolution whose ``output_padding`` restores
    the encoder's size at that stage, so any ``(C, H, W)`` round-trips, odd
    and non-square sizes included. Its widths are ``decoder_channels`` (in
    the format of ``channels``), by default the encoder's in reverse.

    Returns ``(encoder, decoder)``; both map flat ``(n, C*H*W)`` tensors.
    """
    n_channels, height, width = image_shape
    encoder_widths = conv_widths(channels)
    decoder_widths = (conv_widths(decoder_channels) if decoder_channels is not None
                      else [stage[::-1] for stage in encoder_widths[::-1]])
    stages, sizes = conv_stages(height, width, len(encoder_widths), kernel_size, stride,
                                padding, pooling)
    norm = (activation, batch_norm, dropout, nn.BatchNorm2d)
    encoder = [nn.Unflatten(1, tuple(image_shape))]
    c_in = n_channels
    for widths, (k, s, p) in zip(encoder_widths, stages):
        encoder += _hidden_block(nn.Conv2d(c_in, widths[0], k, 1 if pooling else s, p),
                                 widths[0], *norm)
        for c_prev, c_out in zip(widths[:-1], widths[1:]):
            encoder += _hidden_block(nn.Conv2d(c_prev, c_out, k, 1, k // 2), c_out, *norm)
        if pooling is not None:
            pool = nn.MaxPool2d if pooling == "max" else nn.AvgPool2d
            encoder.append(pool(2, ceil_mode=True))
        c_in = widths[-1]
    h_last, w_last = sizes[-1]
    dense = [c_in * h_last * w_last, *hidden_layer_sizes, n_components]
    layers = (activation, batch_norm, dropout)
    encoder += [nn.Flatten(), *make_mlp(dense, *layers)]

    c_in = decoder_widths[0][0]
    decoder = [*make_mlp([n_components, *hidden_layer_sizes[::-1], c_in * h_last * w_last],
                         *layers),
               make_activation(activation), nn.Unflatten(1, (c_in, h_last, w_last))]
    outputs = [stage[0] for stage in decoder_widths[1:]] + [n_channels]
    for i, (widths, c_out) in enumerate(zip(decoder_widths, outputs)):
        (h_in, w_in), (h_out, w_out) = sizes[-1 - i], sizes[-2 - i]
        k, s, p = stages[-1 - i]
        for c_prev, c_next in zip(widths[:-1], widths[1:]):
            decoder += _hidden_block(nn.Conv2d(c_prev, c_next, k, 1, k // 2), c_next, *norm)
        factor = 2 if pooling else s
        # ConvTranspose2d gives (in - 1) * s - 2p + k + output_padding.
        base_h = (h_in - 1) * factor - 2 * p + k
        base_w = (w_in - 1) * factor - 2 * p + k
        layer = nn.ConvTranspose2d(
            widths[-1], c_out, k, factor, p, output_padding=(h_out - base_h, w_out - base_w),
        )
        if i == len(decoder_widths) - 1:
            decoder.append(layer)
        else:
            decoder += _hidden_block(layer, c_out, *norm)
    decoder.append(nn.Flatten())
    return nn.Sequential(*encoder), nn.Sequential(*decoder)


def corrupt(x, noise, level, low=0.0, high=1.0, generator=None, columns=None):
    """``x`` with ``noise`` applied at ``level``; draws from ``generator``.

    ``"gaussian"`` adds noise of standard deviation ``level``; ``"masking"``
    zeroes a fraction ``level`` of the entries, ``"missing"`` makes them
    missing (NaN); ``"salt_and_pepper"`` sets a
    fraction ``level`` of them to ``low`` or ``high`` with equal odds.
    ``columns = (index, n)`` (a long tensor: the table column of each of
    x's columns, and the number of table columns) makes the masking and
    missing noises draw per table column, so that a categorical column's
    levels are hidden together, as a gap hides them.
    """
    def draw(sampler, shape=x.shape):
        return sampler(shape, generator=generator, dtype=x.dtype, device=x.device)

    if noise == "gaussian":
        return x + level * draw(torch.randn)
    if columns is not None and noise in ("masking", "missing"):
        index, n_columns = columns
        hit = (draw(torch.rand, (len(x), n_columns)) < level)[:, index]
    else:
        hit = draw(torch.rand) < level
    if noise == "masking":
        return x.masked_fill(hit, 0.0)
    if noise == "missing":
        return x.masked_fill(hit, float("nan"))
    salt = draw(torch.rand) < 0.5
    return torch.where(hit, torch.where(salt, x.new_tensor(high), x.new_tensor(low)), x)


class Corruption(nn.Module):
    """Input corruption for denoising; the identity outside training.

    Parameters
    ----------
    noise : {"gaussian", "masking", "salt_and_pepper"}, callable or None
        A callable is a user's own corruption, called with the batch.
    level : float
        Standard deviation of the Gaussian noise, or the fraction of inputs
        that are zeroed (masking) or set to ``low``/``high`` (salt and pepper).
    low, high : float
        Values used by salt-and-pepper noise (the range of the training data).
    columns : sequence of int or None
        The table column of each input column (a table with categorical
        columns, whose levels are one-hot columns): masking and missing
        noise then hide whole table columns.
    """

    def __init__(self, noise=None, level=0.0, low=0.0, high=1.0, columns=None):
        super().__init__()
        self.noise = noise
        self.level = level
        self.low = low
        self.high = high
        self.register_buffer("columns", None if columns is None else torch.as_tensor(
            columns, dtype=torch.long), persistent=False)
        self.n_columns = None if columns is None else max(columns) + 1

    def forward(self, x):
        if not self.training or self.noise is None:
            return x
        if callable(self.noise):
            corrupted = self.noise(x)
            if not (isinstance(corrupted, torch.Tensor) and corrupted.shape == x.shape):
                shape = (tuple(corrupted.shape) if isinstance(corrupted, torch.Tensor)
                         else type(corrupted).__name__)
                raise ValueError(
                    f"noise must return the corrupted batch, a tensor of the batch's shape "
                    f"{tuple(x.shape)}; {self.noise!r} returned {shape}.")
            return corrupted
        if self.level == 0:
            return x
        index = getattr(self, "columns", None)  # None in a module saved before tables
        columns = None if index is None else (index, self.n_columns)
        return corrupt(x, self.noise, self.level, self.low, self.high, columns=columns)


def shift_batch(images, max_shift):
    """Each image of ``images`` (n, C, H, W) moved by its own random whole
    number of pixels, at most ``max_shift = (rows, columns)`` each way; the
    pixels that come in are zeros. The torch twin of
    ``skae.datasets.shift_images``, drawing from torch's generator on the
    batch's device, as training needs."""
    n, _, height, width = images.shape
    max_rows, max_cols = max_shift
    padded = nn.functional.pad(images, (max_cols, max_cols, max_rows, max_rows))

    def indices(size, most):
        offsets = torch.randint(0, 2 * most + 1, (n, 1), device=images.device)
        return offsets + torch.arange(size, device=images.device)

    rows, cols = indices(height, max_rows)[:, :, None], indices(width, max_cols)[:, None, :]
    batch = torch.arange(n, device=images.device)[:, None, None]
    # Advanced indices around the channel slice put the channels last.
    return padded[batch, :, rows, cols].permute(0, 3, 1, 2)


class ImageAugmentation(nn.Module):
    """Random label-preserving changes to a batch of flat image rows, new at
    every call.

    Parameters
    ----------
    image_shape : tuple of 3 int
        ``(C, H, W)`` of the images the rows hold.
    flip : bool
        Mirror each image left to right with probability 1/2.
    shift : bool
        Move each image by up to 1/14 of its height and width (at least one
        pixel; 2 pixels on 28 x 28 images), with zeros coming in.
    """

    def __init__(self, image_shape, flip=False, shift=False):
        super().__init__()
        self.image_shape = tuple(image_shape)
        self.flip = flip
        self.max_shift = (tuple(max(1, round(side / 14)) for side in self.image_shape[1:])
                          if shift else None)

    def forward(self, x):
        images = x.reshape(len(x), *self.image_shape)
        if self.flip:
            mirror = torch.rand(len(x), device=x.device) < 0.5
            images = torch.where(mirror[:, None, None, None], images.flip(3), images)
        if self.max_shift:
            images = shift_batch(images, self.max_shift)
        return images.reshape(len(x), -1)


class GroupSoftmax(nn.Module):
    """The output activation of a table with categorical columns: a softmax
    over each group ``(start, stop)`` of columns (a categorical column's
    levels), the other columns as they are."""

    def __init__(self, groups):
        super().__init__()
        self.groups = [tuple(int(i) for i in group) for group in groups]

    def forward(self, x):
        pieces, at = [], 0
        for start, stop in self.groups:
            pieces += [x[:, at:start], torch.softmax(x[:, start:stop], dim=1)]
            at = stop
        return torch.cat([*pieces, x[:, at:]], dim=1)


def output_layer(activation):
    """The module of an output activation: a name of ``ACTIVATIONS``, or a
    module (a table's :class:`GroupSoftmax`)."""
    return activation if isinstance(activation, nn.Module) else ACTIVATIONS[activation]()


class Standardise(nn.Module):
    """Columns standardised by ``mean`` and ``scale`` (the training rows'
    means and standard deviations), and back with :meth:`inverse`; the
    identity when they are not given."""

    def __init__(self, mean=None, scale=None):
        super().__init__()
        self.register_buffer("mean", None if mean is None else torch.as_tensor(
            mean, dtype=torch.float32).clone())
        self.register_buffer("scale", None if scale is None else torch.as_tensor(
            scale, dtype=torch.float32).clone())

    def _load_from_state_dict(self, state_dict, prefix, *args, **kwargs):
        # A module rebuilt without the training rows' figures (a skeleton that
        # saved weights are loaded into) takes the saved ones.
        for name in ("mean", "scale"):
            if getattr(self, name) is None and prefix + name in state_dict:
                setattr(self, name, torch.empty_like(state_dict[prefix + name]))
        super()._load_from_state_dict(state_dict, prefix, *args, **kwargs)

    def forward(self, x):
        return x if self.mean is None else (x - self.mean) / self.scale

    def inverse(self, x):
        return x if self.mean is None else x * self.scale + self.mean


def standardised(module, x):
    """x as ``module``'s network takes it: its columns standardised by the
    module's :class:`Standardise` (a module saved before skae standardised
    has none, and takes x as it is)."""
    standardise = getattr(module, "standardise", None)
    return x if standardise is None else standardise(x)


def in_units(module, out):
    """The network's output ``out`` of ``module`` in the units of X."""
    standardise = getattr(module, "standardise", None)
    return out if standardise is None else standardise.inverse(out)


class AutoencoderModule(nn.Module):
    """Encoder, decoder and the pieces around them.

    ``forward`` returns ``(decoder_output, codes)``, the decoder output as the
    loss takes it: raw logits when ``loss_takes_logits`` (the loss applies
    the output activation itself, in its numerically stable form), else
    after the output activation. ``encode`` and ``decode`` are deterministic
    and ``decode`` applies the output activation. ``encode`` takes rows with
    missing entries (NaN): each is filled with its column's value of
    ``fill`` (the training rows' column means; zeros when not given).
    With ``standardise`` (a :class:`Standardise`), the network works on
    standardised columns: inputs are standardised before the corruption and
    the encoder, outputs put back in the units of X.
    """

    def __init__(self, encoder, decoder, corruption=None, code_activation="identity",
                 output_activation="identity", loss_takes_logits=False, fill=None,
                 standardise=None):
        super().__init__()
        self.encoder = encoder
        self.decoder = decoder
        self.corruption = corruption if corruption is not None else Corruption()
        self.code_activation = ACTIVATIONS[code_activation]()
        self.output_activation = output_layer(output_activation)
        self.loss_takes_logits = loss_takes_logits
        self.standardise = standardise if standardise is not None else Standardise()
        self.register_buffer("fill", None if fill is None else self.standardise(
            torch.as_tensor(fill, dtype=torch.float32)).clone())

    def encode(self, x):
        return self._encode_standardised(standardised(self, x))

    def _encode_standardised(self, x):
        if self.fill is not None:
            x = torch.where(torch.isnan(x), self.fill, x)
        return self.code_activation(self.encoder(x))

    def decode(self, z):
        return in_units(self, self.output_activation(self.decoder(z)))

    def decode_for_loss(self, z):
        """The decoder output as the reconstruction loss takes it."""
        out = self.decoder(z)
        return in_units(self, out if self.loss_takes_logits else self.output_activation(out))

    def forward(self, x):
        z = self._encode_standardised(self.corruption(standardised(self, x)))
        return self.decode_for_loss(z), z


class GaussianHead(nn.Module):
    """Linear layer giving the mean and log-variance of a diagonal Gaussian."""

    # exp(log_var) stays finite in float32 and above 1e-13.
    LOG_VAR_RANGE = (-30.0, 20.0)

    def __init__(self, in_features, n_components):
        super().__init__()
        self.linear = nn.Linear(in_features, 2 * n_components)

    def forward(self, h):
        mean, log_var = self.linear(h).chunk(2, dim=-1)
        return mean, log_var.clamp(*self.LOG_VAR_RANGE)


def with_gaussian_head(encoder):
    """``encoder`` (ending in a linear layer to the code) with that layer
    replaced by a :class:`GaussianHead` of the same widths."""
    last = encoder[-1]
    if not isinstance(last, nn.Linear):
        raise TypeError(f"the encoder must end in nn.Linear; it ends in {last!r}")
    return nn.Sequential(*encoder[:-1], GaussianHead(last.in_features, last.out_features))


def reparameterise(mean, log_var, noise):
    """``mean + std * noise``: draws from N(mean, diag(exp(log_var))) that are
    differentiable in the posterior's parameters (the reparameterisation
    trick); ``noise`` is standard normal and broadcasts against ``mean``
    (shape (k, n, d) for k draws per sample)."""
    return mean + torch.exp(0.5 * log_var) * noise


class VariationalModule(nn.Module):
    """Gaussian encoder, decoder and the likelihood's scale of a VAE.

    ``forward(x, condition=None, noise=None)`` draws ``z = mean + std * noise``
    (the reparameterisation trick; ``noise`` is standard normal, drawn here
    when not given) and returns ``(decoder_output, mean, log_var,
    log_scale)``, the decoder output as :meth:`decode_for_loss` gives it;
    ``log_scale`` is the log standard deviation of a Gaussian likelihood,
    ``log(initial_scale)`` at first and learned unless ``learn_scale=False``,
    or None (no Gaussian likelihood). A ``condition`` (e.g. one-hot labels)
    is appended to the input of both the encoder and the decoder. Missing
    entries of x (NaN) are filled with ``fill`` (the training rows' column
    means) on the way into the encoder. ``encode``
    gives the posterior mean; ``decode`` applies the output activation (the
    likelihood's mean). With ``standardise`` (a :class:`Standardise`), the
    network works on standardised columns, as :class:`AutoencoderModule`'s.
    """

    def __init__(self, encoder, decoder, output_activation="identity",
                 initial_scale=None, learn_scale=True, loss_takes_logits=False, fill=None,
                 standardise=None):
        super().__init__()
        self.encoder = encoder
        self.decoder = decoder
        self.standardise = standardise if standardise is not None else Standardise()
        self.register_buffer("fill", None if fill is None else self.standardise(
            torch.as_tensor(fill, dtype=torch.float32)).clone())
        self.output_activation = output_layer(output_activation)
        self.loss_takes_logits = loss_takes_logits
        log_scale = None if initial_scale is None else torch.tensor(
            math.log(initial_scale), dtype=torch.float32)
        if learn_scale and log_scale is not None:
            self.log_scale = nn.Parameter(log_scale)
        else:  # fixed (a buffer: saved with the module, never trained) or absent
            self.register_buffer("log_scale", log_scale)

    @staticmethod
    def _with(inputs, condition):
        return inputs if condition is None else torch.cat([inputs, condition], dim=-1)

    def posterior(self, x, condition=None):
        """Mean and log-variance of q(z | x[, condition]); a missing entry of x
        (NaN) is filled with its column's value of ``fill``."""
        x = standardised(self, x)
        if self.fill is not None:
            x = torch.where(torch.isnan(x), self.fill, x)
        return self.encoder(self._with(x, condition))

    def encode(self, x, condition=None):
        return self.posterior(x, condition)[0]

    def decode_raw(self, z, condition=None):
        return self.decoder(self._with(z, condition))

    def decode(self, z, condition=None):
        return in_units(self, self.output_activation(self.decode_raw(z, condition)))

    def decode_for_loss(self, z, condition=None):
        """The decoder output as the likelihood takes it: the Bernoulli's
        logits, or the Gaussian's mean (the output activation applied)."""
        out = self.decode_raw(z, condition)
        return in_units(self, out if self.loss_takes_logits else self.output_activation(out))

    def forward(self, x, condition=None, noise=None):
        mean, log_var = self.posterior(x, condition)
        if noise is None:
            noise = torch.randn_like(mean)
        z = reparameterise(mean, log_var, noise)
        return self.decode_for_loss(z, condition), mean, log_var, self.log_scale

    def decode_draws(self, z, condition=None):
        """:meth:`decode_for_loss` of draws ``z`` of shape (k, n, d), flattened
        draw by draw to (k * n, ...)."""
        k = z.shape[0]
        return self.decode_for_loss(z.flatten(0, 1),
                                    None if condition is None else condition.repeat(k, 1))


class EncoderClassifierModule(nn.Module):
    """A (pretrained) autoencoder module's ``encode`` followed by a head.

    ``forward(x)`` returns the head's logits; in training, from x as the
    ``augmentation`` module (or None) changes it.
    With ``freeze_encoder`` the autoencoder's parameters get no gradient and
    it stays in evaluation mode (its dropout and batch norm as at the end of
    pretraining).
    """

    def __init__(self, autoencoder, head, freeze_encoder=False, augmentation=None):
        super().__init__()
        self.autoencoder = autoencoder
        self.head = head
        self.freeze_encoder = freeze_encoder
        self.augmentation = augmentation if augmentation is not None else nn.Identity()
        if freeze_encoder:
            autoencoder.requires_grad_(False)

    def train(self, mode=True):
        super().train(mode)
        if self.freeze_encoder:
            self.autoencoder.eval()
        return self

    def forward(self, x):
        if self.training:
            x = self.augmentation(x)
        return self.head(self.autoencoder.encode(x))


class ClusteringModule(nn.Module):
    """A (pretrained) autoencoder module with cluster centres in its code space.

    ``forward(x)`` returns ``(decoder_output, q, x)``: the raw reconstruction,
    the soft assignments of the codes to the centres under a Student's t
    kernel with ``alpha`` degrees of freedom (DEC), and the input itself,
    which the criterion reconstructs.
    """

    def __init__(self, autoencoder, centers, alpha=1.0):
        super().__init__()
        self.autoencoder = autoencoder
        self.centers = nn.Parameter(torch.as_tensor(centers, dtype=torch.float32).clone())
        self.alpha = alpha

    def soft_assign(self, z):
        # Squared distances summed per row (cdist's matrix-product shortcut
        # loses precision and depends on the batch), then the Student's t
        # kernel normalised in log space: no overflow for far-away codes.
        squared = (z[:, None, :] - self.centers[None]).square().sum(dim=2)
        log_q = -(self.alpha + 1.0) / 2.0 * torch.log1p(squared / self.alpha)
        return torch.softmax(log_q, dim=1)

    def forward(self, x):
        z = self.autoencoder.encode(x)
        return self.autoencoder.decode_for_loss(z), self.soft_assign(z), x
