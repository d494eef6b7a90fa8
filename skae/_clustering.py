"""Deep embedded clustering (DEC / IDEC) on a pretrained autoencoder."""

import copy
import warnings
from numbers import Integral, Real

import numpy as np
import torch
from sklearn.base import (
    BaseEstimator,
    ClassNamePrefixFeaturesOutMixin,
    ClusterMixin,
    TransformerMixin,
)
from sklearn.cluster import KMeans
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from ._autoencoder import Autoencoder, BaseDeterministicAutoencoder
from ._callbacks import TargetDistributionUpdate
from ._inference import inference_batch
from ._losses import ClusteringCriterion, sharpened_target
from ._modules import ClusteringModule
from ._training import TRAINING_CONSTRAINTS, NetTrainingMixin, fit_context
from ._validation import validate_rows
from ._wrappers import (
    MissingValuesFromAutoencoderMixin,
    TablesFromAutoencoderMixin,
    codes_of,
    given_autoencoder,
    pretrain,
    unfrozen,
)


class DeepEmbeddedClustering(
    TablesFromAutoencoderMixin, MissingValuesFromAutoencoderMixin, ClassNamePrefixFeaturesOutMixin,
    NetTrainingMixin,
    ClusterMixin, TransformerMixin, BaseEstimator,
):
    """Deep embedded clustering: refine an autoencoder's codes for clustering.

    ``fit(X)`` pretrains the ``autoencoder`` on X, starts ``n_clusters``
    centres with KMeans on its codes, then trains encoder and centres jointly
    (Xie et al., 2016; Guo et al., 2017): the soft assignment ``q`` of each
    code to each centre (a Student's t kernel) is pulled towards a sharpened
    target ``p`` (``q**2`` over cluster frequency, renormalised), recomputed
    on the whole training data every ``update_interval`` batches, by
    minimising KL(P || Q). With ``method="idec"`` (the default) the
    reconstruction loss is kept, ``reconstruction + gamma * KL``, which
    preserves the structure of the codes; ``method="dec"`` minimises the KL
    alone. Training stops after ``max_iter`` epochs, or at the end of the
    epoch in which fewer than ``tol`` of the samples changed cluster between
    two updates.

    Parameters
    ----------
    n_clusters : int, default=10
        Number of clusters.
    autoencoder : skae autoencoder or None, default=None
        The autoencoder to pretrain (cloned): any non-variational skae
        autoencoder, e.g. ``ConvAutoencoder`` for images. None uses
        ``Autoencoder(n_components=10)``. When its ``random_state`` is None
        it is seeded from this estimator's. An autoencoder already fitted, wrapped in
        ``sklearn.frozen.FrozenEstimator``, is used as it is: neither cloned
        nor refitted. Its
        encoder is copied before the joint training.
    method : {"idec", "dec"}, default="idec"
        Keep the reconstruction loss (IDEC) or not (DEC).
    gamma : float, default=0.1
        Weight of the clustering loss against the reconstruction loss
        (IDEC only).
    degrees_of_freedom : float, default=1.0
        Degrees of freedom of the Student's t kernel (the DEC paper's alpha;
        ``alpha`` is scikit-learn's name for a penalty).
    update_interval : int, default=140
        Training batches between two updates of the target distribution.
    tol : float, default=1e-2
        Stop when fewer than this fraction of samples changed cluster
        between two updates (the DEC papers' 1e-3 is one or two samples of a
        few thousand, which the clusters rarely settle to).
    n_init : int, default=20
        Number of KMeans initialisations of the centres.
    optimizer : str or torch.optim.Optimizer subclass, default="adam"
        Optimizer of the joint training, as in the autoencoders.
    learning_rate_init : float, default=1e-3
        Step size of the joint training.
    learning_rate : {"constant", "plateau", "cosine"}, default="constant"
        Step-size schedule, as in the autoencoders; ``"plateau"`` watches the
        training loss with torch's relative threshold (1e-4), since ``tol``
        here is a share of the samples, not a loss tolerance.
    momentum : float, default=0.9
        Momentum of ``optimizer="sgd"``.
    nesterovs_momentum : bool, default=True
        Nesterov momentum for ``optimizer="sgd"``.
    weight_decay : float, default=0.0
        L2 penalty of the optimizer.
    weight_l1 : float, default=0.0
        L1 penalty on the weights, as in the autoencoders.
    optimizer_params : dict or None, default=None
        Further keyword arguments of the optimizer, as in the autoencoders.
    batch_size : int, default=256
        Mini-batch size of the joint training.
    max_iter : int, default=100
        Maximum number of epochs of the joint training.
    shuffle : bool, default=True
        Shuffle the data at each epoch.
    callbacks : list of skorch callbacks or None, default=None
        Extra skorch callbacks; they are copied, never modified.
    random_state : int, RandomState instance or None, default=None
        Seed of the pretraining (when the autoencoder has none), KMeans and
        the joint training.
    verbose : int, default=0
        0 is silent; 1 prints one line per epoch and a closing line, 2 a bar
        over the epochs where it can be seen, as the autoencoders do.
    device : str or torch.device, default="cpu"
        Where to train and infer.

    Attributes
    ----------
    autoencoder_ : skae autoencoder
        The pretrained autoencoder (before the joint training).
    cluster_centers_ : ndarray of shape (n_clusters, n_components)
        The refined centres, in code space.
    labels_ : ndarray of shape (n_samples,)
        Cluster of each training sample.
    net_ : skorch.NeuralNet
        The trained skorch net; ``net_.history`` holds every epoch's losses.
    module_ : torch.nn.Module
        The trained torch module (autoencoder and centres).
    n_iter_ : int
        Number of epochs of joint training.
    loss_curve_ : list of float
        Objective at each epoch.
    loss_terms_curve_ : dict of str to list of float
        Each term (``"reconstruction"``, ``"clustering"``) at each epoch.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during fit, when X has string column names.

    See Also
    --------
    sklearn.cluster.KMeans : Clustering without representation learning.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from skae import Autoencoder, DeepEmbeddedClustering
    >>> X, _ = load_digits(return_X_y=True)
    >>> dec = DeepEmbeddedClustering(10, Autoencoder(n_components=10, max_iter=2),
    ...                              max_iter=2, random_state=0)
    >>> dec.fit_predict(X / 16).shape
    (1797,)
    >>> dec.transform(X[:3] / 16).shape
    (3, 10)
    """

    _parameter_constraints: dict = {
        "n_clusters": [Interval(Integral, 1, None, closed="left")],
        "autoencoder": [HasMethods(["fit", "transform"]), None],
        "method": [StrOptions({"idec", "dec"})],
        "gamma": [Interval(Real, 0, None, closed="left")],
        "degrees_of_freedom": [Interval(Real, 0, None, closed="neither")],
        "update_interval": [Interval(Integral, 1, None, closed="left")],
        "n_init": [Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0, 1, closed="both")],
        **TRAINING_CONSTRAINTS,
    }

    def __init__(
        self,
        n_clusters=10,
        autoencoder=None,
        *,
        method="idec",
        gamma=0.1,
        degrees_of_freedom=1.0,
        update_interval=140,
        tol=1e-2,
        n_init=20,
        optimizer="adam",
        learning_rate_init=1e-3,
        learning_rate="constant",
        momentum=0.9,
        nesterovs_momentum=True,
        weight_decay=0.0,
        weight_l1=0.0,
        optimizer_params=None,
        batch_size=256,
        max_iter=100,
        shuffle=True,
        callbacks=None,
        random_state=None,
        verbose=0,
        device="cpu",
    ):
        self.n_clusters = n_clusters
        self.autoencoder = autoencoder
        self.method = method
        self.gamma = gamma
        self.degrees_of_freedom = degrees_of_freedom
        self.update_interval = update_interval
        self.tol = tol
        self.n_init = n_init
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
        self.callbacks = callbacks
        self.random_state = random_state
        self.verbose = verbose
        self.device = device

    @staticmethod
    def _default_autoencoder():
        """The autoencoder of ``autoencoder=None``."""
        return Autoencoder(n_components=10)

    def _checked_autoencoder(self):
        autoencoder = given_autoencoder(self)
        inner = unfrozen(autoencoder)
        if not isinstance(inner, BaseDeterministicAutoencoder):
            raise TypeError(
                "autoencoder must be a non-variational skae autoencoder (Autoencoder, "
                f"ConvAutoencoder, ...); got {type(inner).__name__}."
            )
        return autoencoder

    def _targets(self, module, X):
        """Sharpened target and hard labels of the whole training data (fresh
        chunks: the module never sees a view of the caller's X)."""
        device = next(module.parameters()).device
        size = inference_batch(device)
        q = torch.empty((len(X), len(module.centers)), dtype=module.centers.dtype)
        # Filled in place: chunk results kept for a concatenation would pin
        # glibc's heap under each chunk's freed activations.
        for start in range(0, len(X), size):
            chunk = X[start:start + size].to(device, copy=True)
            q[start:start + len(chunk)] = module.soft_assign(
                module.autoencoder.encode(chunk)).cpu()
        return sharpened_target(q), q.argmax(dim=1)

    def _stopping(self):
        # The target update ends training when the clusters settle (``tol`` is
        # a share of the samples, not a loss tolerance); nothing is held out.
        return None, None

    def _warn_if_not_converged(self, spec, X, condition):
        """ConvergenceWarning when max_iter ends the training before fewer
        than ``tol`` of the samples change cluster between two updates."""
        if not dict(self.net_.callbacks_)["target_update"].converged_:
            warnings.warn(
                f"DeepEmbeddedClustering reached max_iter={self.max_iter} epochs before "
                f"fewer than tol={self.tol} of the samples changed cluster between two "
                "target updates. Increase max_iter or tol.", ConvergenceWarning)

    @fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y=None):
        """Pretrain the autoencoder, start the centres by KMeans, then refine both.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data; converted to float32.
        y : None
            Ignored; present for API consistency.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        X = validate_rows(self, X, dtype=np.float32)
        if len(X) < self.n_clusters:
            raise ValueError(f"n_samples={len(X)} should be >= n_clusters={self.n_clusters}.")
        X = np.ascontiguousarray(X)
        autoencoder = self._checked_autoencoder()
        target = np.zeros((len(X), self.n_clusters), dtype=np.float32)

        def build(rows):
            seed = int(torch.randint(2**31 - 1, ()).item())  # seeded by random_state
            self.autoencoder_ = pretrain(autoencoder, X, seed, self.column_layout_)
            kmeans = KMeans(self.n_clusters, n_init=self.n_init, random_state=seed)
            kmeans.fit(codes_of(self.autoencoder_, X))
            module = ClusteringModule(copy.deepcopy(self.autoencoder_.module_),
                                      kmeans.cluster_centers_, self.degrees_of_freedom)
            self._n_features_out = self.autoencoder_.n_components
            loss = unfrozen(self.autoencoder_)._reconstruction_loss()
            return module, ClusteringCriterion(loss, self.gamma,
                                               reconstruction=self.method == "idec")

        update = TargetDistributionUpdate(self.update_interval, self.tol, self._targets,
                                          sink=self._training_spec().message_sink())
        self._train(X, build, warm=False, target=target,
                    callbacks=[("target_update", update)])
        self.cluster_centers_ = self.module_.centers.detach().cpu().numpy()
        self.labels_ = self._assignments_of(X).argmax(axis=1)
        return self

    def _net_skeleton(self):
        return (ClusteringModule(copy.deepcopy(self.autoencoder_.module_),
                                 self.cluster_centers_, self.degrees_of_freedom),
                ClusteringCriterion(unfrozen(self.autoencoder_)._reconstruction_loss(),
                                    self.gamma,
                                    reconstruction=self.method == "idec"))

    def _soft_assignments(self, X):
        check_is_fitted(self)
        return self._assignments_of(validate_rows(self, X, dtype=np.float32, reset=False))

    def _assignments_of(self, X):
        """The soft assignments of validated rows X."""
        return self._forward_batches(
            lambda m, x: m.soft_assign(m.autoencoder.encode(x)), X, dtype=np.float64)

    def predict(self, X):
        """The cluster of each sample (the largest soft assignment).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Input data.

        Returns
        -------
        labels : ndarray of shape (n_samples,)
            Cluster indices in ``[0, n_clusters)``.
        """
        return self._soft_assignments(X).argmax(axis=1)

    def predict_proba(self, X):
        """Soft assignment of each sample to each cluster (rows sum to 1).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Input data.

        Returns
        -------
        q : ndarray of shape (n_samples, n_clusters)
            The Student's t soft assignments.
        """
        return self._soft_assignments(X)

    def transform(self, X):
        """The codes of X under the refined encoder.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Input data.

        Returns
        -------
        codes : ndarray of shape (n_samples, n_components)
            The codes, float32.
        """
        check_is_fitted(self)
        X = validate_rows(self, X, dtype=np.float32, reset=False)
        return self._forward_batches(lambda m, x: m.autoencoder.encode(x), X)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float32"]
        return tags
