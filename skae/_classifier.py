"""A classifier built on a pretrained autoencoder's encoder."""

import copy
from numbers import Real

import numpy as np
import torch
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted

from ._autoencoder import Autoencoder
from ._base import BaseAutoencoder
from ._docstrings import fill_doc
from ._image_shape import resolve_image_shape
from ._losses import ClassificationCriterion
from ._modules import (
    ACTIVATIONS,
    AUGMENTATIONS,
    WEIGHT_INITS,
    EncoderClassifierModule,
    ImageAugmentation,
    initialise_weights,
    make_mlp,
)
from ._streaming import DataSummary
from ._training import STOPPING_CONSTRAINTS, TRAINING_CONSTRAINTS, NetTrainingMixin, fit_context
from ._validation import (
    ShapeKeepingModule,
    SizeTuple,
    class_indices,
    output_width,
    validate_rows,
    validate_validation_data,
)
from ._wrappers import (
    MissingValuesFromAutoencoderMixin,
    TablesFromAutoencoderMixin,
    adopting,
    given_autoencoder,
    pretrain,
    unfrozen,
)


@fill_doc()
class AutoencoderClassifier(TablesFromAutoencoderMixin, MissingValuesFromAutoencoderMixin,
                            NetTrainingMixin, ClassifierMixin,
                            BaseEstimator):
    """Classifier that fine-tunes a pretrained autoencoder's encoder.

    ``fit(X, y)`` first trains the ``autoencoder`` on X without the labels
    (pretraining), then trains its encoder followed by a small MLP head
    (``hidden_layer_sizes``) by cross-entropy on the labels. With
    ``freeze_encoder=True`` only the head trains: a nonlinear probe of the
    pretrained codes.

    Parameters
    ----------
    autoencoder : skae autoencoder or None, default=None
        The autoencoder to pretrain, cloned; any unconditional skae
        autoencoder (the encoder of a variational one gives its posterior
        mean). None uses ``Autoencoder(n_components=32)``. When its
        ``random_state`` is None it is seeded from this estimator's.
        An autoencoder already fitted, wrapped in
        ``sklearn.frozen.FrozenEstimator``, is used as it is: no clone and
        no pretraining; its encoder is copied, then fine-tuned or kept
        fixed as ``freeze_encoder`` says.
    hidden_layer_sizes : tuple of int, default=(64,)
        Widths of the head's hidden layers between the code and the class
        logits; an empty tuple gives a linear head.
    activation : {"relu", "leaky_relu", "elu", "gelu", "selu", "tanh", \
"sigmoid", "identity"} or torch.nn.Module, default="relu"
        Nonlinearity of the head's hidden layers: a name, or a module each
        layer gets a copy of (e.g. ``nn.LeakyReLU(0.1)``).
    dropout : float in [0, 1), default=0.0
        Dropout after each hidden layer of the head (training only). The
        encoder's dropout and batch norm are the autoencoder's own
        (``dropout``, ``batch_norm``), active while it is fine-tuned.
    batch_norm : bool, default=False
        Batch normalisation after each hidden layer of the head.
    weight_init : {"he_normal", "he_uniform", "glorot_normal", \
"glorot_uniform"} or None, default=None
        How the head's weights are drawn, by Keras' names, with zero biases;
        None keeps torch's default. The encoder keeps its own (pretrained, or
        drawn by the autoencoder's ``weight_init``).
    freeze_encoder : bool, default=False
        Keep the pretrained encoder fixed (no gradient, evaluation mode) and
        train the head only.
    augmentation : {"flip", "shift", "flip_shift"}, torch.nn.Module or \
None, default=None
        Random label-preserving changes to every training batch of the
        fine-tuning, drawn anew at each epoch and never applied when
        predicting, scoring or validating (the pretraining sees X as it
        is). ``"flip"`` mirrors each image left to right with probability
        1/2 (for classes a mirror leaves unchanged, such as clothes; not
        digits or letters), ``"shift"`` moves each image by up to 1/14 of
        its height and width (2 pixels on 28 x 28 images, at least 1; zeros
        come in), ``"flip_shift"`` does both. The rows are images laid out
        as the autoencoder's ``image_shape`` or, when it has none, as one
        channel of the most square H x W. A torch module, copied, is applied
        to each training batch of rows (``(batch, n_features)`` in and out)
        in the same way. None trains on X as it is.
    pretrain : bool, default=True
        Pretrain the autoencoder on X first. With False the encoder starts
        from its random initial weights and trains with the head: the same
        network as a plain MLP (or CNN, with a ``ConvAutoencoder``)
        classifier trained from scratch, to compare with fine-tuning. With
        ``freeze_encoder=True`` too, only the head trains, on a fixed random
        encoder (a random-features baseline).
    %(training_params)s

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        The class labels.
    autoencoder_ : skae autoencoder
        The pretrained autoencoder (its encoder before fine-tuning); only
        with ``pretrain=True``.
    net_ : skorch.NeuralNet
        The trained skorch net of encoder and head; ``net_.history`` holds
        every epoch's losses and accuracies (``train_accuracy``,
        ``valid_accuracy``).
    module_ : torch.nn.Module
        The fine-tuned torch module (encoder and head).
    n_iter_ : int
        Number of epochs of fine-tuning (over all warm starts).
    loss_curve_ : list of float
        Training cross-entropy at each epoch.
    loss_terms_curve_ : dict of str to list of float
        ``{"cross_entropy": loss_curve_}``.
    validation_loss_curve_ : list of float or None
        Validation cross-entropy at each epoch (on ``X_val``, or on the
        ``validation_fraction`` held out for early stopping); None without
        validation data.
    validation_loss_terms_curve_ : dict of str to list of float or None
        The same by term; None without validation data.
    accuracy_curve_ : list of float
        Training accuracy at each epoch, over the epoch's batches as they
        trained (dropout active), as Keras reports it.
    validation_accuracy_curve_ : list of float or None
        Validation accuracy at each epoch; None without validation data.
    best_epoch_ : int or None
        Epoch whose weights early stopping restored; None without it.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during fit, when X has string column names.

    See Also
    --------
    sklearn.neural_network.MLPClassifier : An MLP trained from scratch.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from skae import Autoencoder, AutoencoderClassifier
    >>> X, y = load_digits(return_X_y=True)
    >>> clf = AutoencoderClassifier(Autoencoder(max_iter=2), max_iter=2,
    ...                             random_state=0).fit(X / 16, y)
    >>> clf.predict_proba(X[:3] / 16).shape
    (3, 10)
    """

    _parameter_constraints: dict = {
        "autoencoder": [HasMethods(["fit", "transform"]), None],
        "hidden_layer_sizes": [SizeTuple()],
        "activation": [StrOptions(set(ACTIVATIONS)), ShapeKeepingModule()],
        "dropout": [Interval(Real, 0, 1, closed="left")],
        "batch_norm": ["boolean"],
        "weight_init": [StrOptions(set(WEIGHT_INITS)), None],
        "freeze_encoder": ["boolean"],
        "augmentation": [StrOptions(set(AUGMENTATIONS)), torch.nn.Module, None],
        "pretrain": ["boolean"],
        **TRAINING_CONSTRAINTS,
        **STOPPING_CONSTRAINTS,
    }

    def __init__(
        self,
        autoencoder=None,
        *,
        hidden_layer_sizes=(64,),
        activation="relu",
        dropout=0.0,
        batch_norm=False,
        weight_init=None,
        freeze_encoder=False,
        augmentation=None,
        pretrain=True,
        optimizer="adam",
        learning_rate_init=1e-3,
        learning_rate="constant",
        momentum=0.9,
        nesterovs_momentum=True,
        weight_decay=0.0,
        weight_l1=0.0,
        optimizer_params=None,
        batch_size=64,
        max_iter=200,
        shuffle=True,
        early_stopping=False,
        validation_fraction=0.1,
        n_iter_no_change=10,
        tol=1e-4,
        warm_start=False,
        callbacks=None,
        random_state=None,
        verbose=0,
        device="cpu",
    ):
        self.autoencoder = autoencoder
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.dropout = dropout
        self.batch_norm = batch_norm
        self.weight_init = weight_init
        self.freeze_encoder = freeze_encoder
        self.augmentation = augmentation
        self.pretrain = pretrain
        self.optimizer = optimizer
        self.learning_rate_init = learning_rate_init
        self.learning_rate = learning_rate
        self.momentum = momentum
        self.nesterovs_momentum = nesterovs_momentum
        self.weight_decay = weight_decay
        self.weight_l1 = weight_l1
        self.optimizer_params = optimizer_params
        self.batch_size = batch_size
        self.max_iter = max_iter
        self.shuffle = shuffle
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.tol = tol
        self.warm_start = warm_start
        self.callbacks = callbacks
        self.random_state = random_state
        self.verbose = verbose
        self.device = device

    def _encoded_labels(self, y, reset):
        if reset:
            self.classes_, encoded = np.unique(y, return_inverse=True)
            return encoded.astype(np.int64)
        hint = f"warm_start=True keeps the classes {self.classes_.tolist()}."
        return class_indices(self.classes_, y, hint).astype(np.int64)

    @staticmethod
    def _default_autoencoder():
        """The autoencoder of ``autoencoder=None``."""
        return Autoencoder(n_components=32)

    def _checked_autoencoder(self):
        autoencoder = given_autoencoder(self)
        inner = unfrozen(autoencoder)
        if not isinstance(inner, BaseAutoencoder) or (
                inner.__sklearn_tags__().target_tags.required):
            raise TypeError(
                "autoencoder must be a skae autoencoder, unconditional (pretraining sees "
                f"no labels); got {type(inner).__name__}."
            )
        if inner is not autoencoder and not self.pretrain:
            raise ValueError(
                "pretrain=False trains the encoder from its initial weights, but the "
                "autoencoder is a FrozenEstimator, already trained: pass it unfrozen to "
                "train the same network from scratch.")
        return autoencoder

    @fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y, *, X_val=None, y_val=None):
        """Pretrain the autoencoder on X, then fine-tune encoder and head on y.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data; converted to float32.
        y : array-like of shape (n_samples,)
            Class labels (any type scikit-learn classifiers accept).
        X_val : array-like of shape (n_val_samples, n_features), default=None
            Validation data, scored after every epoch of the classifier's
            training into ``validation_loss_curve_`` and
            ``validation_accuracy_curve_``; never trained on (the pretraining
            does not see it either). With ``early_stopping=True`` it replaces
            the ``validation_fraction`` held out of X.
        y_val : array-like of shape (n_val_samples,), default=None
            Labels of ``X_val``, among those of y; required with ``X_val``.

        Returns
        -------
        self : object
            The fitted classifier.
        """
        warm = self._check_warm_start()
        X, y = validate_rows(self, X, y, dtype=np.float32, reset=not warm)
        check_classification_targets(y)
        target = self._encoded_labels(y, reset=not warm)
        self._check_batch_norm(len(X))
        validation = None
        if X_val is not None or y_val is not None:
            if X_val is None or y_val is None:
                raise ValueError("X_val and y_val go together: pass both or neither.")
            X_val, y_val = validate_validation_data(self, X_val, y_val)
            validation = (X_val, None, class_indices(
                self.classes_, y_val, "y_val's labels must be among y's.").astype(np.int64))
        self._train(X, self._builder(X), warm, target=target, validation=validation)
        self._set_accuracy_curves()
        return self

    @fit_context(prefer_skip_nested_validation=False)
    def partial_fit(self, X, y, classes=None):
        """Train for one pass over a block of labelled data, continuing earlier calls.

        The first call builds the classifier: it needs ``classes``, all the
        labels that any block may hold, as scikit-learn's incremental
        classifiers do, and pretrains the autoencoder on its block (pass an
        autoencoder fitted beforehand, e.g. by its own ``partial_fit`` over
        all blocks, wrapped in ``FrozenEstimator``, to skip that). Each call
        then trains encoder and head for one epoch on the block, keeping the
        optimizer's state; no rows are held out and no stopping rule
        applies. ``n_iter_`` and the curves grow by one per call.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            One block of training data; converted to float32.
        y : array-like of shape (n_samples,)
            Its labels, among ``classes``.
        classes : array-like of shape (n_classes,), default=None
            Every label; required on the first call, and then the same or
            None.

        Returns
        -------
        self : object
            The classifier, trained one more epoch.
        """
        first = not hasattr(self, "net_")
        X, y = validate_rows(self, X, y, dtype=np.float32, reset=first)
        check_classification_targets(y)
        if first and classes is None:
            raise ValueError("classes must be passed on the first call to partial_fit: "
                             "every label that any block may hold.")
        if classes is not None:
            classes = np.unique(classes)
            if not first and not np.array_equal(classes, self.classes_):
                raise ValueError(f"classes={classes.tolist()} is not the classes "
                                 f"{self.classes_.tolist()} of the first call.")
            self.classes_ = classes
        target = class_indices(self.classes_, y, "y's labels must be among classes.").astype(
            np.int64)
        self._check_batch_norm(len(X))
        self._train(X, self._builder(X), warm=not first, target=target, incremental=True)
        self._set_accuracy_curves()
        return self

    def _augmentation_module(self, autoencoder, n_features):
        """The module that changes training batches, or None."""
        if isinstance(self.augmentation, torch.nn.Module):
            augmentation = copy.deepcopy(self.augmentation)
            # Tried on a copy of its own: a batch norm or a counter inside is left as is.
            width = output_width(copy.deepcopy(augmentation), "augmentation", n_features,
                                 training=True)
            if width != n_features:
                raise ValueError(
                    f"The augmentation must return rows as wide as those it takes; for rows "
                    f"of {n_features} features it returned {width}.")
            return augmentation
        if self.augmentation is None:
            return None
        image_shape = resolve_image_shape(
            getattr(unfrozen(autoencoder), "image_shape", None), n_features)
        flip, shift = AUGMENTATIONS[self.augmentation]
        return ImageAugmentation(image_shape, flip=flip, shift=shift)

    def _builder(self, X):
        """``build(rows)`` for ``_train``: the (pre)trained encoder and the head."""
        autoencoder = self._checked_autoencoder()
        augmentation = self._augmentation_module(autoencoder, X.shape[1])

        def build(rows):
            # Runs with torch's generator seeded from random_state: the seed
            # drawn here, and an untrained encoder's weights, are reproducible.
            if self.pretrain:
                self.autoencoder_ = pretrain(
                    autoencoder, X, int(torch.randint(2**31 - 1, ()).item()),
                    self.column_layout_)
                encoder = copy.deepcopy(self.autoencoder_.module_)
            else:
                encoder = adopting(clone(autoencoder), self.column_layout_)._untrained_module(X)
            head = initialise_weights(make_mlp(
                [unfrozen(autoencoder).n_components, *self.hidden_layer_sizes,
                 len(self.classes_)], self.activation, self.batch_norm, self.dropout),
                self.weight_init)
            return (EncoderClassifierModule(encoder, head, self.freeze_encoder, augmentation),
                    ClassificationCriterion())

        return build

    def _net_skeleton(self):
        autoencoder = self._checked_autoencoder()
        if self.pretrain:
            encoder = copy.deepcopy(self.autoencoder_.module_)
        else:
            # The classifier calls the autoencoder's encode only, whose layers
            # depend on the width of X alone (the data's range and spread set
            # the training corruption and a VAE's initial scale, unused here).
            encoder = clone(autoencoder)._build_module(
                DataSummary(self.n_features_in_, 1, 0.0, 1.0, 1.0))
        head = make_mlp([unfrozen(autoencoder).n_components, *self.hidden_layer_sizes,
                         len(self.classes_)], self.activation, self.batch_norm, self.dropout)
        augmentation = self._augmentation_module(autoencoder, self.n_features_in_)
        return (EncoderClassifierModule(encoder, head, self.freeze_encoder, augmentation),
                ClassificationCriterion())

    def _set_accuracy_curves(self):
        self.accuracy_curve_ = self._history_curve("train_accuracy")
        self.validation_accuracy_curve_ = self._history_curve("valid_accuracy")

    def predict_proba(self, X):
        """Probability of each class.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Input data.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Class probabilities, in the order of ``classes_``.
        """
        check_is_fitted(self)
        X = validate_rows(self, X, dtype=np.float32, reset=False)
        return self._forward_batches(lambda m, x: torch.softmax(m(x), dim=1), X,
                                     dtype=np.float64)

    def predict_log_proba(self, X):
        """Log of :meth:`predict_proba`.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Input data.

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
            Log class probabilities.
        """
        return np.log(self.predict_proba(X))

    def predict(self, X):
        """The most probable class of each sample.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Input data.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
            Predicted class labels.
        """
        proba = self.predict_proba(X)
        return self.classes_[np.argmax(proba, axis=1)]
