"""Which columns make a sample unusual: its reconstruction error per column."""

import numpy as np
from sklearn.utils.validation import check_is_fitted

from ._common import _axes, check_matplotlib_support


class FeatureErrorDisplay:
    """The columns with the largest reconstruction error of some samples.

    One sample: a bar per column, the ``n_top`` largest. Several samples
    (e.g. the rows a detector flags): a grid of samples by columns, the
    ``n_top`` columns with the largest error summed over them.

    Parameters
    ----------
    errors : ndarray of shape (n_samples, n_features)
        Reconstruction error per column, e.g. from
        :meth:`~skae.AutoencoderOutlierDetector.feature_errors`.
    feature_names : array-like of str of shape (n_features,), default=None
        Column names; ``x0``, ``x1``, ... when None.
    sample_names : array-like of str of shape (n_samples,), default=None
        Row names of the grid; the sample positions when None.

    Attributes
    ----------
    columns_ : ndarray of int
        The columns drawn, largest error first.
    artist_ : matplotlib BarContainer or AxesImage
    ax_ : matplotlib Axes
        The axes drawn on.
    figure_ : matplotlib Figure
        The figure of ``ax_``.

    See Also
    --------
    skae.AutoencoderOutlierDetector.feature_errors : The errors this display draws.

    Examples
    --------
    >>> import numpy as np
    >>> from skae.plotting import FeatureErrorDisplay
    >>> errors = np.array([[0.1, 0.5, 0.2], [0.0, 0.1, 0.9]])
    >>> FeatureErrorDisplay(errors, ["a", "b", "c"]).plot(n_top=2).columns_
    array([2, 1])
    """

    def __init__(self, errors, feature_names=None, sample_names=None):
        self.errors = errors
        self.feature_names = feature_names
        self.sample_names = sample_names

    def plot(self, ax=None, *, n_top=10, cmap="Reds"):
        """Draw the largest errors.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            Where to draw; a new figure when None.
        n_top : int, default=10
            Number of columns drawn.
        cmap : str, default="Reds"
            Colormap of the grid of several samples.

        Returns
        -------
        display : FeatureErrorDisplay
            The display, with ``columns_``, ``artist_``, ``ax_`` and ``figure_`` set.
        """
        check_matplotlib_support(f"{type(self).__name__}.plot")
        errors = np.atleast_2d(np.asarray(self.errors, dtype=float))
        n_samples, n_features = errors.shape
        names = (np.array([f"x{j}" for j in range(n_features)]) if self.feature_names is None
                 else np.asarray(self.feature_names, dtype=object).astype(str))
        if len(names) != n_features:
            raise ValueError(f"feature_names has {len(names)} names for {n_features} columns.")
        if not (isinstance(n_top, (int, np.integer)) and not isinstance(n_top, bool)
                and n_top >= 1):
            raise ValueError(f"n_top must be a positive int; got {n_top!r}.")
        self.columns_ = np.argsort(-errors.sum(axis=0), kind="stable")[:n_top]
        own_figure = ax is None
        ax = _axes(ax)
        if n_samples == 1:
            values = errors[0, self.columns_]
            self.artist_ = ax.barh(np.arange(len(values)), values, color="tab:red")
            ax.set_yticks(np.arange(len(values)), names[self.columns_])
            ax.invert_yaxis()  # the largest on top
            ax.set_xlabel("reconstruction error")
        else:
            self.artist_ = ax.imshow(errors[:, self.columns_], cmap=cmap, aspect="auto",
                                     interpolation="nearest")
            ax.set_xticks(np.arange(len(self.columns_)), names[self.columns_],
                          rotation=45, ha="right")
            rows = (np.arange(n_samples) if self.sample_names is None
                    else np.asarray(self.sample_names))
            ax.set_yticks(np.arange(n_samples), [str(r) for r in rows])
            ax.figure.colorbar(self.artist_, ax=ax, label="reconstruction error")
        if own_figure:  # room for the column names
            ax.figure.tight_layout()
        self.ax_, self.figure_ = ax, ax.figure
        return self

    @classmethod
    def from_estimator(cls, estimator, X, *, sample_names=None, n_top=10, ax=None,
                       cmap="Reds"):
        """Compute the errors of the rows of X per column and plot them.

        Parameters
        ----------
        estimator : fitted AutoencoderOutlierDetector
            Any fitted estimator with ``feature_errors``.
        X : array-like of shape (n_samples, n_features)
            The samples to explain, e.g. ``X[detector.predict(X) == -1]``.
        sample_names : array-like of str of shape (n_samples,), default=None
            Row names of the grid; the sample positions when None.
        n_top : int, default=10
            Number of columns drawn.
        ax : matplotlib Axes, default=None
            Where to draw; a new figure when None.
        cmap : str, default="Reds"
            Colormap of the grid of several samples.

        Returns
        -------
        display : FeatureErrorDisplay
            The display, with ``columns_``, ``artist_``, ``ax_`` and ``figure_`` set.
        """
        check_matplotlib_support(f"{cls.__name__}.from_estimator")
        check_is_fitted(estimator)
        if not hasattr(estimator, "feature_errors"):
            raise TypeError(f"{type(estimator).__name__} has no feature_errors; use an "
                            "AutoencoderOutlierDetector.")
        errors = estimator.feature_errors(X)
        names = getattr(estimator, "feature_names_in_", None)
        return cls(errors, names, sample_names).plot(ax=ax, n_top=n_top, cmap=cmap)
