"""Helpers of the estimators that wrap an autoencoder (the classifier, deep
clustering, the outlier detector)."""

from numbers import Integral

import numpy as np
from sklearn.base import clone
from sklearn.frozen import FrozenEstimator
from sklearn.utils import check_random_state, get_tags
from sklearn.utils.validation import check_is_fitted

from ._tables import encoded_table


def unfrozen(autoencoder):
    """The estimator inside a :class:`~sklearn.frozen.FrozenEstimator`, else
    ``autoencoder`` itself: what a wrapper checks the type of."""
    return autoencoder.estimator if isinstance(autoencoder, FrozenEstimator) else autoencoder


def pretrain(autoencoder, X, seed, layout=None):
    """A clone of ``autoencoder`` fitted on X; seeded with ``seed`` (an int or
    a ``random_state``) when its ``random_state`` is None, so the caller's
    seed reproduces it.

    An autoencoder wrapped in :class:`~sklearn.frozen.FrozenEstimator` is
    already trained: it is returned as it is, neither cloned nor refitted,
    once it is known to be fitted on X's number of features. With a column
    ``layout``, X holds a table's rows encoded by it, and the clone adopts
    it (:func:`adopting`)."""
    if isinstance(autoencoder, FrozenEstimator):
        fitted = autoencoder.estimator
        check_is_fitted(fitted, msg=(
            f"The FrozenEstimator autoencoder wraps an unfitted {type(fitted).__name__}; "
            "fit it before freezing it, or pass it unfrozen to have it fitted here."))
        if layout is None and fitted.n_features_in_ != X.shape[1]:
            raise ValueError(
                f"X has {X.shape[1]} features, but the FrozenEstimator autoencoder was "
                f"fitted on {fitted.n_features_in_} features.")
        return fitted
    autoencoder = adopting(clone(autoencoder), layout)
    if "random_state" in autoencoder.get_params() and autoencoder.random_state is None:
        if not isinstance(seed, Integral):
            seed = int(check_random_state(seed).randint(np.iinfo(np.int32).max))
        autoencoder.set_params(random_state=seed)
    return autoencoder.fit(X)


def given_autoencoder(wrapper):
    """The ``autoencoder`` parameter of ``wrapper``, or the one its None stands
    for (the wrapper's ``_default_autoencoder()``)."""
    return wrapper._default_autoencoder() if wrapper.autoencoder is None else wrapper.autoencoder


class MissingValuesFromAutoencoderMixin:
    """A wrapper takes missing values (NaN) in X where its autoencoder does:
    ``_allow_nan``, read by ``validate_rows``, and the ``allow_nan`` tag."""

    @property
    def _allow_nan(self):
        return get_tags(unfrozen(given_autoencoder(self))).input_tags.allow_nan

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = self._allow_nan
        return tags


class TablesFromAutoencoderMixin:
    """A wrapper takes tables with categorical columns where its autoencoder
    does (a dense skae autoencoder's ``categorical_features``).

    ``fit`` fits the autoencoder's column layout on all of X
    (``column_layout_``, None when X has no categorical column), trains on
    the encoded rows (the autoencoder adopts the same layout, see
    :func:`pretrain`), and every later call encodes X with it. Read by
    ``validate_rows`` through ``_encode_table``."""

    def _encode_table(self, X, reset):
        if not reset:
            layout = getattr(self, "column_layout_", None)
        else:
            autoencoder = given_autoencoder(self)
            if isinstance(autoencoder, FrozenEstimator):
                layout = getattr(autoencoder.estimator, "column_layout_", None)
            elif hasattr(autoencoder, "_fitted_layout"):
                layout = autoencoder._fitted_layout(X)
            else:
                layout = None
            self.column_layout_ = layout
        return None if layout is None else encoded_table(self, X, layout, reset)


def adopting(autoencoder, layout):
    """``autoencoder`` (unfitted), told that the X of its next ``fit`` holds
    rows already encoded by the column layout ``layout`` (None: plain X)."""
    if layout is not None:
        autoencoder._encoded_with = layout
    return autoencoder


def codes_of(autoencoder, X):
    """``autoencoder.transform`` of rows X as a wrapper validated them (a
    table's already encoded by the autoencoder's layout)."""
    inner = unfrozen(autoencoder)
    if getattr(inner, "column_layout_", None) is None:
        return autoencoder.transform(X)
    return inner._forward_batches(lambda m, x: m.encode(x), X)


def reconstructions_of(autoencoder, X):
    """``inverse_transform(transform(X))`` of rows X as a wrapper validated
    them: a table's come back as a table. A skae autoencoder computes them in
    one pass; any other estimator, by its two calls."""
    inner = unfrozen(autoencoder)
    if hasattr(inner, "_reconstructions"):
        return inner._reconstructions(X)
    return autoencoder.inverse_transform(autoencoder.transform(X))
