"""Original images over their reconstructions."""

import numpy as np
from sklearn.utils.validation import check_is_fitted

from ._common import _image_shape, _ImageGridDisplay, check_matplotlib_support, labelled


class ReconstructionDisplay(_ImageGridDisplay):
    """Original images over their reconstructions.

    Grey levels are scaled to the originals' range, so a reconstruction
    that is too faint or too dark shows as such.

    Parameters
    ----------
    originals : ndarray of shape (n_images, n_features)
        The input images, one flat image per row (top row of the grid).
    reconstructions : ndarray of shape (n_images, n_features)
        Their reconstructions, in the same order (bottom row).
    image_shape : tuple of 3 ints (C, H, W)
        Layout of a row; 1 or 3 channels.

    Attributes
    ----------
    image_ : matplotlib AxesImage
        The grid of images drawn.
    ax_ : matplotlib Axes
        The axes drawn on.
    figure_ : matplotlib Figure
        The figure of ``ax_``.

    See Also
    --------
    ReconstructionHistoryDisplay : Reconstructions of fixed inputs as training went on.
    skae.metrics.reconstruction_error : The error per sample, as a number.

    Examples
    --------
    >>> import numpy as np
    >>> from skae.plotting import ReconstructionDisplay
    >>> X = np.random.default_rng(0).random((4, 64))
    >>> ReconstructionDisplay(X, 0.9 * X, (1, 8, 8)).plot().image_.get_array().shape
    (17, 35)
    """

    def __init__(self, originals, reconstructions, image_shape):
        self.originals = originals
        self.reconstructions = reconstructions
        self.image_shape = image_shape

    def _layout(self):
        return {"rows": [list(self.originals), list(self.reconstructions)],
                "row_labels": ["original", "reconstructed"], "reference": self.originals}

    @classmethod
    def from_estimator(cls, estimator, X, y=None, *, n_images=8, image_shape=None, ax=None,
                       cmap="gray_r", value_range=None):
        """Reconstruct the first ``n_images`` rows of X and plot them.

        Parameters
        ----------
        estimator : fitted skae autoencoder
            Anything with ``transform`` and ``inverse_transform``.
        X : array-like of shape (n_samples, n_features)
            Input images, one flat image per row; the first ``n_images`` are drawn.
        y : array-like of shape (n_samples,), default=None
            Labels, for a :class:`~skae.ConditionalVariationalAutoencoder`.
        n_images : int, default=8
            Number of images drawn.
        image_shape : tuple of 3 ints (C, H, W), default=None
            Layout of a row; the estimator's ``image_shape_``, else the most
            square ``(1, H, W)``, when None.
        ax : matplotlib Axes, default=None
            Where to draw; a new figure when None.
        cmap : str, default="gray_r"
            Colormap of grey images (RGB images keep their colours).
        value_range : tuple (low, high), default=None
            Ends of the grey scale; the originals' range when None.

        Returns
        -------
        display : ReconstructionDisplay
            The display, with ``image_``, ``ax_`` and ``figure_`` set.
        """
        check_matplotlib_support(f"{cls.__name__}.from_estimator")
        check_is_fitted(estimator)
        X = np.asarray(X)[:n_images]
        labels = labelled(None if y is None else np.asarray(y)[:n_images])
        reconstructions = estimator.inverse_transform(estimator.transform(X, **labels),
                                                      **labels)
        shape = _image_shape(estimator, X.shape[1], image_shape)
        return cls(X, reconstructions, shape).plot(ax=ax, cmap=cmap, value_range=value_range)
