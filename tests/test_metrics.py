import numpy as np
import pytest

from skae.metrics import cluster_accuracy


def test_cluster_accuracy_matches_clusters_to_labels():
    y = np.array([0, 0, 1, 1, 2, 2])
    assert cluster_accuracy(y, [5, 5, 3, 3, 4, 4]) == 1.0
    assert cluster_accuracy(y, [1, 1, 1, 1, 2, 2]) == pytest.approx(4 / 6)
    assert cluster_accuracy(["a", "a", "b"], [0, 1, 1]) == pytest.approx(2 / 3)


def test_cluster_accuracy_with_more_clusters_than_labels():
    assert cluster_accuracy([0, 0, 0, 1], [0, 1, 2, 3]) == pytest.approx(2 / 4)


def test_cluster_accuracy_bad_input():
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        cluster_accuracy([0, 1], [0])
    with pytest.raises(ValueError, match="at least one sample"):
        cluster_accuracy([], [])
