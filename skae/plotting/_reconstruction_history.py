"""Reconstructions of fixed inputs as training went on."""

import numpy as np
from sklearn.utils.validation import check_is_fitted

from .._callbacks import ReconstructionHistory
from ._common import _image_shape, _ImageGridDisplay, check_matplotlib_support


class ReconstructionHistoryDisplay(_ImageGridDisplay):
    """Reconstructions of fixed inputs as training went on, one row per epoch.

    Record them with a :class:`ReconstructionHistory` callback.

    Parameters
    ----------
    originals : ndarray of shape (n_inputs, n_features)
        The fixed inputs, one flat image per row (top row of the grid).
    reconstructions : list of ndarray of shape (n_inputs, n_features)
        One per recorded epoch.
    epochs : list of int
        The epoch of each entry of ``reconstructions``, for the row labels.
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
    ReconstructionHistory : The callback that records the reconstructions.
    LossCurveDisplay : Loss per epoch.

    Examples
    --------
    >>> import numpy as np
    >>> from skae.plotting import ReconstructionHistoryDisplay
    >>> X = np.random.default_rng(0).random((3, 64))
    >>> display = ReconstructionHistoryDisplay(X, [0.5 * X, 0.9 * X], [0, 5], (1, 8, 8))
    >>> display.plot().image_.get_array().shape
    (26, 26)
    """

    def __init__(self, originals, reconstructions, epochs, image_shape):
        self.originals = originals
        self.reconstructions = reconstructions
        self.epochs = epochs
        self.image_shape = image_shape

    def _layout(self):
        return {"rows": [list(self.originals)] + [list(r) for r in self.reconstructions],
                "row_labels": ["original"] + [f"epoch {e}" for e in self.epochs],
                "reference": self.originals}

    @classmethod
    def from_estimator(cls, estimator, *, image_shape=None, ax=None, cmap="gray_r",
                       value_range=None):
        """Plot what the estimator's :class:`ReconstructionHistory` callback recorded.

        Parameters
        ----------
        estimator : skae autoencoder
            Fitted with a :class:`ReconstructionHistory` among its ``callbacks``.
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
        display : ReconstructionHistoryDisplay
            The display, with ``image_``, ``ax_`` and ``figure_`` set.
        """
        check_matplotlib_support(f"{cls.__name__}.from_estimator")
        check_is_fitted(estimator, "net_")
        records = [cb for _, cb in estimator.net_.callbacks_
                   if isinstance(cb, ReconstructionHistory)]
        if not records:
            raise ValueError(
                f"{type(estimator).__name__} was not fitted with a ReconstructionHistory "
                "callback; pass callbacks=[ReconstructionHistory(X_fixed)] and fit again."
            )
        record = records[0]
        originals = np.asarray(record.X, dtype=np.float32)
        shape = _image_shape(estimator, originals.shape[1], image_shape)
        return cls(originals, record.reconstructions_, record.epochs_, shape).plot(
            ax=ax, cmap=cmap, value_range=value_range)
