"""Decoded images along latent dimensions."""

import numpy as np
from sklearn.utils.validation import check_is_fitted

from ._common import _image_shape, _ImageGridDisplay, check_matplotlib_support, labelled


class LatentTraversalDisplay(_ImageGridDisplay):
    """Decoded images along latent dimensions, one row per dimension.

    Each row moves one latent dimension from ``-span`` to ``+span`` standard
    deviations of the codes around a centre code, the other dimensions held
    at the centre's values: what the decoder makes of that dimension alone.

    Parameters
    ----------
    traversal : ndarray of shape (n_dimensions, n_steps, n_features)
        As returned by an autoencoder's ``latent_traversal``.
    image_shape : tuple of 3 ints (C, H, W)
        Layout of a row; 1 or 3 channels.
    dimensions : list of int, default=None
        The latent dimension of each row, for the row labels.
    offsets : array-like of shape (n_steps,), default=None
        The offset of each column, for the column labels.

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
    skae.Autoencoder.latent_traversal : The traversal this display draws.
    SampleGridDisplay : A grid of images, e.g. generated samples.

    Examples
    --------
    >>> import numpy as np
    >>> from skae.plotting import LatentTraversalDisplay
    >>> traversal = np.random.default_rng(0).random((2, 5, 64))
    >>> LatentTraversalDisplay(traversal, (1, 8, 8)).plot().image_.get_array().shape
    (17, 44)
    """

    def __init__(self, traversal, image_shape, dimensions=None, offsets=None):
        self.traversal = traversal
        self.image_shape = image_shape
        self.dimensions = dimensions
        self.offsets = offsets

    def _layout(self):
        layout = {"rows": [list(row) for row in self.traversal]}
        if self.dimensions is not None:
            layout["row_labels"] = [f"z{d}" for d in self.dimensions]
        if self.offsets is not None:
            layout["column_labels"] = [f"{o:+.1f}" for o in self.offsets]
            layout["xlabel"] = "offset (standard deviations of the codes)"
        return layout

    @classmethod
    def from_estimator(cls, estimator, X=None, y=None, *, dimensions=None, n_steps=7,
                       span=3.0, image_shape=None, ax=None, cmap="gray_r",
                       value_range=None):
        """Compute ``estimator.latent_traversal`` and plot it.

        Parameters
        ----------
        estimator : fitted skae autoencoder
            Anything with ``latent_traversal``.
        X : array-like of shape (1, n_features), default=None
            The input whose code is moved; the centre of the codes when None.
        y : label, default=None
            The class, for a :class:`~skae.ConditionalVariationalAutoencoder`.
        dimensions : list of int, default=None
            The latent dimensions to walk; all when None.
        n_steps : int, default=7
            Number of codes along each dimension (columns of the grid).
        span : float, default=3.0
            Largest offset, in standard deviations of the codes.
        image_shape : tuple of 3 ints (C, H, W), default=None
            Layout of a row; the estimator's ``image_shape_``, else the most
            square ``(1, H, W)``, when None.
        ax : matplotlib Axes, default=None
            Where to draw; a new figure when None.
        cmap : str, default="gray_r"
            Colormap of grey images (RGB images keep their colours).
        value_range : tuple (low, high), default=None
            Values shown as the ends of the colormap, e.g. ``(0, 1)`` for
            pixels in [0, 1]; the range of the images when None.

        Returns
        -------
        display : LatentTraversalDisplay
            The display, with ``image_``, ``ax_`` and ``figure_`` set.
        """
        check_matplotlib_support(f"{cls.__name__}.from_estimator")
        check_is_fitted(estimator)
        traversal = estimator.latent_traversal(X, dimensions=dimensions, n_steps=n_steps,
                                               span=span, **labelled(y))
        if dimensions is None:
            dimensions = list(range(estimator.n_components))
        shape = _image_shape(estimator, traversal.shape[2], image_shape)
        return cls(traversal, shape, dimensions, np.linspace(-span, span, n_steps)).plot(
            ax=ax, cmap=cmap, value_range=value_range)
