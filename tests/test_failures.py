"""Fault injection: what skae does when data, training or the caller misbehave."""

import numpy as np
import pytest

from test_common import ESTIMATORS, WRAPPERS, fit, ids, wrapper_ids


@pytest.mark.parametrize("estimator", ESTIMATORS, ids=ids)
def test_row_results_do_not_depend_on_the_other_rows(estimator):
    # Five features: float32 rows of 20 bytes sit at different alignments, and
    # CPU float32 matrix products round them differently by position.
    X = np.random.default_rng(0).random((30, 5)).astype(np.float32)
    est = fit(estimator, X)
    order = np.random.default_rng(1).permutation(len(X))
    codes = est.transform(X)
    np.testing.assert_array_equal(est.transform(X[order]), codes[order])
    np.testing.assert_array_equal(est.transform(X[3:10]), codes[3:10])
    # Scores are float64: equal to float64 rounding, far inside scikit-learn's rtol=1e-7.
    np.testing.assert_allclose(est.score_samples(X[order]), est.score_samples(X)[order],
                               rtol=1e-13)


@pytest.mark.parametrize("wrapper", [w for w in WRAPPERS if hasattr(w, "predict_proba")],
                         ids=[i for i, w in zip(wrapper_ids, WRAPPERS)
                              if hasattr(w, "predict_proba")])
def test_probabilities_do_not_depend_on_the_other_rows(wrapper):
    X = np.random.default_rng(0).random((30, 5)).astype(np.float32)
    est = wrapper.fit(X, np.arange(30) % 3)
    order = np.random.default_rng(1).permutation(len(X))
    np.testing.assert_allclose(est.predict_proba(X[order]), est.predict_proba(X)[order],
                               rtol=1e-13, atol=1e-15)
