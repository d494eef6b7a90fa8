"""Metrics for autoencoders and for what is done with their codes."""

import numpy as np
from scipy.optimize import linear_sum_assignment
from sklearn.metrics import confusion_matrix
from sklearn.utils import check_consistent_length, column_or_1d


def cluster_accuracy(y_true, y_pred):
    """Accuracy of a clustering under the best one-to-one matching of clusters to labels.

    Clusters are matched to classes by the Hungarian algorithm so that the
    number of samples whose cluster maps to their class is largest; it is
    the usual score of unsupervised clustering on labelled data. Clusters
    left without a class (more clusters than classes) count as errors.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        Class labels.
    y_pred : array-like of shape (n_samples,)
        Cluster labels.

    Returns
    -------
    accuracy : float
        Fraction of samples in a cluster matched to their class, in [0, 1].

    Examples
    --------
    >>> from skae.metrics import cluster_accuracy
    >>> cluster_accuracy([0, 0, 1, 1, 2], [1, 1, 0, 0, 0])
    0.8
    """
    y_true = column_or_1d(y_true)
    y_pred = column_or_1d(y_pred)
    check_consistent_length(y_true, y_pred)
    if len(y_true) == 0:
        raise ValueError("cluster_accuracy needs at least one sample; got y_true of length 0.")
    _, true_codes = np.unique(y_true, return_inverse=True)
    _, pred_codes = np.unique(y_pred, return_inverse=True)
    counts = confusion_matrix(pred_codes, true_codes)
    rows, cols = linear_sum_assignment(counts, maximize=True)
    return float(counts[rows, cols].sum() / len(y_true))
