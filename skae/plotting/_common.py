"""What the Displays share: matplotlib's import, the image layout and the
grid of images that several of them draw."""

from abc import ABC, abstractmethod

import numpy as np

from .._image_shape import resolve_image_shape
from .._validation import import_optional


def check_matplotlib_support(caller):
    """ImportError naming ``caller`` and the install command when matplotlib is absent."""
    import_optional("matplotlib", "plot", caller)


def import_umap(caller):
    """umap-learn's ``umap`` module, or an ImportError naming ``caller`` and the extra."""
    return import_optional("umap", "umap", caller, package="umap-learn")


def labelled(y):
    """The keyword arguments that give the labels y to a conditional
    estimator's ``transform``, ``inverse_transform``, ``sample`` and
    ``latent_traversal``: none without labels (an unconditional estimator)."""
    return {} if y is None else {"y": y}


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
