"""Autoencoder recipes that several benchmarks train, in one place.

The DEC papers' dense net and its pretraining (``dense``, ``dec_keras``,
``SGD_STEP_1``), the recipes' ``ConvAutoencoder``, and :func:`changed`, which
gives an autoencoder objectives skae's public API does not have (a training
corruption of your own, a shift-invariance term). :func:`changed` is built
from skae's private modules: the one place where the benchmarks reach into
them for the models they train.
"""

from skae import Autoencoder, ConvAutoencoder
from skae._losses import AutoencoderCriterion
from skae._modules import AutoencoderModule, ImageAugmentation


def conv_autoencoder(image_shape, seed, **params):
    """The recipes' ``ConvAutoencoder(image_shape=..., n_components=10)``, unfitted."""
    return ConvAutoencoder(image_shape=image_shape, n_components=10, random_state=seed,
                           **params)


def dense(**params):
    def codes(X, seed, image_shape):
        ae = Autoencoder(n_components=10, random_state=seed, **params)
        return ae.fit_transform(X)
    return codes


# DEC-keras's MNIST pretraining optimizer (its DEC.py): SGD with step 1 and
# plain momentum 0.9.
SGD_STEP_1 = dict(optimizer="sgd", learning_rate_init=1.0, momentum=0.9,
                  nesterovs_momentum=False)


def dec_keras(**params):
    """The DEC papers' dense net (d-500-500-2000-10) pretrained as DEC-keras does:
    batch 256, ``SGD_STEP_1``, weights U(+-1/sqrt(fan_in)) as torch's default."""
    return dense(hidden_layer_sizes=(500, 500, 2000), batch_size=256, **SGD_STEP_1,
                 **params)


class ShiftedViewModule(AutoencoderModule):
    """In training, also encodes a shifted view of each input (``self.augment``,
    an ``ImageAugmentation(shift=True)``: up to 1 pixel on 8x8 images, 2 on
    28x28); the criterion below compares the two codes."""

    def forward(self, x):
        z = self.encode(self.corruption(x))
        if self.training:
            return self.decode_for_loss(z), (z, self.encode(self.augment(x)))
        return self.decode_for_loss(z), z


class InvarianceCriterion(AutoencoderCriterion):
    """Reconstruction plus ``weight`` times the mean squared difference between
    the codes of an image and of its shifted view, per code dimension over
    that dimension's variance in the batch (so shrinking the codes cannot
    lower it)."""

    weight = 1.0

    @property
    def term_names(self):
        return ("reconstruction", "invariance")

    def forward(self, y_pred, target, x=None, module=None):
        output, codes = y_pred
        reconstruction = super().forward((output, None), target)[0]
        invariance = output.new_zeros(())
        if isinstance(codes, tuple):
            z, z_view = codes
            invariance = (((z - z_view) ** 2).mean(0) / (z.var(0) + 1e-8)).mean()
        invariance = self.weight * invariance
        return reconstruction + invariance, {"reconstruction": reconstruction,
                                             "invariance": invariance}


def changed(estimator, X=None, corruption=None, invariance=None):
    """``estimator`` (a skae autoencoder, unfitted) as an instance of a subclass
    whose training corruption is ``corruption(X, image_shape)``, or whose loss
    adds the shift-invariance term of weight ``invariance``: objectives beyond
    plain reconstruction, built from skae's modules for the benchmarks only."""
    class Changed(type(estimator)):
        def _build_module(self, data):
            module = super()._build_module(data)
            if corruption is not None:
                module.corruption = corruption(X, self.image_shape_)
            if invariance is not None:
                module.__class__ = ShiftedViewModule
                module.augment = ImageAugmentation(self.image_shape_, shift=True)
            return module

        def _build_criterion(self):
            criterion = super()._build_criterion()
            if invariance is not None:
                criterion.__class__ = InvarianceCriterion
                criterion.weight = invariance
            return criterion

    Changed.__name__ = type(estimator).__name__
    return Changed(**estimator.get_params())


def shift_as_noise(X, image_shape):
    """Denoising with shifts: the input moved by up to 1/14 of its sides (one
    pixel on 8x8 images), the target not."""
    return ImageAugmentation(image_shape, shift=True)
