"""The built-in architectures, one mixin each, below every family: what an
estimator's layer parameters mean (their constraints, their checks against X)
and the encoder and decoder they build (``_encoder_decoder``)."""

from sklearn.utils._param_validation import StrOptions

from ._image_shape import resolve_image_shape
from ._modules import conv_stages, make_conv_encoder_decoder, make_mlp
from ._validation import (
    ChannelStages,
    OddInt,
    PerStage,
    PositiveInt,
    SizeTuple,
    StagePadding,
)


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


class ConvArchitecture:
    """Mixin: a convolutional encoder for flat ``image_shape`` rows and its mirror."""

    _parameter_constraints = {
        "image_shape": [SizeTuple(length=3), None],
        "channels": [ChannelStages()],
        "decoder_channels": [ChannelStages(), None],
        "kernel_size": [PerStage(OddInt())],
        "stride": [PerStage(PositiveInt())],
        "padding": [PerStage(StagePadding())],
        "pooling": [StrOptions({"max", "avg"}), None],
        "hidden_layer_sizes": [SizeTuple()],
    }

    def _check_input(self, X, name="X"):
        super()._check_input(X, name)
        _, height, width = resolve_image_shape(self.image_shape, X.shape[1])
        n_stages = len(self.channels)
        if self.decoder_channels is not None and len(self.decoder_channels) != n_stages:
            raise ValueError(
                f"decoder_channels={tuple(self.decoder_channels)} has "
                f"{len(self.decoder_channels)} values, but channels={tuple(self.channels)} has "
                f"{n_stages} stages: the decoder undoes the encoder's stages one by one, so "
                "it needs one per stage. For another number of stages pass your own decoder.")
        for name in ("kernel_size", "stride", "padding"):
            value = getattr(self, name)
            if isinstance(value, (tuple, list)) and len(value) != n_stages:
                raise ValueError(
                    f"{name}={tuple(value)} has {len(value)} values, but channels="
                    f"{tuple(self.channels)} has {n_stages} stages; give one per stage, "
                    "or one int for all.")
        stages, sizes = conv_stages(height, width, n_stages, self.kernel_size, self.stride,
                                    self.padding, self.pooling)
        for stage, ((k, s, p), (height, width)) in enumerate(zip(stages, sizes), 1):
            # A stride past the padded feature map leaves the one pixel that
            # this largest stride leaves; torch's transposed convolution
            # crashes the process on strides of 10,000 and more.
            largest = max(height, width) + 2 * p
            if self.pooling is None and height >= 1 and width >= 1 and s > largest:
                raise ValueError(
                    f"Stage {stage} of the encoder has stride={s}, above its padded "
                    f"{height}x{width} input ({largest} pixels across): any stride from "
                    f"{largest} on leaves one pixel. Use a stride of at most {largest}.")
        for stage, ((k, _, _), size) in enumerate(zip(stages, sizes[1:]), 1):
            if min(size) < 1:
                raise ValueError(
                    f"Stage {stage} of the encoder leaves no pixels: a kernel of {k} with "
                    f"padding={self.padding!r} needs a feature map at least {k} wide. Use "
                    "smaller kernels, fewer stages, or padding='same'.")

    def _build_module(self, data):
        # Set with the user's own modules too: the Displays read it.
        self.image_shape_ = resolve_image_shape(self.image_shape, data.n_features)
        return super()._build_module(data)

    def _encoder_decoder(self, n_features):
        return make_conv_encoder_decoder(
            self.image_shape_, self.channels, self.n_components,
            self.kernel_size, self.stride, self.pooling, self.activation, self.batch_norm,
            self.dropout,
            hidden_layer_sizes=tuple(self.hidden_layer_sizes), padding=self.padding,
            decoder_channels=self.decoder_channels,
        )
