"""Displays in scikit-learn's pattern: the data in ``__init__``, ``plot(ax=None)``
draws it and sets ``ax_`` and ``figure_``, ``from_estimator`` computes the
data from a fitted estimator and plots it. matplotlib is imported only when
plotting."""

import math
from abc import ABC, abstractmethod

import numpy as np
from sklearn.utils.validation import check_is_fitted

from .._callbacks import ReconstructionHistory
from .._image_shape import resolve_image_shape
from .._validation import import_optional


def check_matplotlib_support(caller):
    """ImportError naming ``caller`` and the install command when matplotlib is absent."""
    import_optional("matplotlib", "plot", caller)


def import_umap(caller):
    """umap-learn's ``umap`` module, or an ImportError naming ``caller`` and the extra."""
    return import_optional("umap", "umap", caller, package="umap-learn")


def _axes(ax):
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots()
    return ax


def _image_shape(estimator, n_features, image_shape):
    """``image_shape`` if given, else the estimator's, else the most square."""
    if image_shape is None:
        image_shape = getattr(estimator, "image_shape_", None)
    image_shape = resolve_image_shape(image_shape, n_features, "the data")
    if image_shape[0] not in (1, 3):
        raise ValueError(
            f"images must have 1 (grey) or 3 (RGB) channels to be shown; got "
            f"image_shape={image_shape}."
        )
    return image_shape


def _mosaic(rows, image_shape, pad=1):
    """One (H', W'[, 3]) array tiling ``rows`` (a list of equal-length lists of
    flat images), with ``pad`` blank pixels (NaN) between the tiles."""
    channels, height, width = image_shape
    n_rows, n_cols = len(rows), len(rows[0])
    canvas = np.full((n_rows * (height + pad) - pad, n_cols * (width + pad) - pad, channels),
                     np.nan)
    for r, row in enumerate(rows):
        for c, image in enumerate(row):
            top, left = r * (height + pad), c * (width + pad)
            canvas[top:top + height, left:left + width] = (
                np.asarray(image, dtype=float).reshape(image_shape).transpose(1, 2, 0))
    return canvas[..., 0] if channels == 1 else canvas


def _show_grid(ax, rows, image_shape, cmap, row_labels=None, column_labels=None,
               reference=None, value_range=None):
    """Draw a mosaic of images on ``ax``. Values are scaled to ``value_range``
    or the range of ``reference`` (e.g. the originals; values outside it
    saturate), or else of the whole grid."""
    canvas = _mosaic(rows, image_shape)
    if value_range is not None:
        low, high = value_range
    else:
        values = canvas if reference is None else np.asarray(reference, dtype=float)
        low, high = np.nanmin(values), np.nanmax(values)
    high = high if high > low else low + 1.0
    if canvas.ndim == 3:  # RGB: matplotlib expects values in [0, 1]
        canvas = np.clip((canvas - low) / (high - low), 0.0, 1.0)
        canvas = np.where(np.isnan(canvas), 1.0, canvas)
        image = ax.imshow(canvas, interpolation="nearest")
    else:
        import matplotlib

        colormap = matplotlib.colormaps[cmap].with_extremes(bad="white")
        image = ax.imshow(np.ma.masked_invalid(canvas), cmap=colormap, vmin=low, vmax=high,
                          interpolation="nearest")
    _, height, width = image_shape
    ax.set_xticks([] if column_labels is None else
                  [(width + 1) * c + (width - 1) / 2 for c in range(len(column_labels))])
    ax.set_yticks([] if row_labels is None else
                  [(height + 1) * r + (height - 1) / 2 for r in range(len(row_labels))])
    if column_labels is not None:
        ax.set_xticklabels(column_labels)
    if row_labels is not None:
        ax.set_yticklabels(row_labels)
    ax.tick_params(length=0)
    for spine in ax.spines.values():
        spine.set_visible(False)
    return image


def _grid_rows(images, n_cols):
    images = list(images)
    n_cols = min(n_cols, len(images))
    rows = [images[i:i + n_cols] for i in range(0, len(images), n_cols)]
    blank = np.full_like(np.asarray(images[0], dtype=float), np.nan)
    rows[-1] = rows[-1] + [blank] * (n_cols - len(rows[-1]))
    return rows


class LossCurveDisplay:
    """Training (and validation) loss per epoch of one or several estimators.

    Draw it with :meth:`from_estimator`, e.g. one curve per optimizer, or
    build it from the curves and call :meth:`plot`.

    Parameters
    ----------
    loss_curves : list of array-like
        Training loss per epoch, one per estimator.
    validation_loss_curves : list of (array-like or None), default=None
        Validation loss per epoch, one per estimator (None where there is none).
    names : list of str, default=None
        Legend label of each estimator.

    Attributes
    ----------
    lines_ : list of matplotlib Line2D
        The training curves, then the validation curves.
    ax_ : matplotlib Axes
    figure_ : matplotlib Figure

    Examples
    --------
    >>> from skae.plotting import LossCurveDisplay
    >>> display = LossCurveDisplay([[3.0, 2.0, 1.5]], [[3.2, 2.4, 2.0]], ["adam"])
    >>> len(display.plot().lines_)
    2
    """

    def __init__(self, loss_curves, validation_loss_curves=None, names=None):
        self.loss_curves = loss_curves
        self.validation_loss_curves = validation_loss_curves
        self.names = names

    def plot(self, ax=None, *, log_scale=False):
        """Draw the curves.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            Where to draw; a new figure when None.
        log_scale : bool, default=False
            Logarithmic loss axis.

        Returns
        -------
        display : LossCurveDisplay
        """
        check_matplotlib_support(f"{type(self).__name__}.plot")
        ax = _axes(ax)
        n = len(self.loss_curves)
        names = self.names or [None] * n
        validation = self.validation_loss_curves or [None] * n
        self.lines_ = []
        for curve, name in zip(self.loss_curves, names):
            label = "training" if name is None else f"{name} (training)"
            self.lines_ += ax.plot(np.arange(1, len(curve) + 1), curve, label=label)
        for curve, name, train_line in zip(validation, names, list(self.lines_)):
            if curve is not None:
                label = "validation" if name is None else f"{name} (validation)"
                self.lines_ += ax.plot(np.arange(1, len(curve) + 1), curve, "--",
                                       color=train_line.get_color(), label=label)
        ax.set(xlabel="epoch", ylabel="loss")
        if log_scale:
            ax.set_yscale("log")
        if any(name is not None for name in names) or any(c is not None for c in validation):
            ax.legend()
        self.ax_, self.figure_ = ax, ax.figure
        return self

    @classmethod
    def from_estimator(cls, estimator, *, ax=None, log_scale=False):
        """Plot the loss curves of fitted estimators.

        Parameters
        ----------
        estimator : estimator, list of estimators or dict
            Fitted skae estimators (anything with ``loss_curve_``); a dict maps
            legend labels to estimators, otherwise the class names label them.
        ax : matplotlib Axes, default=None
        log_scale : bool, default=False

        Returns
        -------
        display : LossCurveDisplay
        """
        check_matplotlib_support(f"{cls.__name__}.from_estimator")
        if isinstance(estimator, dict):
            names, estimators = list(estimator), list(estimator.values())
        elif isinstance(estimator, (list, tuple)):
            estimators = list(estimator)
            names = [type(e).__name__ for e in estimators]
        else:
            estimators, names = [estimator], [None]
        if not estimators:
            raise ValueError("estimator must hold at least one fitted estimator; got none.")
        for est in estimators:
            check_is_fitted(est, "loss_curve_")
        return cls(
            [est.loss_curve_ for est in estimators],
            [getattr(est, "validation_loss_curve_", None) for est in estimators],
            names,
        ).plot(ax=ax, log_scale=log_scale)


class _ImageGridDisplay(ABC):
    """Shared ``plot`` of the Displays that draw a grid of images; each
    subclass says what goes in the grid through ``_layout``."""

    @abstractmethod
    def _layout(self):
        """``rows`` (lists of flat images) and optionally ``row_labels``,
        ``column_labels``, ``tile_labels`` (``{(row, column): text}``, written
        in a tile's corner), ``reference`` (values that set the grey scale)
        and ``xlabel``."""

    def plot(self, ax=None, *, cmap="gray_r", value_range=None):
        """Draw the images.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            Where to draw; a new figure when None.
        cmap : str, default="gray_r"
            Colormap of grey images.
        value_range : tuple (low, high), default=None
            Values shown as the ends of the colormap, e.g. ``(0, 1)`` for
            pixels in [0, 1]. When None: the originals' range where the grid
            shows originals, else the range of the images drawn.

        Returns
        -------
        display : object
            The display, with ``image_``, ``ax_`` and ``figure_`` set.
        """
        check_matplotlib_support(f"{type(self).__name__}.plot")
        own_figure = ax is None
        ax = _axes(ax)
        layout = self._layout()
        self.image_ = _show_grid(ax, layout["rows"], tuple(self.image_shape), cmap,
                                 row_labels=layout.get("row_labels"),
                                 column_labels=layout.get("column_labels"),
                                 reference=layout.get("reference"), value_range=value_range)
        if "xlabel" in layout:
            ax.set_xlabel(layout["xlabel"])
        _, height, width = self.image_shape
        for (r, c), label in layout.get("tile_labels", {}).items():
            ax.text((width + 1) * c - 0.5, (height + 1) * r - 0.5, label, ha="left",
                    va="top", fontsize="x-small", color="tab:red")
        if own_figure:  # room for the row names (a grid's "reconstructed" fell outside)
            ax.figure.tight_layout()
        self.ax_, self.figure_ = ax, ax.figure
        return self


class ReconstructionDisplay(_ImageGridDisplay):
    """Original images over their reconstructions.

    Grey levels are scaled to the originals' range, so a reconstruction
    that is too faint or too dark shows as such.

    Parameters
    ----------
    originals : ndarray of shape (n_images, n_features)
    reconstructions : ndarray of shape (n_images, n_features)
    image_shape : tuple of 3 ints (C, H, W)
        Layout of a row; 1 or 3 channels.

    Attributes
    ----------
    image_ : matplotlib AxesImage
    ax_ : matplotlib Axes
    figure_ : matplotlib Figure

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
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,), default=None
            Labels, for a :class:`~skae.ConditionalVariationalAutoencoder`.
        n_images : int, default=8
        image_shape : tuple of 3 ints (C, H, W), default=None
            The estimator's ``image_shape_`` or the most square ``(1, H, W)``
            when None.
        ax : matplotlib Axes, default=None
        cmap : str, default="gray_r"
        value_range : tuple (low, high), default=None
            Ends of the grey scale; the originals' range when None.

        Returns
        -------
        display : ReconstructionDisplay
        """
        check_matplotlib_support(f"{cls.__name__}.from_estimator")
        check_is_fitted(estimator)
        X = np.asarray(X)[:n_images]
        if y is None:
            reconstructions = estimator.inverse_transform(estimator.transform(X))
        else:
            y = np.asarray(y)[:n_images]
            reconstructions = estimator.inverse_transform(estimator.transform(X, y), y)
        shape = _image_shape(estimator, X.shape[1], image_shape)
        return cls(X, reconstructions, shape).plot(ax=ax, cmap=cmap, value_range=value_range)


class SampleGridDisplay(_ImageGridDisplay):
    """A grid of images, e.g. samples generated by an autoencoder.

    Parameters
    ----------
    images : ndarray of shape (n_images, n_features)
    image_shape : tuple of 3 ints (C, H, W)
    n_cols : int, default=None
        Images per row; the ceiling of the square root of ``n_images`` when None.
    labels : array-like of shape (n_images,), default=None
        A label of each image, e.g. the class a conditional autoencoder
        generated it as. When every row of the grid holds one label, it
        names the row; otherwise each image has its label in its corner.

    Attributes
    ----------
    image_ : matplotlib AxesImage
    ax_ : matplotlib Axes
    figure_ : matplotlib Figure

    Examples
    --------
    >>> import numpy as np
    >>> from skae.plotting import SampleGridDisplay
    >>> images = np.random.default_rng(0).random((6, 64))
    >>> SampleGridDisplay(images, (1, 8, 8), n_cols=3).plot().image_.get_array().shape
    (17, 26)
    """

    def __init__(self, images, image_shape, n_cols=None, labels=None):
        self.images = images
        self.image_shape = image_shape
        self.n_cols = n_cols
        self.labels = labels

    def _layout(self):
        n_cols = min(self.n_cols or math.ceil(math.sqrt(len(self.images))), len(self.images))
        layout = {"rows": _grid_rows(self.images, n_cols)}
        if self.labels is None:
            return layout
        labels = [str(label) for label in np.asarray(self.labels).ravel()]
        if len(labels) != len(self.images):
            raise ValueError(f"labels must give one label per image: got {len(labels)} for "
                             f"{len(self.images)} images.")
        rows = [labels[i:i + n_cols] for i in range(0, len(labels), n_cols)]
        if all(len(set(row)) == 1 for row in rows):
            layout["row_labels"] = [row[0] for row in rows]
        else:
            layout["tile_labels"] = {(i // n_cols, i % n_cols): label
                                     for i, label in enumerate(labels)}
        return layout

    @classmethod
    def from_estimator(cls, estimator, *, n_samples=36, y=None, n_cols=None,
                       image_shape=None, random_state=None, ax=None, cmap="gray_r",
                       value_range=None):
        """Draw ``n_samples`` new images with ``estimator.sample`` and plot them.

        Parameters
        ----------
        estimator : fitted skae autoencoder
        n_samples : int, default=36
        y : label or array-like of labels, default=None
            The classes to generate, for a
            :class:`~skae.ConditionalVariationalAutoencoder`; the grid
            labels its images with them (rows of one class are named).
        n_cols : int, default=None
        image_shape : tuple of 3 ints (C, H, W), default=None
        random_state : int, RandomState instance or None, default=None
            Seed of the draw.
        ax : matplotlib Axes, default=None
        cmap : str, default="gray_r"
        value_range : tuple (low, high), default=None
            Values shown as the ends of the colormap, e.g. ``(0, 1)`` for
            pixels in [0, 1]; the range of the images when None.

        Returns
        -------
        display : SampleGridDisplay
        """
        check_matplotlib_support(f"{cls.__name__}.from_estimator")
        check_is_fitted(estimator)
        if y is None:
            images, labels = estimator.sample(n_samples, random_state=random_state), None
        else:
            images = estimator.sample(n_samples, y=y, random_state=random_state)
            labels = np.broadcast_to(np.asarray(y, dtype=object), (len(images),))
        shape = _image_shape(estimator, images.shape[1], image_shape)
        return cls(images, shape, n_cols, labels).plot(ax=ax, cmap=cmap,
                                                       value_range=value_range)


class LatentTraversalDisplay(_ImageGridDisplay):
    """Decoded images along latent dimensions, one row per dimension.

    Parameters
    ----------
    traversal : ndarray of shape (n_dimensions, n_steps, n_features)
        As returned by an autoencoder's ``latent_traversal``.
    image_shape : tuple of 3 ints (C, H, W)
    dimensions : list of int, default=None
        The latent dimension of each row, for the row labels.
    offsets : array-like of shape (n_steps,), default=None
        The offset of each column, for the column labels.

    Attributes
    ----------
    image_ : matplotlib AxesImage
    ax_ : matplotlib Axes
    figure_ : matplotlib Figure

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
        X : array-like of shape (1, n_features), default=None
            The input whose code is moved; the centre of the codes when None.
        y : label, default=None
            The class, for a :class:`~skae.ConditionalVariationalAutoencoder`.
        dimensions : list of int, default=None
            The latent dimensions to walk; all when None.
        n_steps : int, default=7
        span : float, default=3.0
            Largest offset, in standard deviations of the codes.
        image_shape : tuple of 3 ints (C, H, W), default=None
        ax : matplotlib Axes, default=None
        cmap : str, default="gray_r"
        value_range : tuple (low, high), default=None
            Values shown as the ends of the colormap, e.g. ``(0, 1)`` for
            pixels in [0, 1]; the range of the images when None.

        Returns
        -------
        display : LatentTraversalDisplay
        """
        check_matplotlib_support(f"{cls.__name__}.from_estimator")
        check_is_fitted(estimator)
        kwargs = {} if y is None else {"y": y}
        traversal = estimator.latent_traversal(X, dimensions=dimensions, n_steps=n_steps,
                                               span=span, **kwargs)
        if dimensions is None:
            dimensions = list(range(estimator.n_components))
        shape = _image_shape(estimator, traversal.shape[2], image_shape)
        return cls(traversal, shape, dimensions, np.linspace(-span, span, n_steps)).plot(
            ax=ax, cmap=cmap, value_range=value_range)


class ReconstructionHistoryDisplay(_ImageGridDisplay):
    """Reconstructions of fixed inputs as training went on, one row per epoch.

    Record them with a :class:`ReconstructionHistory` callback.

    Parameters
    ----------
    originals : ndarray of shape (n_inputs, n_features)
    reconstructions : list of ndarray of shape (n_inputs, n_features)
        One per recorded epoch.
    epochs : list of int
    image_shape : tuple of 3 ints (C, H, W)

    Attributes
    ----------
    image_ : matplotlib AxesImage
    ax_ : matplotlib Axes
    figure_ : matplotlib Figure

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
        ax : matplotlib Axes, default=None
        cmap : str, default="gray_r"
        value_range : tuple (low, high), default=None
            Ends of the grey scale; the originals' range when None.

        Returns
        -------
        display : ReconstructionHistoryDisplay
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


class LatentSpaceDisplay:
    """Codes as points in the plane, coloured by label.

    Parameters
    ----------
    embedding : ndarray of shape (n_samples, 2)
        The codes, or their 2-D projection.
    labels : array-like of shape (n_samples,), default=None
        Colours the points: one colour and legend entry per class when there
        are at most 20 classes, a colour bar for more numeric values.
    projection : {"pca", "tsne", "umap"} or None, default=None
        How the codes were projected, for the axis labels.

    Attributes
    ----------
    scatter_ : list of matplotlib PathCollection
    ax_ : matplotlib Axes
    figure_ : matplotlib Figure

    Examples
    --------
    >>> import numpy as np
    >>> from skae.plotting import LatentSpaceDisplay
    >>> embedding = np.random.default_rng(0).random((10, 2))
    >>> len(LatentSpaceDisplay(embedding, labels=[0, 1] * 5).plot().scatter_)
    2
    """

    MAX_LEGEND_CLASSES = 20

    def __init__(self, embedding, labels=None, projection=None):
        self.embedding = embedding
        self.labels = labels
        self.projection = projection

    def plot(self, ax=None, *, s=8, alpha=0.8):
        """Draw the scatter plot.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
        s : float, default=8
            Marker size.
        alpha : float, default=0.8
            Marker opacity.

        Returns
        -------
        display : LatentSpaceDisplay
        """
        check_matplotlib_support(f"{type(self).__name__}.plot")
        ax = _axes(ax)
        points = np.asarray(self.embedding)
        self.scatter_ = []
        if self.labels is None:
            self.scatter_.append(ax.scatter(points[:, 0], points[:, 1], s=s, alpha=alpha))
        else:
            labels = np.asarray(self.labels)
            classes = np.unique(labels)
            if len(classes) <= self.MAX_LEGEND_CLASSES or labels.dtype.kind not in "biuf":
                import matplotlib

                colours = matplotlib.colormaps["tab20" if len(classes) > 10 else "tab10"]
                for i, label in enumerate(classes):
                    mask = labels == label
                    self.scatter_.append(ax.scatter(points[mask, 0], points[mask, 1], s=s,
                                                    alpha=alpha, color=colours(i % 20),
                                                    label=str(label)))
                ax.legend(markerscale=2, fontsize="small", loc="best")
            else:
                scatter = ax.scatter(points[:, 0], points[:, 1], c=labels, s=s, alpha=alpha)
                ax.figure.colorbar(scatter, ax=ax)
                self.scatter_.append(scatter)
        prefix = {"pca": "PCA", "tsne": "t-SNE", "umap": "UMAP", None: "code"}[self.projection]
        ax.set(xlabel=f"{prefix} 1", ylabel=f"{prefix} 2")
        self.ax_, self.figure_ = ax, ax.figure
        return self

    @classmethod
    def from_estimator(cls, estimator, X, y=None, *, projection="auto", random_state=None,
                       ax=None, s=8, alpha=0.8):
        """Encode X and plot the codes, projected to 2-D when wider.

        Parameters
        ----------
        estimator : fitted transformer
            A skae autoencoder, or any fitted transformer (a Pipeline too).
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,), default=None
            Labels that colour the points.
        projection : {"auto", "pca", "tsne", "umap"}, default="auto"
            "auto" plots 2-D codes as they are and projects wider ones by PCA.
            "umap" needs umap-learn (``pip install "skae[umap]"``).
        random_state : int, RandomState instance or None, default=None
            Seed of t-SNE and UMAP.
        ax : matplotlib Axes, default=None
        s, alpha : float
            Marker size and opacity.

        Returns
        -------
        display : LatentSpaceDisplay
        """
        check_matplotlib_support(f"{cls.__name__}.from_estimator")
        if projection not in ("auto", "pca", "tsne", "umap"):
            raise ValueError(
                "projection must be 'auto', 'pca', 'tsne' or 'umap'; "
                f"got projection={projection!r}."
            )
        if projection == "umap":
            umap = import_umap(f"{cls.__name__}.from_estimator(projection='umap')")
        check_is_fitted(estimator)
        codes = np.asarray(estimator.transform(X))
        if codes.ndim != 2 or codes.shape[1] < 2:
            raise ValueError(
                f"LatentSpaceDisplay needs codes with at least 2 dimensions; the estimator "
                f"gives codes of shape {codes.shape}."
            )
        if projection == "auto":
            projection = None if codes.shape[1] == 2 else "pca"
        if projection == "pca":
            from sklearn.decomposition import PCA

            codes = PCA(n_components=2).fit_transform(codes)
        elif projection == "tsne":
            from sklearn.manifold import TSNE

            codes = TSNE(n_components=2, init="pca", random_state=random_state,
                         perplexity=min(30.0, (len(codes) - 1) / 3)).fit_transform(codes)
        elif projection == "umap":
            codes = umap.UMAP(n_components=2, n_neighbors=min(15, len(codes) - 1),
                              random_state=random_state, n_jobs=1).fit_transform(codes)
        return cls(codes, y, projection).plot(ax=ax, s=s, alpha=alpha)
