"""Metrics for autoencoders and for what is done with their codes, and scorers
for ``GridSearchCV(scoring=...)``."""

from numbers import Integral, Real

import numpy as np
from scipy.optimize import linear_sum_assignment
from sklearn.manifold import trustworthiness
from sklearn.metrics import confusion_matrix
from sklearn.utils import check_array, check_consistent_length, column_or_1d
from sklearn.utils._param_validation import Interval, StrOptions, validate_params

from ._collapse import explained_share, total_sum_of_squares
from ._losses import RECONSTRUCTION_LOSSES

__all__ = [
    "TrustworthinessScorer",
    "cluster_accuracy",
    "cluster_accuracy_scorer",
    "explained_variance_scorer",
    "neg_reconstruction_error_scorer",
    "peak_signal_noise_ratio",
    "reconstruction_error",
    "trustworthiness_scorer",
]


@validate_params(
    {"y_true": ["array-like"], "y_pred": ["array-like"],
     "mapping": [StrOptions({"hungarian", "majority"})]},
    prefer_skip_nested_validation=True,
)
def cluster_accuracy(y_true, y_pred, *, mapping="hungarian"):
    """Accuracy of a clustering once its clusters are mapped to labels.

    With ``mapping="hungarian"`` (the default) clusters are matched to
    classes one to one by the Hungarian algorithm, so that the number of
    samples whose cluster maps to their class is largest; it is the usual
    score of unsupervised clustering on labelled data, and clusters left
    without a class (more clusters than classes) count as errors. With
    ``mapping="majority"`` each cluster maps to its most frequent class,
    several clusters possibly to the same class (the majority vote used by
    many studies); it is never lower, and rises with the number of clusters.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        Class labels.
    y_pred : array-like of shape (n_samples,)
        Cluster labels.
    mapping : {"hungarian", "majority"}, default="hungarian"
        How clusters are mapped to classes.

    Returns
    -------
    accuracy : float
        Fraction of samples in a cluster matched to their class, in [0, 1].

    See Also
    --------
    cluster_accuracy_scorer : This metric as a scorer for searches.
    sklearn.metrics.adjusted_rand_score : A score that needs no mapping of clusters.

    Examples
    --------
    >>> from skae.metrics import cluster_accuracy
    >>> cluster_accuracy([0, 0, 1, 1, 2], [1, 1, 0, 0, 0])
    0.8
    >>> cluster_accuracy([0, 0, 1, 1], [0, 1, 2, 2], mapping="majority")
    1.0
    """
    y_true = column_or_1d(y_true)
    y_pred = column_or_1d(y_pred)
    check_consistent_length(y_true, y_pred)
    if len(y_true) == 0:
        raise ValueError("cluster_accuracy needs at least one sample; got y_true of length 0.")
    _, true_codes = np.unique(y_true, return_inverse=True)
    _, pred_codes = np.unique(y_pred, return_inverse=True)
    counts = confusion_matrix(pred_codes, true_codes)
    if mapping == "majority":
        return float(counts.max(axis=1).sum() / len(y_true))
    rows, cols = linear_sum_assignment(counts, maximize=True)
    return float(counts[rows, cols].sum() / len(y_true))


def _check_pair(X_true, X_pred):
    # A missing entry of the data (NaN) is left out, as the autoencoders leave it.
    X_true = check_array(X_true, dtype=np.float64, input_name="X_true",
                         ensure_all_finite="allow-nan")
    X_pred = check_array(X_pred, dtype=np.float64, input_name="X_pred")
    if X_true.shape != X_pred.shape:
        raise ValueError(f"X_true and X_pred must have the same shape; got {X_true.shape} "
                         f"and {X_pred.shape}.")
    return X_true, X_pred


@validate_params(
    {"X_true": ["array-like"], "X_pred": ["array-like"],
     "loss": [StrOptions(set(RECONSTRUCTION_LOSSES))],
     "per_sample": ["boolean"]},
    prefer_skip_nested_validation=True,
)
def reconstruction_error(X_true, X_pred, *, loss="squared_error", per_sample=False):
    """Reconstruction error: a loss averaged over features (and samples).

    The same quantity as an autoencoder's ``-score_samples`` with that
    ``loss``, computed from arrays: for instance
    ``reconstruction_error(X, ae.inverse_transform(ae.transform(X)))``.

    Parameters
    ----------
    X_true : array-like of shape (n_samples, n_features)
        The original data.
    X_pred : array-like of shape (n_samples, n_features)
        The reconstructions.
    loss : {"squared_error", "binary_crossentropy"}, default="squared_error"
        Squared error, or binary cross-entropy of ``X_true`` in [0, 1]
        against probabilities ``X_pred`` (clipped to [1e-7, 1 - 1e-7]).
    per_sample : bool, default=False
        Return the error of each sample instead of the mean.

    Returns
    -------
    error : float or ndarray of shape (n_samples,)
        The mean error, or each sample's. Missing entries of ``X_true``
        (NaN) are left out, as an autoencoder's ``score_samples`` leaves
        them out: a sample's error is its mean over its observed features
        (NaN for a sample with none).

    See Also
    --------
    neg_reconstruction_error_scorer : Its negative as a scorer for searches.
    peak_signal_noise_ratio : The error of images in decibels.

    Examples
    --------
    >>> from skae.metrics import reconstruction_error
    >>> reconstruction_error([[0.0, 1.0], [1.0, 1.0]], [[0.0, 0.5], [1.0, 1.0]])
    0.0625
    """
    X_true, X_pred = _check_pair(X_true, X_pred)
    terms = RECONSTRUCTION_LOSSES[loss].of_reconstructions(X_true, X_pred)
    observed = ~np.isnan(X_true)
    if observed.all():
        errors = terms.mean(axis=1)
    else:  # each row's mean over its observed entries; NaN for a row with none
        errors = np.divide(np.where(observed, terms, 0.0).sum(axis=1), observed.sum(axis=1),
                           out=np.full(len(terms), np.nan), where=observed.any(axis=1))
    return errors if per_sample else float(errors.mean())


@validate_params(
    {"X_true": ["array-like"], "X_pred": ["array-like"],
     "data_range": [Interval(Real, 0, None, closed="neither"), None]},
    prefer_skip_nested_validation=True,
)
def peak_signal_noise_ratio(X_true, X_pred, *, data_range=None):
    """Peak signal-to-noise ratio (PSNR) of reconstructed or denoised images, in dB.

    ``10 * log10(data_range ** 2 / MSE)``, the mean squared error taken over
    every value of the arrays; higher is better, and identical arrays give
    ``inf``.

    Parameters
    ----------
    X_true : array-like of shape (n_samples, n_features)
        The clean images, one per row.
    X_pred : array-like of shape (n_samples, n_features)
        The reconstructed or denoised images.
    data_range : float or None, default=None
        The range of possible values (1 for images in [0, 1], 255 for
        uint8); None uses ``X_true.max() - X_true.min()``.

    Returns
    -------
    psnr : float
        The PSNR in decibels.

    See Also
    --------
    reconstruction_error : The mean error, in the data's units.

    Examples
    --------
    >>> from skae.metrics import peak_signal_noise_ratio
    >>> round(peak_signal_noise_ratio([[0.0, 1.0]], [[0.0, 0.9]], data_range=1.0), 2)
    23.01
    """
    X_true, X_pred = _check_pair(X_true, X_pred)
    if data_range is None:
        data_range = float(X_true.max() - X_true.min())
        if data_range == 0:
            raise ValueError("X_true is constant, so its range is 0; pass data_range.")
    mse = float(((X_true - X_pred) ** 2).mean())
    if mse == 0:
        return float("inf")
    return float(10 * np.log10(data_range**2 / mse))


# ---------------------------------------------------------------- scorers


def neg_reconstruction_error_scorer(estimator, X, y=None):
    """Scorer: minus the mean squared reconstruction error of a fitted estimator.

    Use as ``GridSearchCV(..., scoring=neg_reconstruction_error_scorer)``.
    The estimator must have ``transform`` and ``inverse_transform``: an
    autoencoder, or a Pipeline of transformers ending in one. Unlike an
    autoencoder's own ``score`` (which uses its training ``loss``), it is
    the squared error whatever the loss, so models trained with different
    losses compare.

    Parameters
    ----------
    estimator : object
        A fitted estimator with ``transform`` and ``inverse_transform``.
    X : array-like of shape (n_samples, n_features)
        Data to reconstruct.
    y : None
        Ignored.

    Returns
    -------
    score : float
        ``-reconstruction_error(X, estimator.inverse_transform(estimator.transform(X)))``.

    See Also
    --------
    reconstruction_error : The error this scorer negates.

    Examples
    --------
    >>> from sklearn.decomposition import PCA
    >>> from sklearn.datasets import load_digits
    >>> from skae.metrics import neg_reconstruction_error_scorer
    >>> X, _ = load_digits(return_X_y=True)
    >>> pca = PCA(n_components=8).fit(X / 16)
    >>> bool(neg_reconstruction_error_scorer(pca, X / 16) < 0)
    True
    """
    X_pred = estimator.inverse_transform(estimator.transform(X))
    return -reconstruction_error(X, X_pred)


def explained_variance_scorer(estimator, X, y=None):
    """Scorer: the share of X's variance that the reconstructions explain.

    One minus the summed squared error of
    ``estimator.inverse_transform(estimator.transform(X))`` over the summed
    squared deviations of X's columns from their means: 1 for exact
    reconstructions, 0 for the column means, below 0 for worse. For PCA on
    its training data it equals ``explained_variance_ratio_.sum()``, and for
    a skae autoencoder its ``explained_variance_ratio_``: use it to compare
    them on held-out data, e.g. ``GridSearchCV(...,
    scoring=explained_variance_scorer)``. Unlike ``r2_score`` it counts the
    errors in constant columns. Missing entries of X (NaN) are left out.

    Parameters
    ----------
    estimator : object
        A fitted estimator with ``transform`` and ``inverse_transform``.
    X : array-like of shape (n_samples, n_features)
        Data to reconstruct.
    y : None
        Ignored.

    Returns
    -------
    score : float
        The share of the variance explained (higher is better).

    See Also
    --------
    neg_reconstruction_error_scorer : Minus the mean squared error, in the data's units.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sklearn.decomposition import PCA
    >>> from skae.metrics import explained_variance_scorer
    >>> X, _ = load_digits(return_X_y=True)
    >>> pca = PCA(n_components=8).fit(X)
    >>> print(f"{explained_variance_scorer(pca, X):.4f}")
    0.6739
    >>> print(f"{pca.explained_variance_ratio_.sum():.4f}")
    0.6739
    """
    X = check_array(X, dtype=np.float64, ensure_all_finite="allow-nan")
    X_pred = np.asarray(estimator.inverse_transform(estimator.transform(X)), dtype=np.float64)
    if X_pred.shape != X.shape:
        raise ValueError(f"The reconstructions have shape {X_pred.shape}, but X has shape "
                         f"{X.shape}.")
    # Missing entries of X (NaN) are left out of both sums.
    return explained_share(float(np.nansum((X - X_pred) ** 2)), total_sum_of_squares(X))


def cluster_accuracy_scorer(estimator, X, y):
    """Scorer: :func:`cluster_accuracy` of ``estimator.predict(X)`` against y.

    Use as ``GridSearchCV(Pipeline([("ae", ...), ("km", KMeans(10))]),
    ..., scoring=cluster_accuracy_scorer).fit(X, y)``: the labels only
    score, the clustering never sees them.

    Parameters
    ----------
    estimator : object
        A fitted clusterer (or Pipeline ending in one) with ``predict``.
    X : array-like of shape (n_samples, n_features)
        Data to cluster.
    y : array-like of shape (n_samples,)
        The true classes.

    Returns
    -------
    score : float
        The cluster accuracy, Hungarian matching.

    See Also
    --------
    cluster_accuracy : The metric this scorer computes.

    Examples
    --------
    >>> from sklearn.cluster import KMeans
    >>> from sklearn.datasets import make_blobs
    >>> from skae.metrics import cluster_accuracy_scorer
    >>> X, y = make_blobs(n_samples=60, centers=3, random_state=0)
    >>> km = KMeans(3, n_init=10, random_state=0).fit(X)
    >>> 0 <= cluster_accuracy_scorer(km, X, y) <= 1
    True
    """
    return cluster_accuracy(y, estimator.predict(X))


class TrustworthinessScorer:
    """A scorer of the trustworthiness of the codes ``estimator.transform(X)``.

    Trustworthiness (:func:`sklearn.manifold.trustworthiness`) is 1 when the
    ``n_neighbors`` nearest neighbours of each sample among the codes are
    also near it in X, and falls as the codes bring together samples that
    are far apart. ``trustworthiness_scorer`` is this scorer with
    ``n_neighbors=5``. The estimator needs ``transform``.

    Parameters
    ----------
    n_neighbors : int, default=5
        Number of neighbours considered.

    See Also
    --------
    sklearn.manifold.trustworthiness : The measure this scorer computes.

    Examples
    --------
    >>> from skae.metrics import TrustworthinessScorer
    >>> scorer = TrustworthinessScorer(n_neighbors=10)  # scoring=scorer in a search
    """

    def __init__(self, n_neighbors=5):
        if not isinstance(n_neighbors, Integral) or n_neighbors < 1:
            raise ValueError(f"n_neighbors must be a positive int; got {n_neighbors!r}.")
        self.n_neighbors = n_neighbors

    def __call__(self, estimator, X, y=None):
        X = check_array(X, dtype=np.float64)
        return float(trustworthiness(X, estimator.transform(X), n_neighbors=self.n_neighbors))

    def __repr__(self):
        return f"TrustworthinessScorer(n_neighbors={self.n_neighbors})"


trustworthiness_scorer = TrustworthinessScorer(5)
