"""Autoencoder recipes that several benchmarks train, in one place.

The DEC papers' dense net and its pretraining (``dense``, ``dec_keras``,
``SGD_STEP_1``), the recipes' ``ConvAutoencoder``, and objectives beyond plain
reconstruction written on skae's public extension points: a training
corruption of one's own (``ImageShift`` as ``noise=``) and a shift-invariance
term (``ShiftInvariance`` as ``penalty=``).
"""

import torch
from torch import nn

from skae import Autoencoder, ConvAutoencoder


def conv_autoencoder(image_shape, seed, **params):
    """The recipes' ``ConvAutoencoder(image_shape=..., n_components=10)``, unfitted."""
    return ConvAutoencoder(image_shape=image_shape, n_components=10, random_state=seed,
                           **params)


def dense(**params):
    """The dense ``Autoencoder(n_components=10)``, its pixels taken as given
    (``scale=False``: the recipes' figures were measured so; the digits here
    are 0..16, which ``scale="auto"`` would standardise)."""
    def codes(X, seed, image_shape):
        ae = Autoencoder(n_components=10, random_state=seed, scale=False, **params)
        return ae.fit_transform(X)
    return codes


# DEC-keras's MNIST pretraining optimizer (its DEC.py): SGD with a constant step
# of 1 and plain momentum 0.9 (spelled out: skae's default schedule is a cosine).
SGD_STEP_1 = dict(optimizer="sgd", learning_rate_init=1.0, learning_rate="constant",
                  momentum=0.9, nesterovs_momentum=False)


def dec_keras(**params):
    """The DEC papers' dense net (d-500-500-2000-10) pretrained as DEC-keras does:
    batch 256, ``SGD_STEP_1``, weights U(+-1/sqrt(fan_in)) as torch's default."""
    return dense(hidden_layer_sizes=(500, 500, 2000), batch_size=256, **SGD_STEP_1,
                 **params)


class ImageShift(nn.Module):
    """A training corruption (``noise=``) or a view: each flat image row moved
    by its own random whole number of pixels, up to 1/14 of the image's sides
    each way (at least 1; 1 pixel on 8x8 images, 2 on 28x28), zeros coming
    in. Draws the row offsets, then the column offsets, from torch's default
    generator (which skae's ``fit`` seeds from ``random_state``)."""

    def __init__(self, image_shape):
        super().__init__()
        self.image_shape = tuple(image_shape)
        self.max_shift = tuple(max(1, round(side / 14)) for side in self.image_shape[1:])

    def forward(self, x):
        n = len(x)
        images = x.reshape(n, *self.image_shape)
        (height, width), (most_rows, most_cols) = self.image_shape[1:], self.max_shift
        padded = nn.functional.pad(images, (most_cols, most_cols, most_rows, most_rows))
        top = torch.randint(0, 2 * most_rows + 1, (n, 1), device=x.device)
        left = torch.randint(0, 2 * most_cols + 1, (n, 1), device=x.device)
        rows = (top + torch.arange(height, device=x.device))[:, None, :, None]
        cols = (left + torch.arange(width, device=x.device))[:, None, None, :]
        channels = self.image_shape[0]
        picked = padded.gather(2, rows.expand(n, channels, height, padded.shape[3]))
        return picked.gather(3, cols.expand(n, channels, height, width)).reshape(n, -1)


class ShiftInvariance:
    """A ``penalty=`` for image autoencoders: ``weight`` times the mean squared
    difference between the codes of each training image and of a shifted view
    of it (:class:`ImageShift`), per code dimension over that dimension's
    variance in the batch (so shrinking the codes cannot lower it). A
    training term: 0 on validation batches."""

    def __init__(self, image_shape, weight):
        self.shift = ImageShift(image_shape)
        self.weight = weight

    def __call__(self, x, codes, module):
        if not module.training:
            return codes.new_zeros(())
        view = module.encode(self.shift(x))
        invariance = (((codes - view) ** 2).mean(0) / (codes.var(0) + 1e-8)).mean()
        return self.weight * invariance
