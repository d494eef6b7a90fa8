"""The class-conditional variational autoencoder."""

from numbers import Integral

import numpy as np
import torch
from sklearn.utils import check_random_state, column_or_1d
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_consistent_length, check_is_fitted

from ._docstrings import VAE_TRAINING, fill_doc
from ._training import fit_context
from ._vae import VariationalAutoencoder
from ._validation import check_argument, class_indices, validate_rows


@fill_doc(**VAE_TRAINING)
class ConditionalVariationalAutoencoder(VariationalAutoencoder):
    """Conditional VAE: generates samples of a requested class.

    ``fit(X, y)`` learns an encoder q(z | x, y) and a decoder p(x | z, y), both
    receiving the class (one hot) next to their input, so that the codes keep
    what the class does not say (the style) and :meth:`sample` draws inputs of
    the classes it is given. Every method takes the classes ``y``: required
    to decode (:meth:`inverse_transform`, :meth:`sample` draws them from the
    training frequencies when None), optional elsewhere. Without y,
    :meth:`transform` encodes each sample under its most probable class,
    argmax_c p(c) exp(ELBO(x, c)), so the estimator works as a transformer
    in a Pipeline (``Pipeline.fit(X, y)`` passes y to ``fit``; ``transform``
    then needs no labels, and ``fit_transform(X, y)`` equals
    ``fit(X, y).transform(X)``, so training and new data are encoded alike).
    :meth:`score_samples`, :meth:`score` and :meth:`log_likelihood` without y
    score the marginal
    log sum_c p(c) exp(score(x, c)), p(c) being the training class
    frequencies (``class_prior_``).

    Parameters
    ----------
    n_components : int, default=16
        Dimension of the latent space.
    hidden_layer_sizes : tuple of int, default=(128, 64)
        Widths of the encoder's hidden layers; the decoder uses them in
        reverse.
    decoder_layer_sizes : tuple of int or None, default=None
        Widths of the decoder's hidden layers, from the code to the output,
        when it should not mirror the encoder; None mirrors
        ``hidden_layer_sizes``.
    %(layers_params)s
    %(vae_objective_params)s
    %(training_params)s
    %(table_params)s

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        The class labels seen in ``fit``.
    class_count_ : ndarray of shape (n_classes,)
        Number of training samples of each class (over all the blocks
        given to :meth:`partial_fit`).
    class_prior_ : ndarray of shape (n_classes,)
        Frequency of each class in the training data.
    %(fitted_attributes)s
    %(table_attributes)s

    See Also
    --------
    VariationalAutoencoder : The unconditional VAE.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from skae import ConditionalVariationalAutoencoder
    >>> X, y = load_digits(return_X_y=True)
    >>> cvae = ConditionalVariationalAutoencoder(
    ...     n_components=4, loss="binary_crossentropy", max_iter=2,
    ...     random_state=0).fit(X / 16, y)
    >>> cvae.sample(3, y=7, random_state=0).shape
    (3, 64)
    >>> cvae.transform(X[:5] / 16).shape
    (5, 4)
    """

    def __init__(
        self,
        n_components=16,
        *,
        hidden_layer_sizes=(128, 64),
        decoder_layer_sizes=None,
        encoder=None,
        decoder=None,
        activation="relu",
        dropout=0.0,
        batch_norm=False,
        weight_init=None,
        loss="squared_error",
        output_activation=None,
        likelihood_scale="learned",
        beta=1.0,
        kl_warmup=0,
        optimizer="adam",
        learning_rate_init=1e-3,
        learning_rate="constant",
        momentum=0.9,
        nesterovs_momentum=True,
        weight_decay=0.0,
        weight_l1=0.0,
        optimizer_params=None,
        batch_size=64,
        max_iter=500,
        shuffle=True,
        early_stopping=True,
        validation_fraction=0.1,
        n_iter_no_change=20,
        tol=1e-4,
        warm_start=False,
        callbacks=None,
        random_state=None,
        verbose=0,
        device="cpu",
        categorical_features="from_dtype",
        handle_unknown="error",
        scale="auto",
    ):
        super().__init__(
            n_components=n_components,
            hidden_layer_sizes=hidden_layer_sizes,
            decoder_layer_sizes=decoder_layer_sizes,
            encoder=encoder,
            decoder=decoder,
            activation=activation,
            dropout=dropout,
            batch_norm=batch_norm,
            weight_init=weight_init,
            loss=loss,
            output_activation=output_activation,
            likelihood_scale=likelihood_scale,
            beta=beta,
            kl_warmup=kl_warmup,
            optimizer=optimizer,
            learning_rate_init=learning_rate_init,
            learning_rate=learning_rate,
            momentum=momentum,
            nesterovs_momentum=nesterovs_momentum,
            weight_decay=weight_decay,
            weight_l1=weight_l1,
            optimizer_params=optimizer_params,
            batch_size=batch_size,
            max_iter=max_iter,
            shuffle=shuffle,
            early_stopping=early_stopping,
            validation_fraction=validation_fraction,
            n_iter_no_change=n_iter_no_change,
            tol=tol,
            warm_start=warm_start,
            callbacks=callbacks,
            random_state=random_state,
            verbose=verbose,
            device=device,
            categorical_features=categorical_features,
            handle_unknown=handle_unknown,
            scale=scale,
        )

    def fit(self, X, y, *, X_val=None, y_val=None):
        """Train the conditional VAE on X and its classes y.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data; converted to float32.
        y : array-like of shape (n_samples,)
            Class of each sample (any label type scikit-learn classifiers
            accept).
        X_val : array-like of shape (n_val_samples, n_features), default=None
            Validation data, scored after every epoch into
            ``validation_loss_curve_`` and never trained on; with
            ``early_stopping=True`` it replaces the ``validation_fraction``
            held out of X.
        y_val : array-like of shape (n_val_samples,), default=None
            The class of each validation sample, among those of y; required
            with ``X_val``.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        return super().fit(X, y, X_val=X_val, y_val=y_val)

    @fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y=None, classes=None):
        """Train for one pass over a block of X and its classes.

        Each call continues the network of earlier calls.

        The first call builds the network for ``classes``, every class that
        any block may hold (by default the classes of its ``y``: pass
        ``classes`` when the first block may miss some); each call then trains
        it for one epoch on the block, keeping the optimizer's state. Nothing
        is held out and no stopping rule applies. ``class_prior_`` is the
        frequency of each class over all the blocks so far; ``n_iter_`` and the
        curves grow by one per call.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            One block of training data; converted to float32.
        y : array-like of shape (n_samples,)
            The class of each sample of the block, among ``classes``.
        classes : array-like of shape (n_classes,), default=None
            Every class; on later calls the same or None.

        Returns
        -------
        self : object
            The estimator, trained one more epoch.
        """
        return self._partial_fit(X, y, classes=classes)

    def _validation_condition(self, X_val, y_val):
        if y_val is None:
            raise ValueError(
                "X_val needs y_val: the class of each validation sample conditions the "
                "model as y does in training.")
        y_val = column_or_1d(y_val, warn=True)
        check_consistent_length(X_val, y_val)
        return self._one_hot(y_val)

    def _labels(self, X, y, call="fit(X, y)"):
        """y checked as the classes of the rows of X."""
        if y is None:
            raise ValueError(
                f"{type(self).__name__} requires y to be passed, but the target y is "
                f"None; {call} takes the class of each sample."
            )
        y = column_or_1d(y, warn=True)
        check_consistent_length(X, y)
        check_classification_targets(y)
        return y

    def _condition(self, X, y, reset, classes=None, incremental=False):
        # The classes are set on a first fit, from y or from partial_fit's
        # classes; the class counts start there and grow with partial_fit.
        y = self._labels(X, y, "partial_fit(X, y)" if incremental else "fit(X, y)")
        if classes is not None:
            classes = np.unique(classes)
            if not reset and not np.array_equal(classes, self.classes_):
                raise ValueError(f"classes={classes.tolist()} is not the classes "
                                 f"{self.classes_.tolist()} of the first call.")
        if reset:
            self.classes_ = np.unique(y) if classes is None else classes
            self.class_count_ = np.zeros(len(self.classes_))
        condition = self._one_hot(y)
        if reset or incremental:
            self.class_count_ = self.class_count_ + condition.sum(axis=0)
            self.class_prior_ = self.class_count_ / self.class_count_.sum()
        return condition

    def _conditions(self, y, n_rows, call, X=None, rng=None):
        # Without y: each row's most probable class (transform), classes drawn
        # with the training frequencies (sample); decoding needs y.
        if y is not None:
            return self._one_hot(y, n_rows)
        if call == "transform":
            return self._most_probable(X)
        if call == "sample":
            return self._one_hot(self.classes_[rng.choice(len(self.classes_), n_rows,
                                                          p=self.class_prior_)])
        what = ("decode each code as" if call == "inverse_transform"
                else "decode the codes as")
        raise ValueError(f"{type(self).__name__}.{call} requires y, the class to {what}.")

    def _encode_labelled(self, X, y):
        return self.transform(X, y)

    def _one_hot(self, y, n_samples=None):
        """One-hot rows of the labels ``y`` (a label or an array of labels)."""
        y = np.asarray(y)
        if y.ndim == 0 and n_samples is not None:
            y = np.full(n_samples, y)
        y = column_or_1d(y)
        if n_samples is not None and len(y) != n_samples:
            raise ValueError(f"y must hold one label per sample ({n_samples}); got "
                             f"{len(y)} labels.")
        index = class_indices(self.classes_, y, f"the classes are {self.classes_.tolist()}.")
        return np.eye(len(self.classes_), dtype=np.float32)[index]

    def _n_conditions(self):
        return len(self.classes_)

    def _encoder_decoder(self, n_features):
        return super()._encoder_decoder(n_features, n_conditions=len(self.classes_))

    def transform(self, X, y=None, *, sample_posterior=False, random_state=None):
        """Encode X into codes under the classes y (or the most probable ones).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Input data.
        y : label, array-like of shape (n_samples,) or None, default=None
            Classes to encode the samples under; None uses each sample's most
            probable class, argmax_c p(c) exp(ELBO(x, c)).
        sample_posterior : bool, default=False
            Draw each code from q(z | x, y) instead of returning its mean.
        random_state : int, RandomState instance or None, default=None
            Seed of the draws when ``sample_posterior=True``.

        Returns
        -------
        codes : ndarray of shape (n_samples, n_components)
            The codes, float32.
        """
        check_is_fitted(self)
        X = validate_rows(self, X, dtype=np.float32, reset=False)
        condition = self._conditions(y, len(X), "transform", X=X)
        return self._transform(X, condition, sample_posterior, random_state)

    def _class_scores(self, score, X):
        """``log p(c) + score(X, c)`` of every class c, shape (n_classes, n_samples)."""
        eye = np.eye(len(self.classes_), dtype=np.float32)
        per_class = np.stack([score(X, np.repeat(eye[[c]], len(X), axis=0))
                              for c in range(len(self.classes_))])
        return per_class + np.log(self.class_prior_)[:, None]

    def _most_probable(self, X):
        """One-hot rows of each sample's most probable class under the ELBO."""
        best = self._class_scores(self._elbo, X).argmax(axis=0)
        return np.eye(len(self.classes_), dtype=np.float32)[best]

    def _per_class(self, score, X, y):
        """``score(X, condition)`` for the classes y, or marginalised over classes."""
        if y is not None:
            return score(X, self._one_hot(y, len(X)))
        return torch.logsumexp(torch.from_numpy(self._class_scores(score, X)),
                               dim=0).numpy()

    def inverse_transform(self, X, y=None):
        """Decode codes of the classes y back to input space.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_components)
            Codes, as returned by :meth:`transform`.
        y : label or array-like of shape (n_samples,)
            The class to decode each code as; required.

        Returns
        -------
        X_reconstructed : ndarray of shape (n_samples, `n_features_in_`)
            The likelihood's mean, float32.
        """
        return self._inverse_transform(X, y)

    def _score_rows(self, X):
        # The rows' scores depend on their labels: score_samples(X, y) takes them.
        raise TypeError("ConditionalVariationalAutoencoder scores rows with their labels: "
                        "call score_samples(X, y).")

    def score_samples(self, X, y=None):
        """ELBO of each sample in nats, given its class or marginalised over classes.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Input data.
        y : array-like of shape (n_samples,) or None, default=None
            Classes of the samples; None scores
            log sum_c p(c) exp(ELBO(x, c)), a lower bound of log p(x).

        Returns
        -------
        elbo : ndarray of shape (n_samples,)
            The score of each sample, in nats.
        """
        return self._per_class(self._elbo, self._validated_X(X), y)

    def score(self, X, y=None):
        """Mean of :meth:`score_samples` (with y when given), in nats.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Input data.
        y : array-like of shape (n_samples,) or None, default=None
            Classes of the samples.

        Returns
        -------
        score : float
            The mean score.
        """
        return float(np.mean(self.score_samples(X, y)))

    def log_likelihood(self, X, y=None, n_importance_samples=1000, random_state=None):
        """Importance-sampled estimate of log p(x | y), or of log p(x) without y.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Input data.
        y : array-like of shape (n_samples,) or None, default=None
            Classes of the samples; None marginalises over the classes.
        n_importance_samples : int, default=1000
            Number of posterior draws per sample (and class).
        random_state : int, RandomState instance or None, default=None
            Seed of the draws.

        Returns
        -------
        log_likelihood : ndarray of shape (n_samples,)
            The estimate of each sample, in nats.
        """
        X = self._validated_X(X)
        check_argument(n_importance_samples, "n_importance_samples", Integral, min_val=1)
        rng = check_random_state(random_state)
        return self._per_class(
            lambda X, c: self._importance_log_likelihood(X, c, n_importance_samples, rng),
            X, y)

    def sample(self, n_samples=1, y=None, random_state=None):
        """Generate inputs of the classes y from codes drawn from the prior.

        Parameters
        ----------
        n_samples : int, default=1
            Number of samples to generate.
        y : label, array-like of shape (n_samples,) or None, default=None
            The class of each sample, or one class for all of them; None
            draws the classes with the training frequencies.
        random_state : int, RandomState instance or None, default=None
            Seed of the draw; the same value gives the same samples.

        Returns
        -------
        X_new : ndarray of shape (n_samples, `n_features_in_`)
            Generated inputs (the likelihood's mean), float32.
        """
        return self._sample(n_samples, y, random_state)

    def latent_traversal(self, X=None, *, y=None, dimensions=None, n_steps=7, span=3.0):
        """Decode codes that move one latent dimension at a time, as class y.

        As :meth:`VariationalAutoencoder.latent_traversal`, decoding every
        code as the class ``y`` (required).

        Parameters
        ----------
        X : array-like of shape (1, n_features) or None, default=None
            The sample whose code (under class y) is the centre; None centres
            on the origin.
        y : label
            The class to encode and decode as.
        dimensions : array-like of int or None, default=None
            Latent dimensions to move; None moves each in turn.
        n_steps : int, default=7
            Number of codes along each dimension.
        span : float, default=3.0
            The codes go from ``-span`` to ``+span`` prior standard
            deviations around the centre.

        Returns
        -------
        X_traversal : ndarray of shape (n_dimensions, n_steps, `n_features_in_`)
            The decoded codes.
        """
        return self._latent_traversal(X, y, dimensions, n_steps, span)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.required = True
        return tags
