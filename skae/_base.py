"""The scikit-learn contract shared by every autoencoder."""

import copy
import dataclasses
from abc import ABCMeta, abstractmethod
from numbers import Integral, Real

import numpy as np
import torch
from sklearn.base import BaseEstimator, ClassNamePrefixFeaturesOutMixin, TransformerMixin
from sklearn.utils import check_array, check_random_state
from sklearn.utils._available_if import available_if
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from ._collapse import CollapseCheckMixin
from ._data import row_chunks
from ._losses import RECONSTRUCTION_LOSSES, get_loss
from ._modules import ACTIVATIONS, WEIGHT_INITS, Standardise, initialise_weights
from ._streaming import DataSummary, StreamedArray, is_streamed, summarize_rows
from ._training import STOPPING_CONSTRAINTS, TRAINING_CONSTRAINTS, NetTrainingMixin, fit_context
from ._validation import (
    ShapeKeepingModule,
    check_argument,
    check_training_magnitude,
    check_unit_interval,
    output_width,
    plain_rows,
    reject_booleans,
    validate_rows,
    validate_validation_data,
    validated_stream,
)


class BaseAutoencoder(
    CollapseCheckMixin, NetTrainingMixin, ClassNamePrefixFeaturesOutMixin, TransformerMixin,
    BaseEstimator, metaclass=ABCMeta,
):
    """The contract of every autoencoder; not for direct use.

    Training (``fit``, ``partial_fit``), encoding and decoding, ``score``,
    ``sample`` and latent traversals, on the hooks that a family base
    provides: ``_build_module`` and ``_build_criterion`` (what is trained),
    ``score_samples``, ``_sample_codes`` and ``_code_centre_and_scale`` (the
    latent space it samples from), and ``_after_training`` (what ``sample``
    needs fitted). :class:`~skae._autoencoder.BaseDeterministicAutoencoder`
    and :class:`~skae._vae.BaseVariationalAutoencoder` are those bases; an
    estimator adds its architecture (``_encoder_decoder``) and ``__init__``.
    """

    _parameter_constraints: dict = {
        "n_components": [Interval(Integral, 1, None, closed="left")],
        "encoder": [torch.nn.Module, None],
        "decoder": [torch.nn.Module, None],
        "activation": [StrOptions(set(ACTIVATIONS)), ShapeKeepingModule()],
        "dropout": [Interval(Real, 0, 1, closed="left")],
        "batch_norm": ["boolean"],
        "output_activation": [StrOptions(set(ACTIVATIONS)), None],
        "weight_init": [StrOptions(set(WEIGHT_INITS)), None],
        "loss": [StrOptions(set(RECONSTRUCTION_LOSSES))],
        **TRAINING_CONSTRAINTS,
        **STOPPING_CONSTRAINTS,
    }

    # ------------------------------------------------------------------ hooks

    @abstractmethod
    def _encoder_decoder(self, n_features):
        """Return ``(encoder, decoder)`` torch modules for ``n_features`` inputs."""

    def _reconstruction_loss(self):
        """The :class:`~skae._losses.ReconstructionLoss` that ``loss`` names."""
        return get_loss(self.loss)

    def _check_input(self, X, name="X"):
        """Checks of the validated training data (``name``: X or X_val); a
        family adds its own."""
        loss = self._reconstruction_loss()
        check_unit_interval(X, loss)
        check_training_magnitude(X, loss, name)
        if loss.takes_logits and self.output_activation not in (None, loss.output_activation):
            raise ValueError(
                f"loss={loss.name!r} needs a {loss.output_activation} on the output; got "
                f"output_activation={self.output_activation!r}. Leave it None, or use "
                "loss='squared_error'.")

    def _output_activation(self):
        """The decoder's output activation: ``output_activation``, or the loss's own."""
        return self.output_activation or self._reconstruction_loss().output_activation

    # Whether the reconstruction term sums its element-wise loss over the
    # features (a likelihood, in nats per sample) rather than averaging it.
    _sums_over_features = False

    def _loss_floor(self, target, rows):
        """Binary cross-entropy cannot fall below the entropy of its targets,
        which grey values (neither 0 nor 1) make large: the stopping rule
        measures improvement above it. Squared error can reach 0."""
        loss = self._reconstruction_loss()
        if not loss.has_floor:
            return 0.0
        total, n_rows = 0.0, 0
        for block in row_chunks(target, 8192, rows):
            floor = loss.floor(block)
            if torch.isnan(block).any():  # missing entries: over the observed ones
                per_sample = (floor.nansum(1) if self._sums_over_features
                              else floor.nanmean(1).nan_to_num())
            else:
                per_sample = floor.sum(1) if self._sums_over_features else floor.mean(1)
            total, n_rows = total + float(per_sample.sum()), n_rows + len(block)
        return total / max(n_rows, 1)

    def _n_conditions(self):
        """Width of the condition appended to the encoder's and decoder's inputs."""
        return 0

    def _has_user_modules(self):
        return self.encoder is not None or self.decoder is not None

    def _user_modules(self, data, code=True):
        """Copies of the ``encoder`` and ``decoder`` parameters, float32 on the
        CPU, checked on batches of zeros of 2 rows and of a training batch's
        rows (at most 1,024) for the training rows summarised by ``data``: the
        decoder must map codes to ``n_features`` columns, and the encoder give
        ``n_components`` columns (``code=True``) or any width (a variational
        encoder's, under its head). Returns ``(encoder, decoder, encoder_width)``."""
        if self.encoder is None or self.decoder is None:
            given, missing = (("encoder", "decoder") if self.decoder is None
                              else ("decoder", "encoder"))
            raise ValueError(
                f"encoder and decoder go together: got only your {given}; pass your own "
                f"{missing} as well, or neither to use the built-in architecture.")
        for name in ("encoder", "decoder"):
            module = getattr(self, name)
            if any(t.is_meta for t in (*module.parameters(), *module.buffers())):
                raise ValueError(
                    f"Your {name} has tensors on the meta device, which hold no values; "
                    "build it on the CPU (or call .to_empty(device='cpu') and initialise "
                    "its weights) before passing it.")
        n_features, n_conditions = data.n_features, self._n_conditions()
        n_rows = (2, max(1, min(self.batch_size, data.n_samples, 1024)))
        encoder = copy.deepcopy(self.encoder).float().cpu()
        decoder = copy.deepcopy(self.decoder).float().cpu()
        width = output_width(encoder, "encoder", n_features + n_conditions, n_rows=n_rows)
        if code and width != self.n_components:
            raise ValueError(
                f"The encoder outputs codes of width {width}, but n_components="
                f"{self.n_components}; set n_components={width}.")
        out = output_width(decoder, "decoder", self.n_components + n_conditions,
                           n_rows=n_rows)
        if out != n_features:
            raise ValueError(
                f"The decoder outputs rows of width {out}, but X has {n_features} "
                "features; it must map the codes back to the features of X.")
        return encoder, decoder, width

    @abstractmethod
    def _build_module(self, data):
        """The torch module for training rows summarised by ``data`` (a
        :class:`~skae._streaming.DataSummary`)."""

    def _standardise(self, data):
        """The :class:`~skae._modules.Standardise` layer of the module for the
        training rows summarised by ``data``: the identity (X as it is) unless
        a family standardises (:class:`~skae._tables.TableMixin`)."""
        return Standardise()

    def _new_module(self, data):
        """:meth:`_build_module`'s module, its built-in layers initialised as
        ``weight_init`` says (your own modules keep the weights they have)."""
        module = self._build_module(data)
        if not self._has_user_modules():
            initialise_weights(module, self.weight_init)
        return module

    @abstractmethod
    def _build_criterion(self):
        """The criterion: ``(objective, named terms)`` of a batch."""

    # -------------------------------------------------------------- training

    # ---------------------------------------------------------- conditioning
    # A conditional family (the conditional VAE) feeds the module a condition
    # row per sample beside X or the codes (one-hot labels). These hooks give
    # it; an unconditional family's return None, and every method below
    # passes that None on: nothing else in the base knows of conditions.

    def _condition(self, X, y, reset, classes=None, incremental=False):
        """The condition rows of the training rows X and their labels y, or
        None; ``reset`` on a first fit, ``classes`` and ``incremental`` from
        ``partial_fit``. Unconditional families ignore ``y``."""
        return None

    def _conditions(self, y, n_rows, call, X=None, rng=None):
        """The condition rows of ``n_rows`` rows of ``call`` (``"transform"``,
        ``"inverse_transform"``, ``"sample"``, ``"latent_traversal"``) for
        the labels ``y`` (one label for all rows, or one per row; the rows X
        of a transform, the RandomState ``rng`` of a sample), or None."""
        return None

    def _conditioned(self, fn, X, condition, **kwargs):
        """``_forward_batches`` of ``fn(module, x, condition)``, with
        ``condition`` None (unconditional) or rows of X's condition."""
        if condition is None:
            return self._forward_batches(lambda m, x: fn(m, x, None), X, **kwargs)
        return self._forward_batches(fn, X, condition, **kwargs)

    def _decode(self, Z, condition):
        """The decoded codes Z (float32) under ``condition``."""
        return self._conditioned(
            lambda m, z, c: m.decode(z) if c is None else m.decode(z, c), Z, condition)

    # -------------------------------------------------------------- training

    def _training_data(self, X, y, reset, stream=False, classes=None, incremental=False):
        """X (float32) and its condition, checked as ``fit`` and ``partial_fit``
        take them. With ``stream``, an unconditional family keeps a memory-mapped
        or out-of-memory X (:func:`~skae._streaming.is_streamed`) where it is,
        as a :class:`~skae._streaming.StreamedArray` read a block at a time;
        its values are checked in one pass (NaN or infinity named by row)."""
        if stream and self._is_unconditional() and is_streamed(X):
            X = validated_stream(self, X, reset)
            X.summary()
        else:
            X = validate_rows(self, X, dtype=np.float32, reset=reset)
        condition = self._condition(X, y, reset=reset, classes=classes,
                                    incremental=incremental)
        self._check_input(X)
        self._check_batch_norm(len(X))
        return X, condition

    def _builder(self, X):
        """``build(rows)`` for ``_train``: the module for the training rows of X
        and the criterion."""

        def build(rows):
            self._n_features_out = self.n_components
            summary = (X.summary(rows) if isinstance(X, StreamedArray)
                       else summarize_rows(X, rows))
            self._data_summary = dataclasses.asdict(summary)  # for _net_skeleton
            return self._new_module(summary), self._build_criterion()

        return build

    def _net_skeleton(self):
        return self._build_module(DataSummary(**self._data_summary)), self._build_criterion()

    def _validation_condition(self, X_val, y_val):
        """The condition of the validation rows, or None (unconditional)."""
        return None

    def _after_training(self, X, condition, seed):
        """Fit what :meth:`sample` needs, once the network is trained."""

    @fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None, *, X_val=None, y_val=None):
        """Train the autoencoder on X.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data; converted to float32. A ``np.memmap`` (e.g. from
            ``np.load(path, mmap_mode="r")``) or an array-like that is not in
            memory (an h5py dataset, a zarr array: anything with ``shape``,
            ``dtype`` and slicing) is read and converted a block at a time,
            never whole; see "Data larger than memory" in the user guide.
        y : None
            Ignored; present for API consistency.
        X_val : array-like of shape (n_val_samples, n_features), default=None
            Validation data, scored after every epoch into
            ``validation_loss_curve_``; it is never trained on. With
            ``early_stopping=True`` it replaces the ``validation_fraction``
            held out of X; without, the curve is recorded and the last
            epoch's weights are kept.
        y_val : None
            Ignored; present for API consistency.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        warm = self._check_warm_start()
        X, condition = self._training_data(X, y, reset=not warm, stream=True)
        validation = None
        if X_val is not None:
            X_val = validate_validation_data(self, X_val)
            self._check_input(X_val, "X_val")
            validation = (X_val, self._validation_condition(X_val, y_val), None)
        n_iter_before = self.n_iter_ if warm else 0
        seed = self._train(X, self._builder(X), warm, condition=condition,
                           validation=validation)
        self._after_training(X, condition, seed)
        self._set_explained_variance_ratio(X, condition)
        if self.n_iter_ - n_iter_before < self.max_iter:  # stopped: converged
            self._warn_if_collapsed(X, condition)
        return self

    def _is_unconditional(self):
        return not self.__sklearn_tags__().target_tags.required

    @available_if(_is_unconditional)
    @fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y=None):
        """Train for one pass over X, continuing the network of earlier calls.

        The first call builds the network; each call then trains it for one
        epoch on X, keeping the optimizer's state (and the ``"plateau"``
        schedule's; under ``"cosine"`` the step stays at
        ``learning_rate_init``) from call to call, so a loop over blocks of
        data that do not fit in memory together trains one model. Nothing is held out
        (no early stopping) and no stopping rule applies: the caller decides
        how many passes. ``n_iter_`` and the curves grow by one epoch per
        call; the same ``random_state`` gives the same sequence of models.
        ``sample`` draws from a density fitted to the codes of the last block.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            One block of training data; converted to float32.
        y : None
            Ignored; present for API consistency.

        Returns
        -------
        self : object
            The estimator, trained one more epoch.
        """
        return self._partial_fit(X, y)

    def _partial_fit(self, X, y, classes=None):
        """One epoch on X (and its labels y, among ``classes``, for a
        conditional family), continuing the network of earlier calls."""
        first = not hasattr(self, "net_")
        X, condition = self._training_data(X, y, reset=first, classes=classes,
                                           incremental=True)
        seed = self._train(X, self._builder(X), warm=not first, condition=condition,
                           incremental=True)
        self._after_training(X, condition, seed)
        self._set_explained_variance_ratio(X, condition)
        return self

    def _untrained_module(self, X):
        """The float32 module that ``fit`` would train on X (unconditional
        families), with its initial weights drawn from torch's generator.

        For ``AutoencoderClassifier(pretrain=False)``, on a clone: checks the
        parameters and X as ``fit`` does, and sets ``n_features_in_``.
        """
        self._validate_params()
        reject_booleans(self)
        X = validate_rows(self, X, dtype=np.float32)
        self._check_input(X)
        return self._new_module(summarize_rows(X, slice(None))).float()

    # ------------------------------------------------------------- inference

    def transform(self, X):
        """Encode X into codes.

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
        return self._forward_batches(lambda m, x: m.encode(x), self._inference_X(X))

    def _inference_X(self, X):
        """X checked against the fitted estimator for inference: float32, or a
        :class:`~skae._streaming.StreamedArray` read a chunk at a time."""
        if is_streamed(X):
            return validated_stream(self, X, reset=False)
        return validate_rows(self, X, dtype=np.float32, reset=False)

    def inverse_transform(self, X):
        """Decode codes back to input space.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_components)
            Codes, as returned by :meth:`transform`.

        Returns
        -------
        X_reconstructed : ndarray of shape (n_samples, `n_features_in_`)
            The decoded inputs, float32.
        """
        return self._inverse_transform(X, None)

    def _inverse_transform(self, X, y):
        """:meth:`inverse_transform` of the codes X under the labels y."""
        check_is_fitted(self)
        Z = plain_rows(X, self._n_features_out)
        if Z is None:
            Z = check_array(X, dtype=np.float32, input_name="X")
        if Z.shape[1] != self._n_features_out:
            raise ValueError(
                f"inverse_transform expects codes with {self._n_features_out} columns "
                f"(n_components); got X with {Z.shape[1]} columns."
            )
        return self._as_input(
            self._decode(Z, self._conditions(y, len(Z), "inverse_transform")))

    def _reconstructions(self, X):
        """``inverse_transform(transform(X))`` of rows X already validated
        against this estimator (a table's encoded by its column layout), in
        one pass over the module: the codes are rounded to float32 between
        encoder and decoder, as ``transform`` returns them, so the result is
        the two calls' to the bit at the cost of one."""
        R = self._forward_batches(
            lambda m, x: m.decode(m.encode(x).to(torch.float32).to(x.dtype)), X)
        if not np.isfinite(R).all():
            # Codes beyond float32's range? transform's pass names their rows.
            self._forward_batches(lambda m, x: m.encode(x), X)
        return self._as_input(R)

    def _column_layout(self):
        """The column layout of a table with categorical columns that ``fit``
        took (``column_layout_``, see :class:`~skae._tables.TableMixin`), or
        None: X is used as it is (and always, in a family without tables)."""
        return getattr(self, "column_layout_", None)

    def _as_input(self, R):
        """Decoded rows R as X was given: the table of a column layout, else R."""
        layout = self._column_layout()
        return R if layout is None else layout.decode(R)

    @abstractmethod
    def score_samples(self, X):
        """The score of each sample (higher is better)."""

    @abstractmethod
    def _score_rows(self, X):
        """:meth:`score_samples` of rows already validated against this
        estimator, for a wrapper that validated them for itself."""

    def score(self, X, y=None):
        """Mean score of the samples (higher is better).

        Minus the reconstruction error for an autoencoder, the ELBO in nats
        for a variational one (see :meth:`score_samples`).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Input data.
        y : None
            Ignored; present for API consistency.

        Returns
        -------
        score : float
            The mean of :meth:`score_samples`.
        """
        return float(np.mean(self.score_samples(X)))

    def sample(self, n_samples=1, random_state=None):
        """Generate new inputs by decoding codes drawn from the latent density.

        The density (``latent_density``) was fitted to the training codes.

        Parameters
        ----------
        n_samples : int, default=1
            Number of samples to generate.
        random_state : int, RandomState instance or None, default=None
            Seed of the draw; the same value gives the same samples.

        Returns
        -------
        X_new : ndarray of shape (n_samples, `n_features_in_`)
            Generated inputs, float32.
        """
        return self._sample(n_samples, None, random_state)

    def _sample(self, n_samples, y, random_state):
        """:meth:`sample` of inputs under the labels y."""
        check_is_fitted(self)
        check_argument(n_samples, "n_samples", Integral, min_val=1)
        rng = check_random_state(random_state)
        codes = self._sample_codes(n_samples, rng)
        return self._as_input(
            self._decode(codes, self._conditions(y, n_samples, "sample", rng=rng)))

    @abstractmethod
    def _code_centre_and_scale(self):
        """Centre and standard deviation of the codes along each dimension."""

    def _encode_labelled(self, X, y):
        """The codes of X under the labels y, as :meth:`transform` gives them."""
        return self.transform(X)

    def _traversal_codes(self, X, dimensions, n_steps, span, y=None):
        """Codes of shape (n_dimensions, n_steps, n_components) for a traversal,
        around the code of X under the label y."""
        check_is_fitted(self)
        check_argument(n_steps, "n_steps", Integral, min_val=1)
        check_argument(span, "span", Real, min_val=0)
        centre, scale = self._code_centre_and_scale()
        if X is not None:
            codes = self._encode_labelled(X, y)
            if len(codes) != 1:
                raise ValueError(
                    f"latent_traversal moves around the code of one sample; got X with "
                    f"{len(codes)} samples. Pass X[[i]] for sample i."
                )
            centre = codes[0]
        if dimensions is None:
            dimensions = np.arange(self.n_components)
        dimensions = np.asarray(dimensions)
        if (dimensions.ndim != 1 or not np.issubdtype(dimensions.dtype, np.integer)
                or (dimensions < 0).any() or (dimensions >= self.n_components).any()):
            raise ValueError(
                f"dimensions must be a 1-D array of ints in [0, n_components="
                f"{self.n_components}); got {dimensions.tolist()!r}."
            )
        offsets = np.linspace(-span, span, n_steps)
        codes = np.tile(np.asarray(centre, dtype=np.float64), (len(dimensions), n_steps, 1))
        for row, dim in enumerate(dimensions):
            codes[row, :, dim] += offsets * scale[dim]
        return codes.astype(np.float32)

    def latent_traversal(self, X=None, *, dimensions=None, n_steps=7, span=3.0):
        """Decode codes that move one latent dimension at a time around a code.

        Row ``i`` of the result moves dimension ``dimensions[i]`` from
        ``-span`` to ``+span`` standard deviations around the centre, the
        other dimensions staying at the centre's values. The standard
        deviations are those of the training codes (the prior's, 1, for a
        variational autoencoder).

        Parameters
        ----------
        X : array-like of shape (1, n_features) or None, default=None
            The sample whose code is the centre; None centres on the mean
            code (the origin for a variational autoencoder).
        dimensions : array-like of int or None, default=None
            Latent dimensions to move; None moves each in turn.
        n_steps : int, default=7
            Number of codes along each dimension.
        span : float, default=3.0
            Half-width of the walk, in standard deviations.

        Returns
        -------
        X_traversal : ndarray of shape (n_dimensions, n_steps, `n_features_in_`)
            The decoded codes.
        """
        return self._latent_traversal(X, None, dimensions, n_steps, span)

    def _latent_traversal(self, X, y, dimensions, n_steps, span):
        """:meth:`latent_traversal` around the code of X under the label y,
        decoded as y."""
        self._conditions(y, 1, "latent_traversal")  # y checked before any work
        codes = self._traversal_codes(X, dimensions, n_steps, span, y)
        decoded = self._inverse_transform(codes.reshape(-1, self.n_components), y)
        if hasattr(decoded, "iloc"):  # a table: one row per code, indexed by both
            import pandas as pd

            dims = np.arange(self.n_components) if dimensions is None else dimensions
            decoded.index = pd.MultiIndex.from_product(
                [np.asarray(dims).tolist(), range(n_steps)], names=["dimension", "step"])
            return decoded
        return decoded.reshape(*codes.shape[:2], -1)

    @abstractmethod
    def _sample_codes(self, n_samples, rng):
        """``n_samples`` float32 codes drawn with the RandomState ``rng``."""

    # Whether X may hold missing entries (NaN); a family that takes them says so.
    _allow_nan = False

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float32"]
        tags.input_tags.allow_nan = self._allow_nan
        return tags
