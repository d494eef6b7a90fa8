"""Outlier detection by reconstruction, and a step that passes reconstructions on."""

from numbers import Real

import numpy as np
from sklearn.base import BaseEstimator, OutlierMixin, TransformerMixin
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.validation import (
    _check_feature_names_in,
    check_is_fitted,
)

from ._autoencoder import Autoencoder, DenoisingAutoencoder
from ._base import BaseAutoencoder
from ._streaming import RowSubset
from ._training import fit_context
from ._validation import validate_rows
from ._wrappers import (
    MissingValuesFromAutoencoderMixin,
    TablesFromAutoencoderMixin,
    given_autoencoder,
    pretrain,
    reconstructions_of,
    unfrozen,
)

# Robust z-score beyond which contamination="auto" calls a sample an outlier.
_AUTO_Z = 3.0
# MAD of a normal distribution times this is its standard deviation.
_MAD_TO_STD = 1.4826
# contamination="auto" sets the threshold on this fraction of X, held out of
# the autoencoder's training, when X has at least _AUTO_MIN_SAMPLES rows.
_AUTO_HELD_OUT = 0.2
_AUTO_MIN_SAMPLES = 5


def check_unconditional(autoencoder, owner):
    """``autoencoder``, or a TypeError when it needs labels to fit (``owner``
    fits it on X alone)."""
    inner = unfrozen(autoencoder)
    if inner.__sklearn_tags__().target_tags.required:
        raise TypeError(
            f"autoencoder must be unconditional: {owner.__name__} fits it on X alone; "
            f"got {type(inner).__name__}, which needs y.")
    return autoencoder


class AutoencoderOutlierDetector(TablesFromAutoencoderMixin, MissingValuesFromAutoencoderMixin,
                                 OutlierMixin, BaseEstimator):
    """Outlier detection by how badly an autoencoder reconstructs a sample.

    Fits an autoencoder on (mostly) normal data; samples it reconstructs
    badly are outliers. :meth:`score_samples` is the autoencoder's own
    score (minus the reconstruction error, or the ELBO of a variational
    autoencoder): higher is more normal. As in
    :class:`~sklearn.ensemble.IsolationForest`,
    ``decision_function = score_samples - offset_`` and :meth:`predict`
    returns 1 for inliers and -1 for outliers.

    Parameters
    ----------
    autoencoder : estimator or None, default=None
        An unconditional skae autoencoder (any estimator with ``fit`` and
        ``score_samples``), cloned before fitting. None uses
        ``Autoencoder()``. An autoencoder already fitted, wrapped in
        ``sklearn.frozen.FrozenEstimator``, is used as it is: neither cloned
        nor refitted.
    contamination : "auto" or float in (0, 0.5], default="auto"
        Expected fraction of outliers in the training data: the offset is
        that quantile of the training scores. ``"auto"`` needs no guess of
        the fraction: the autoencoder is fitted on 80% of X, and the offset
        is three robust standard deviations below the median score of the
        other 20% (``median - 3 * 1.4826 * MAD``), rows it has not seen, so
        that new normal samples score like them rather than like the rows it
        was trained on (which it reconstructs better). A skae autoencoder
        reads its 80% a block of rows at a time, so neither part is copied
        whole. With fewer than ``5`` samples, the training scores are used.
    random_state : int, RandomState instance or None, default=None
        Seeds the autoencoder's training when the autoencoder's own
        ``random_state`` is None, and the held-out split of
        ``contamination="auto"`` (which follows the autoencoder's
        ``random_state`` when this one is None); pass an int for
        reproducible fits.

    Attributes
    ----------
    autoencoder_ : estimator
        The fitted autoencoder.
    offset_ : float
        Threshold on :meth:`score_samples`: samples scoring below it are
        outliers.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during fit, when X has string column names.

    See Also
    --------
    sklearn.ensemble.IsolationForest : Outlier detection by random partitions.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from skae import Autoencoder, AutoencoderOutlierDetector
    >>> X, _ = load_digits(return_X_y=True)
    >>> detector = AutoencoderOutlierDetector(Autoencoder(max_iter=2, random_state=0),
    ...                                       contamination=0.05).fit(X / 16)
    >>> detector.predict(X[:4] / 16).shape
    (4,)
    """

    _parameter_constraints: dict = {
        "autoencoder": [HasMethods(["fit", "score_samples"]), None],
        "contamination": [StrOptions({"auto"}), Interval(Real, 0, 0.5, closed="right")],
        "random_state": ["random_state"],
    }

    def __init__(self, autoencoder=None, *, contamination="auto", random_state=None):
        self.autoencoder = autoencoder
        self.contamination = contamination
        self.random_state = random_state

    @staticmethod
    def _default_autoencoder():
        """The autoencoder of ``autoencoder=None``."""
        return Autoencoder()

    @fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y=None):
        """Fit the autoencoder on X and set the threshold from its scores.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data, mostly normal.
        y : None
            Ignored; present for API consistency.

        Returns
        -------
        self : object
            The fitted detector.
        """
        X = validate_rows(self, X, dtype=np.float32)
        autoencoder = check_unconditional(
            given_autoencoder(self), type(self))
        # Without a seed of its own, the detector's split follows the autoencoder's
        # seed, so that a seeded autoencoder gives a reproducible detector.
        rng = check_random_state(autoencoder.get_params().get("random_state")
                                 if self.random_state is None else self.random_state)
        seed = int(rng.randint(np.iinfo(np.int32).max))
        if self.contamination == "auto" and len(X) >= _AUTO_MIN_SAMPLES:
            order = rng.permutation(len(X))
            n_held_out = int(round(_AUTO_HELD_OUT * len(X)))
            fit_rows, score_rows = np.sort(order[n_held_out:]), np.sort(order[:n_held_out])
        else:
            fit_rows = score_rows = slice(None)
        if isinstance(fit_rows, slice):
            fit_X = X
        elif isinstance(unfrozen(autoencoder), BaseAutoencoder):
            # Read a block of the training rows at a time: no copy of 80% of X
            # (a frozen autoencoder only has its width checked).
            fit_X = RowSubset(X, fit_rows)
        else:  # another library's estimator takes arrays
            fit_X = X[fit_rows]
        self.autoencoder_ = pretrain(autoencoder, fit_X, seed, self.column_layout_)
        if isinstance(score_rows, slice):
            scores = self._scores(X)
        else:  # a block of the held-out rows at a time
            scores = np.concatenate([self._scores(X[score_rows[start:start + 4096]])
                                     for start in range(0, len(score_rows), 4096)])
        if self.contamination == "auto":
            median = np.median(scores)
            mad = np.median(np.abs(scores - median))
            self.offset_ = float(median - _AUTO_Z * _MAD_TO_STD * mad)
        else:
            self.offset_ = float(np.percentile(scores, 100.0 * self.contamination))
        return self

    def score_samples(self, X):
        """The autoencoder's score of each sample: higher is more normal.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Input data.

        Returns
        -------
        scores : ndarray of shape (n_samples,)
            Minus the reconstruction error (the ELBO for a variational
            autoencoder), float64.
        """
        check_is_fitted(self)
        return self._scores(validate_rows(self, X, dtype=np.float32, reset=False))

    def feature_errors(self, X):
        """Each sample's reconstruction error, column by column.

        Says which columns make a sample an outlier: entry ``(i, j)`` is the
        autoencoder's loss on column ``j`` of sample ``i`` divided by the
        number of columns, so that a row sums to minus its
        :meth:`score_samples`. Columns are in the order of the input
        (``feature_names_in_`` when X had column names). Needs a
        deterministic skae autoencoder: a variational one's score (the ELBO)
        holds a KL term of the codes, which belongs to no column.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Input data.

        Returns
        -------
        errors : ndarray of shape (n_samples, n_features)
            Per-column reconstruction error, float64.
        """
        check_is_fitted(self)
        X = validate_rows(self, X, dtype=np.float32, reset=False)
        inner = unfrozen(self.autoencoder_)
        if not hasattr(inner, "_feature_error_rows"):
            raise TypeError(
                f"feature_errors needs a deterministic skae autoencoder, whose score is a "
                f"sum over columns; {type(inner).__name__}'s score is not (a variational "
                "autoencoder's ELBO has a KL term of the codes, which belongs to no column).")
        return inner._feature_error_rows(X)

    def _scores(self, X):
        # A skae autoencoder scores the rows validated here without validating
        # them again; any other estimator through its score_samples.
        inner = unfrozen(self.autoencoder_)
        return getattr(inner, "_score_rows", inner.score_samples)(X).astype(np.float64,
                                                                           copy=False)

    def decision_function(self, X):
        """``score_samples(X) - offset_``: negative for outliers.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Input data.

        Returns
        -------
        scores : ndarray of shape (n_samples,)
            The shifted scores.
        """
        return self.score_samples(X) - self.offset_

    def predict(self, X):
        """1 for inliers, -1 for outliers.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Input data.

        Returns
        -------
        labels : ndarray of shape (n_samples,)
            1 or -1.
        """
        return np.where(self.decision_function(X) >= 0, 1, -1)


class Reconstructor(TablesFromAutoencoderMixin, MissingValuesFromAutoencoderMixin, TransformerMixin,
                    BaseEstimator):
    """Pipeline step that passes an autoencoder's reconstructions on.

    ``transform(X)`` is ``autoencoder_.inverse_transform(autoencoder_.transform(X))``:
    with a :class:`DenoisingAutoencoder`, the step denoises its input before
    the next step, e.g.
    ``Pipeline([("denoise", Reconstructor(DenoisingAutoencoder())),
    ("clf", LogisticRegression())])``. The output has the input's features
    (and feature names).

    Parameters
    ----------
    autoencoder : estimator or None, default=None
        An unconditional skae autoencoder (any estimator with ``fit``,
        ``transform`` and ``inverse_transform``), cloned before fitting.
        None uses ``DenoisingAutoencoder()``. An autoencoder already fitted, wrapped in
        ``sklearn.frozen.FrozenEstimator``, is used as it is: neither cloned
        nor refitted.
    random_state : int, RandomState instance or None, default=None
        Seeds the autoencoder's training when the autoencoder's own
        ``random_state`` is None; pass an int for reproducible fits.

    Attributes
    ----------
    autoencoder_ : estimator
        The fitted autoencoder.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during fit, when X has string column names.

    See Also
    --------
    DenoisingAutoencoder : The autoencoder it uses by default.
    AutoencoderOutlierDetector : Scores rows by how badly they are reconstructed.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from skae import Autoencoder, Reconstructor
    >>> X, _ = load_digits(return_X_y=True)
    >>> step = Reconstructor(Autoencoder(max_iter=2, random_state=0)).fit(X / 16)
    >>> step.transform(X[:3] / 16).shape
    (3, 64)
    """

    _parameter_constraints: dict = {
        "autoencoder": [HasMethods(["fit", "transform", "inverse_transform"]), None],
        "random_state": ["random_state"],
    }

    def __init__(self, autoencoder=None, *, random_state=None):
        self.autoencoder = autoencoder
        self.random_state = random_state

    @staticmethod
    def _default_autoencoder():
        """The autoencoder of ``autoencoder=None``."""
        return DenoisingAutoencoder()

    @fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y=None):
        """Fit the autoencoder on X.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data.
        y : None
            Ignored; present for API consistency.

        Returns
        -------
        self : object
            The fitted step.
        """
        X = validate_rows(self, X, dtype=np.float32)
        autoencoder = given_autoencoder(self)
        self.autoencoder_ = pretrain(check_unconditional(autoencoder, type(self)), X,
                                     self.random_state, self.column_layout_)
        return self

    def transform(self, X):
        """Reconstruct X through the autoencoder.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Input data.

        Returns
        -------
        X_reconstructed : ndarray of shape (n_samples, n_features)
            The reconstructions, float32.
        """
        check_is_fitted(self)
        X = validate_rows(self, X, dtype=np.float32, reset=False)
        return reconstructions_of(self.autoencoder_, X)

    def get_feature_names_out(self, input_features=None):
        """The input's feature names: reconstructions keep the features.

        Parameters
        ----------
        input_features : array-like of str or None, default=None
            Input feature names.

        Returns
        -------
        feature_names_out : ndarray of str
            The feature names.
        """
        check_is_fitted(self)
        return _check_feature_names_in(self, input_features)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float32"]
        return tags
