"""Objectives: reconstruction terms, sparsity penalties, the ELBO (math only)."""

import math
from abc import ABC, abstractmethod
from functools import partial

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from ._modules import GroupSoftmax, reparameterise, standardised
from ._priors import StandardNormal, diagonal_normal_log_prob


class ReconstructionLoss(ABC):
    """One reconstruction loss: everything skae needs to know of it, in one place.

    ``output_activation`` is the decoder's output activation the loss implies;
    with ``takes_logits`` the element-wise term takes the raw decoder output
    (the loss applies that activation itself, in a numerically stable form).
    ``data_range`` is the interval the data must lie in (None: any);
    ``sums_squares`` says a row's squared values must stay within float32's
    range; ``has_floor``, that :meth:`floor` is above 0 on some targets;
    ``has_scale``, that its likelihood has a scale (``log_scale``). Look a
    loss up once, by name, with :func:`get_loss`.
    """

    name = None
    output_activation = "identity"
    takes_logits = False
    data_range = None
    sums_squares = False
    has_floor = False  # a floor above 0 (see floor)
    has_scale = False  # a likelihood with a scale parameter (log_scale)

    @abstractmethod
    def elementwise(self, output, target):
        """The loss of every element, (n_samples, n_features)."""

    @abstractmethod
    def mean(self, output, target):
        """The loss averaged over the elements of a batch."""

    def floor(self, target):
        """The lowest element-wise value any output reaches on ``target``."""
        return torch.zeros_like(target)

    @abstractmethod
    def negative_log_likelihood(self, output, target, log_scale=None, observed=None):
        """-log p(x | z) of each sample in nats, summed over features (those
        where the mask ``observed`` is true, when given)."""

    @abstractmethod
    def of_reconstructions(self, X_true, X_pred):
        """The element-wise loss of reconstructions (after the output
        activation), numpy float64: what :func:`skae.metrics.reconstruction_error`
        averages."""

    def observed_count(self, observed):
        """Each row's number of observed features, from the mask ``observed``:
        what the mean over a row's observed entries divides by."""
        return observed.sum(dim=1)

    def __repr__(self):
        return f"{type(self).__name__}()"


def gaussian_nll(output, target, log_scale):
    """Element-wise -log N(target; output, exp(log_scale)^2), in nats."""
    standardised = (target - output) * torch.exp(-log_scale)
    return 0.5 * standardised**2 + log_scale + 0.5 * math.log(2 * math.pi)


def _summed(per_feature, observed):
    """The sum over features of each row, of the ``observed`` ones if given."""
    if observed is not None:
        per_feature = torch.where(observed, per_feature, 0.0)
    return per_feature.sum(1)


class SquaredError(ReconstructionLoss):
    """Squared error; as a likelihood, a Gaussian with mean ``output`` and the
    standard deviation ``exp(log_scale)`` shared by all features."""

    name = "squared_error"
    sums_squares = True
    has_scale = True

    def elementwise(self, output, target):
        return F.mse_loss(output, target, reduction="none")

    def mean(self, output, target):
        return F.mse_loss(output, target, reduction="mean")

    def negative_log_likelihood(self, output, target, log_scale=None, observed=None):
        return _summed(gaussian_nll(output, target, log_scale), observed)

    def of_reconstructions(self, X_true, X_pred):
        return (X_true - X_pred) ** 2


class StandardisedSquaredError(SquaredError):
    """Squared error of each column in its own standard deviations ``scale``
    (the training rows'): the squared error of standardised columns, for a
    network that standardises X (the dense autoencoders' ``scale``). As a
    likelihood, a Gaussian on the standardised columns."""

    def __init__(self, scale):
        self.scale = np.asarray(scale, dtype=np.float32)
        self._on_device = {}

    def __getstate__(self):
        return {"scale": self.scale}

    def __setstate__(self, state):
        self.__init__(state["scale"])

    def _scale(self, like):
        """``scale`` as a tensor of ``like``'s dtype and device (made once)."""
        key = (like.device, like.dtype)
        if key not in self._on_device:
            self._on_device[key] = torch.as_tensor(self.scale, dtype=like.dtype,
                                                   device=like.device)
        return self._on_device[key]

    def elementwise(self, output, target):
        return ((output - target) / self._scale(output)) ** 2

    def mean(self, output, target):
        return self.elementwise(output, target).mean()

    def negative_log_likelihood(self, output, target, log_scale=None, observed=None):
        scale = self._scale(output)
        return _summed(gaussian_nll(output / scale, target / scale, log_scale), observed)

    def of_reconstructions(self, X_true, X_pred):
        return ((X_true - X_pred) / self.scale) ** 2

    def __repr__(self):
        return f"{type(self).__name__}(n_features={len(self.scale)})"


class BinaryCrossEntropy(ReconstructionLoss):
    """Binary cross-entropy of data in [0, 1]; as a likelihood, a Bernoulli of
    the logits ``output``. Grey targets (neither 0 nor 1) keep it above their
    entropy, its floor."""

    name = "binary_crossentropy"
    output_activation = "sigmoid"
    takes_logits = True
    data_range = (0.0, 1.0)
    has_floor = True

    def elementwise(self, output, target):
        return F.binary_cross_entropy_with_logits(output, target, reduction="none")

    def mean(self, output, target):
        return F.binary_cross_entropy_with_logits(output, target, reduction="mean")

    def floor(self, target):
        return binary_entropy(target)

    def negative_log_likelihood(self, output, target, log_scale=None, observed=None):
        return _summed(self.elementwise(output, target), observed)

    def of_reconstructions(self, X_true, X_pred):
        p = np.clip(X_pred, 1e-7, 1 - 1e-7)
        return -(X_true * np.log(p) + (1 - X_true) * np.log1p(-p))


class TableLoss(ReconstructionLoss):
    """The reconstruction loss of a table with categorical columns, on the
    network columns of its :class:`~skae._columns.ColumnLayout`: squared
    error on each standardised numeric column, cross-entropy over each
    categorical column's levels (its ``groups``, raw scores whose softmax is
    the output activation).

    Each table column counts once: the element-wise terms are scaled by the
    number of network columns over the number of table columns, so that
    their mean over a row is the mean over its table columns, and
    :meth:`observed_count` counts a row's observed table columns (in the same
    scale). As a likelihood: a Gaussian on the numeric columns (the shared
    scale ``exp(log_scale)``), a categorical on each categorical column.
    """

    name = "table"
    takes_logits = True
    sums_squares = True
    has_scale = True

    def __init__(self, groups, n_encoded):
        self.groups = [tuple(group) for group in groups]
        self.n_encoded = n_encoded
        in_groups = sum(stop - start for start, stop in self.groups)
        self.n_columns = n_encoded - in_groups + len(self.groups)
        self.weight = n_encoded / self.n_columns
        self._inverse_sizes = torch.ones(n_encoded)
        self._column_index = torch.zeros(n_encoded, dtype=torch.long)
        for j, (start, stop, categorical) in enumerate(self._segments_by_column()):
            self._column_index[start:stop] = j
        for start, stop in self.groups:
            self._inverse_sizes[start:stop] = 1.0 / (stop - start)
        self._indices = {}  # device: (column of each network column, first of each column)

    @property
    def output_activation(self):
        return GroupSoftmax(self.groups)

    def _segments(self):
        """``(start, stop, categorical)`` of the runs of columns, in order."""
        at = 0
        for start, stop in self.groups:
            if start > at:
                yield at, start, False
            yield start, stop, True
            at = stop
        if at < self.n_encoded:
            yield at, self.n_encoded, False

    def _segments_by_column(self):
        """``(start, stop, categorical)`` of each table column, in order."""
        for a, b, categorical in self._segments():
            if categorical:
                yield a, b, True
            else:
                yield from ((c, c + 1, False) for c in range(a, b))

    def nll_terms(self, output, target, log_scale):
        """``(terms, observed)``: the element-wise -log p(x | z) of
        :meth:`negative_log_likelihood` (before its sum over a row), 0 where
        ``target`` is missing (NaN), and the mask of observed entries."""
        observed = ~torch.isnan(target)
        terms = self._terms(output, torch.where(observed, target, 0.0),
                            partial(gaussian_nll, log_scale=log_scale))
        return torch.where(observed, terms, 0.0), observed

    def column_sums(self, terms, observed):
        """``(sums, counts)`` of shape (n_columns,): the element-wise
        ``terms`` (0 where missing) summed per table column over the rows
        where it is observed (by the mask ``observed``), and their number."""
        if terms.device not in self._indices:
            # A column is observed in a row where its first network column is.
            firsts = [a for a, _, _ in self._segments_by_column()]
            self._indices[terms.device] = (self._column_index.to(terms.device),
                                           torch.tensor(firsts, device=terms.device))
        index, firsts = self._indices[terms.device]
        sums = terms.new_zeros(self.n_columns).index_add_(0, index, terms.sum(dim=0))
        return sums, observed[:, firsts].sum(dim=0).to(terms.dtype)

    def _terms(self, output, target, numeric):
        return torch.cat([
            -target[:, a:b] * torch.log_softmax(output[:, a:b], dim=1) if categorical
            else numeric(output[:, a:b], target[:, a:b])
            for a, b, categorical in self._segments()], dim=1)

    def elementwise(self, output, target):
        return self.weight * self._terms(
            output, target, lambda o, t: F.mse_loss(o, t, reduction="none"))

    def mean(self, output, target):
        return self.elementwise(output, target).mean()

    def observed_count(self, observed):
        sizes = self._inverse_sizes.to(observed.device)
        return self.weight * (observed * sizes).sum(dim=1)

    def negative_log_likelihood(self, output, target, log_scale=None, observed=None):
        return _summed(self._terms(output, target, partial(gaussian_nll, log_scale=log_scale)),
                       observed)

    def of_reconstructions(self, X_true, X_pred):
        terms = np.concatenate([
            -X_true[:, a:b] * np.log(np.clip(X_pred[:, a:b], 1e-12, None)) if categorical
            else (X_true[:, a:b] - X_pred[:, a:b]) ** 2
            for a, b, categorical in self._segments()], axis=1)
        return self.weight * terms

    def __repr__(self):
        return f"TableLoss(groups={self.groups}, n_encoded={self.n_encoded})"


# The reconstruction losses by name: the ``loss`` parameter's options.
RECONSTRUCTION_LOSSES = {loss.name: loss for loss in (SquaredError(), BinaryCrossEntropy())}


def get_loss(loss):
    """The :class:`ReconstructionLoss` named ``loss`` (or ``loss`` itself)."""
    return loss if isinstance(loss, ReconstructionLoss) else RECONSTRUCTION_LOSSES[loss]


def reconstruction_error(output, target, loss, per_sample=True):
    """Reconstruction error: the element-wise loss averaged over features.

    ``output`` is the raw decoder output (logits for binary cross-entropy).
    Returns one value per sample, or with ``per_sample=False`` the mean over
    the batch (the same value as the mean of the per-sample errors). Missing
    entries of ``target`` (NaN) are left out: see :func:`observed_error`.
    """
    loss = get_loss(loss)
    if torch.isnan(target).any():
        return observed_error(output, target, loss, per_sample)
    return loss.elementwise(output, target).mean(dim=1) if per_sample else loss.mean(
        output, target)


def observed_elementwise(output, target, loss):
    """``(terms, observed)``: the element-wise loss, 0 where ``target`` is
    missing (NaN, with no gradient there), and the mask of observed entries."""
    observed = ~torch.isnan(target)
    terms = get_loss(loss).elementwise(output, torch.where(observed, target, 0.0))
    return torch.where(observed, terms, 0.0), observed


def observed_error(output, target, loss, per_sample=True):
    """:func:`reconstruction_error` over the observed entries of ``target``
    only: per sample, the mean over its observed features (NaN for a row with
    none); over the batch, the mean over all observed entries. Branch-free,
    so that it exports to ONNX."""
    loss = get_loss(loss)
    terms, observed = observed_elementwise(output, target, loss)
    if per_sample:
        return terms.sum(dim=1) / loss.observed_count(observed)
    return terms.sum() / loss.observed_count(observed).sum().clamp_min(1)


def feature_errors(output, target, loss):
    """Each sample's element-wise loss over its number of observed features
    (0 at a missing entry): a row sums to its :func:`reconstruction_error`."""
    if torch.isnan(target).any():
        terms, observed = observed_elementwise(output, target, loss)
        return terms / get_loss(loss).observed_count(observed)[:, None]
    return get_loss(loss).elementwise(output, target) / target.shape[1]


def binary_entropy(target):
    """Element-wise entropy in nats of a Bernoulli with mean ``target`` (0 at
    0 and 1): the lowest binary cross-entropy any output reaches on it."""
    return -(torch.xlogy(target, target) + torch.xlogy(1 - target, 1 - target))


def l1_sparsity(codes):
    """Mean over the batch of the L1 norm of the codes."""
    return codes.abs().sum(dim=1).mean()


def kl_sparsity(codes, target):
    """Sum over code units of KL(target || mean activation), codes in (0, 1)."""
    eps = 1e-6
    rho_hat = codes.mean(dim=0).clamp(eps, 1 - eps)
    rho = target
    return (rho * torch.log(rho / rho_hat)
            + (1 - rho) * torch.log((1 - rho) / (1 - rho_hat))).sum()


def jacobian_frobenius(encode, x):
    """Mean over the batch of the squared Frobenius norm of the Jacobian of
    ``encode`` at each row of ``x``: the contractive penalty (Rifai et al.,
    2011), exact, one backward pass per code unit.

    Differentiable (for training) where gradients are enabled, a plain value
    where they are not (validation); the encoder's mode is the caller's.
    """
    keep_graph = torch.is_grad_enabled()
    with torch.enable_grad():
        x = x.detach().requires_grad_(True)
        codes = encode(x)
        total = codes.new_zeros(())
        for unit in range(codes.shape[1]):
            (rows,) = torch.autograd.grad(codes[:, unit].sum(), x, create_graph=keep_graph,
                                          retain_graph=True)
            total = total + rows.pow(2).sum()
    total = total / len(x)
    return total if keep_graph else total.detach()


class Penalty(ABC):
    """A term added to the reconstruction loss: called with the clean batch
    ``x``, the codes of the forward pass and the module, it returns a scalar."""

    @abstractmethod
    def __call__(self, x, codes, module):
        """The penalty of the batch, a scalar tensor."""


class L1Sparsity(Penalty):
    """The mean L1 norm of the codes."""

    def __call__(self, x, codes, module):
        return l1_sparsity(codes)


class KLSparsity(Penalty):
    """KL divergence of each code unit's mean activation from ``target``."""

    def __init__(self, target):
        self.target = target

    def __call__(self, x, codes, module):
        return kl_sparsity(codes, self.target)


class Contractive(Penalty):
    """The squared Frobenius norm of the encoder's Jacobian at ``x``, with
    respect to the columns the network sees (standardised, where it
    standardises X: as with a ``StandardScaler`` first)."""

    def __call__(self, x, codes, module):
        return jacobian_frobenius(module._encode_standardised, standardised(module, x))


class UserPenalty(Penalty):
    """A user's own penalty (the ``penalty`` parameter): ``function(x, codes,
    module)``, whose value must be a scalar tensor."""

    def __init__(self, function):
        self.function = function

    def __call__(self, x, codes, module):
        value = self.function(x, codes, module)
        if not (isinstance(value, torch.Tensor) and value.ndim == 0):
            shape = tuple(value.shape) if isinstance(value, torch.Tensor) else type(value).__name__
            raise ValueError(
                f"penalty must return a scalar tensor (the batch's penalty, added to the "
                f"loss); {self.function!r} returned {shape}.")
        return value


# sparsity name -> penalty, given the sparsity target
SPARSITY_PENALTIES = {
    "l1": lambda target: L1Sparsity(),
    "kl": KLSparsity,
}


class ColumnLosses:
    """Each table column's loss over an epoch's batches, training and
    validation apart: a criterion with a :class:`TableLoss` adds the
    element-wise terms of each batch's objective, summed per column (kept on
    the batch's device, so no batch waits for a copy), and the net reads the
    epoch's means once at its end (:meth:`pop`)."""

    def __init__(self, loss):
        self.loss = loss
        self._totals = {}

    def add(self, training, terms, observed, weight=1.0):
        """Add a batch's element-wise loss ``terms`` (0 where missing, each
        ``weight`` times a column's own loss) and its mask of ``observed``
        entries."""
        with torch.no_grad():
            sums, counts = self.loss.column_sums(terms.detach(), observed)
            sums = sums / weight
        if training in self._totals:
            kept = self._totals[training]
            sums, counts = kept[0] + sums, kept[1] + counts
        self._totals[training] = (sums, counts)

    def pop(self, training):
        """The mean loss of each table column over the batches added since
        the last call (NaN for a column never observed), or None if none."""
        if training not in self._totals:
            return None
        sums, counts = self._totals.pop(training)
        return (sums / counts).tolist()


def column_losses(loss):
    """A :class:`ColumnLosses` for a table's loss, else None."""
    return ColumnLosses(loss) if isinstance(loss, TableLoss) else None


class AutoencoderCriterion(nn.Module):
    """Named loss terms of a (possibly sparse or contractive) autoencoder.

    Called with the module's ``(decoder_output, codes)``, the clean input as
    target, and the batch ``x`` and ``module`` for the penalties, returns
    ``(objective, terms)``: the training objective and a dict
    ``{"reconstruction": ..., ["sparsity": ...], ["contractive": ...]}`` of
    scalar tensors whose sum it is. ``penalties`` maps each penalty's term
    name to ``(weight, penalty)``.
    """

    def __init__(self, loss="squared_error", penalties=None):
        super().__init__()
        self.loss = get_loss(loss)
        self.penalties = dict(penalties or {})
        self.column_losses = column_losses(self.loss)

    @property
    def term_names(self):
        return ("reconstruction", *self.penalties)

    def forward(self, y_pred, target, x=None, module=None):
        output, codes = y_pred
        if self.column_losses is None:
            reconstruction = reconstruction_error(output, target, self.loss, per_sample=False)
        else:  # the element-wise terms once, for the objective and each column's loss
            elementwise, observed = observed_elementwise(output, target, self.loss)
            reconstruction = elementwise.sum() / self.loss.observed_count(
                observed).sum().clamp_min(1)
            self.column_losses.add(self.training, elementwise, observed, self.loss.weight)
        terms = {"reconstruction": reconstruction}
        for name, (weight, penalty) in self.penalties.items():
            terms[name] = weight * penalty(target if x is None else x, codes, module)
        return sum(terms.values()), terms


# ------------------------------------------------------------ variational


def negative_log_likelihood(output, target, loss, log_scale=None):
    """-log p(x | z) of each sample in nats, summed over features, under the
    likelihood of the loss ``loss`` (see :class:`ReconstructionLoss`); over
    the observed features only where ``target`` has missing entries (NaN)."""
    loss = get_loss(loss)
    if torch.isnan(target).any():
        observed = ~torch.isnan(target)
        return loss.negative_log_likelihood(output, torch.where(observed, target, 0.0),
                                            log_scale, observed=observed)
    return loss.negative_log_likelihood(output, target, log_scale)


def gaussian_kl(mean, log_var):
    """KL(N(mean, diag(exp(log_var))) || N(0, I)) of each sample, in nats."""
    return 0.5 * (mean**2 + torch.exp(log_var) - 1.0 - log_var).sum(dim=-1)


def importance_log_weights(x, z, output, mean, log_var, loss, log_scale=None):
    """log p(x, z) - log q(z | x) for draws ``z`` of shape (k, n, d).

    ``output`` is the decoder output for ``z`` flattened to (k * n, ...);
    returns (k, n) log weights, whose log-mean-exp over k is the IWAE bound.
    """
    k, n = z.shape[:2]
    nll = negative_log_likelihood(output, x.repeat(k, 1), loss, log_scale).view(k, n)
    prior = StandardNormal(z.shape[-1]).log_prob(z)
    return -nll + prior - diagonal_normal_log_prob(z, mean, log_var)


def negative_elbo_terms(output, x, mean, log_var, loss, log_scale=None):
    """Per-sample -E_q[log p(x | z)] and KL(q(z | x) || p(z)), in nats.

    ``output`` is the decoder output for k draws per sample, stacked draw by
    draw ((k * n, ...), k >= 1); the expectation is their mean.
    """
    n = len(x)
    nll = negative_log_likelihood(output, x.repeat(len(output) // n, 1), loss, log_scale)
    return nll.view(-1, n).mean(0), gaussian_kl(mean, log_var)


def elbo(module, x, condition, noise, loss):
    """Per-sample ELBO in nats of a variational module (``posterior``,
    ``decode_draws``, ``log_scale``), with the standard-normal draws
    ``noise`` of shape (k, n or 1, d)."""
    mean, log_var = module.posterior(x, condition)
    z = reparameterise(mean, log_var, noise)
    nll, kl = negative_elbo_terms(module.decode_draws(z, condition), x, mean, log_var,
                                  loss, module.log_scale)
    return -nll - kl


def importance_log_likelihood(module, x, condition, n_draws, loss, generator,
                              draws_per_pass):
    """The IWAE bound of log p(x) of each sample, in nats: the log of the mean
    over ``n_draws`` posterior draws of p(x, z) / q(z | x), drawn with
    ``generator`` and decoded ``draws_per_pass`` at a time."""
    mean, log_var = module.posterior(x, condition)
    log_weights = []
    for start in range(0, n_draws, draws_per_pass):
        k = min(draws_per_pass, n_draws - start)
        noise = torch.randn((k, *mean.shape), generator=generator, device=x.device,
                            dtype=torch.float32)
        z = reparameterise(mean, log_var, noise)
        log_weights.append(importance_log_weights(
            x, z, module.decode_draws(z, condition), mean, log_var, loss, module.log_scale))
    return torch.logsumexp(torch.cat(log_weights), dim=0) - math.log(n_draws)


class ELBOCriterion(nn.Module):
    """Negative ELBO of a variational autoencoder, in nats per sample.

    Called with the module's ``(decoder_output, mean, log_var, log_scale)``
    and the input, returns ``(objective, {"reconstruction": ..., "kl": ...})``
    with batch means of -log p(x | z) and of KL(q(z | x) || p(z)). The
    objective weighs the KL by ``beta`` and, in training mode, by
    ``kl_weight`` (set by the KL warm-up); in evaluation mode the weight is
    ``beta`` alone, so validation losses compare across epochs.
    """

    term_names = ("reconstruction", "kl")

    def __init__(self, loss="binary_crossentropy", beta=1.0):
        super().__init__()
        self.loss = get_loss(loss)
        self.beta = beta
        self.kl_weight = 1.0
        self.column_losses = column_losses(self.loss)

    def forward(self, y_pred, target, x=None, module=None):
        output, mean, log_var, log_scale = y_pred
        if self.column_losses is None:
            nll, kl = negative_elbo_terms(output, target, mean, log_var, self.loss, log_scale)
        else:  # the element-wise terms once, for the objective and each column's loss
            draws = len(output) // len(target)
            terms, observed = self.loss.nll_terms(output, target.repeat(draws, 1), log_scale)
            self.column_losses.add(self.training, terms, observed)
            nll = terms.sum(dim=1).view(draws, -1).mean(0)
            kl = gaussian_kl(mean, log_var)
        reconstruction, kl = nll.mean(), kl.mean()
        weight = self.beta * (self.kl_weight if self.training else 1.0)
        return reconstruction + weight * kl, {"reconstruction": reconstruction, "kl": kl}


class ClassificationCriterion(nn.Module):
    """Cross-entropy of logits against class indices, as ``(objective, terms)``;
    the terms also carry the batch's accuracy, a metric (``metric_names``)
    that is logged but not minimised."""

    term_names = ("cross_entropy",)
    metric_names = ("accuracy",)

    def forward(self, logits, target, x=None, module=None):
        loss = F.cross_entropy(logits, target)
        accuracy = (logits.detach().argmax(dim=1) == target).float().mean()
        return loss, {"cross_entropy": loss, "accuracy": accuracy}


def sharpened_target(q):
    """DEC's target distribution: q squared over cluster frequency, renormalised."""
    weight = q**2 / q.sum(dim=0)
    return weight / weight.sum(dim=1, keepdim=True)


class ClusteringCriterion(nn.Module):
    """DEC / IDEC objective on ``(decoder_output, q, x)`` against the target P.

    ``clustering`` is KL(P || Q) averaged over the batch; with
    ``reconstruction=True`` (IDEC) the objective is
    ``reconstruction + gamma * clustering``, else (DEC) ``clustering`` alone.
    """

    def __init__(self, loss="squared_error", gamma=0.1, reconstruction=True):
        super().__init__()
        self.loss = get_loss(loss)
        self.gamma = gamma
        self.reconstruction = reconstruction

    @property
    def term_names(self):
        return ("reconstruction", "clustering") if self.reconstruction else ("clustering",)

    def forward(self, y_pred, target, x=None, module=None):
        output, q, x = y_pred
        clustering = F.kl_div(q.clamp_min(1e-12).log(), target, reduction="batchmean")
        if not self.reconstruction:
            return clustering, {"clustering": clustering}
        reconstruction = reconstruction_error(output, x, self.loss, per_sample=False)
        return (reconstruction + self.gamma * clustering,
                {"reconstruction": reconstruction, "clustering": clustering})
