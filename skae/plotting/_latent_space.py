"""Codes as points in the plane."""

import numpy as np
from sklearn.utils.validation import check_is_fitted

from ._common import _axes, check_matplotlib_support, import_umap


class LatentSpaceDisplay:
    """Codes as points in the plane, coloured by label.

    Two-dimensional codes are drawn as they are; wider ones are projected
    (PCA, t-SNE or UMAP) by :meth:`from_estimator`, or by you before building
    the display.

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
        The axes drawn on.
    figure_ : matplotlib Figure
        The figure of ``ax_``.

    See Also
    --------
    skae.metrics.trustworthiness_scorer : How well a projection keeps neighbours.

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
            Where to draw; a new figure when None.
        s : float, default=8
            Marker size.
        alpha : float, default=0.8
            Marker opacity.

        Returns
        -------
        display : LatentSpaceDisplay
            The display, with ``scatter_``, ``ax_`` and ``figure_`` set.
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
            Inputs whose codes are drawn.
        y : array-like of shape (n_samples,), default=None
            Labels that colour the points.
        projection : {"auto", "pca", "tsne", "umap"}, default="auto"
            "auto" plots 2-D codes as they are and projects wider ones by PCA.
            "umap" needs umap-learn (``pip install "skae[umap]"``).
        random_state : int, RandomState instance or None, default=None
            Seed of t-SNE and UMAP.
        ax : matplotlib Axes, default=None
            Where to draw; a new figure when None.
        s : float, default=8
            Marker size.
        alpha : float, default=0.8
            Marker opacity.

        Returns
        -------
        display : LatentSpaceDisplay
            The display, with ``scatter_``, ``ax_`` and ``figure_`` set.
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
