"""Objectives: reconstruction terms, sparsity penalties, the ELBO (math only)."""

import math

import torch
from torch import nn
from torch.nn import functional as F

from ._modules import reparameterise
from ._priors import StandardNormal, diagonal_normal_log_prob

# loss name -> (element-wise loss of the raw decoder output, with a ``reduction``
# argument as torch's functional losses; the output activation it implies)
RECONSTRUCTION_LOSSES = {
    "squared_error": (F.mse_loss, "identity"),
    "binary_crossentropy": (F.binary_cross_entropy_with_logits, "sigmoid"),
}


def reconstruction_error(output, target, loss, per_sample=True):
    """Reconstruction error: the element-wise loss averaged over features.

    ``output`` is the raw decoder output (logits for binary cross-entropy).
    Returns one value per sample, or with ``per_sample=False`` the mean over
    the batch (the same value as the mean of the per-sample errors).
    """
    if per_sample:
        return elementwise_error(output, target, loss).mean(dim=1)
    return RECONSTRUCTION_LOSSES[loss][0](output, target, reduction="mean")


def elementwise_error(output, target, loss):
    """The loss of every element, (n_samples, n_features): what
    :func:`reconstruction_error` averages."""
    return RECONSTRUCTION_LOSSES[loss][0](output, target, reduction="none")


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


SPARSITY_PENALTIES = {
    "l1": lambda codes, target: l1_sparsity(codes),
    "kl": kl_sparsity,
}


class AutoencoderCriterion(nn.Module):
    """Named loss terms of a (possibly sparse) autoencoder.

    Called with the module's ``(decoder_output, codes)`` and the clean input,
    returns ``(objective, terms)``: the training objective and a dict
    ``{"reconstruction": ..., ["sparsity": ...]}`` of scalar tensors whose
    sum it is.
    """

    def __init__(self, loss="squared_error", sparsity=None, sparsity_weight=0.0,
                 sparsity_target=0.05):
        super().__init__()
        self.loss = loss
        self.sparsity = sparsity
        self.sparsity_weight = sparsity_weight
        self.sparsity_target = sparsity_target

    @property
    def term_names(self):
        return ("reconstruction",) + (("sparsity",) if self.sparsity else ())

    def forward(self, y_pred, target):
        output, codes = y_pred
        terms = {"reconstruction": reconstruction_error(output, target, self.loss,
                                                        per_sample=False)}
        if self.sparsity:
            penalty = SPARSITY_PENALTIES[self.sparsity](codes, self.sparsity_target)
            terms["sparsity"] = self.sparsity_weight * penalty
        return sum(terms.values()), terms


# ------------------------------------------------------------ variational


def negative_log_likelihood(output, target, loss, log_scale=None):
    """-log p(x | z) of each sample in nats, summed over features.

    ``loss="binary_crossentropy"`` is the Bernoulli likelihood of logits
    ``output``; ``loss="squared_error"`` is the Gaussian likelihood with mean
    ``output`` and the standard deviation ``exp(log_scale)`` shared by all
    features.
    """
    if loss == "binary_crossentropy":
        return F.binary_cross_entropy_with_logits(output, target, reduction="none").sum(1)
    standardised = (target - output) * torch.exp(-log_scale)
    per_feature = 0.5 * standardised**2 + log_scale + 0.5 * math.log(2 * math.pi)
    return per_feature.sum(1)


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
        self.loss = loss
        self.beta = beta
        self.kl_weight = 1.0

    def forward(self, y_pred, target):
        output, mean, log_var, log_scale = y_pred
        nll, kl = negative_elbo_terms(output, target, mean, log_var, self.loss, log_scale)
        reconstruction, kl = nll.mean(), kl.mean()
        weight = self.beta * (self.kl_weight if self.training else 1.0)
        return reconstruction + weight * kl, {"reconstruction": reconstruction, "kl": kl}


class ClassificationCriterion(nn.Module):
    """Cross-entropy of logits against class indices, as ``(objective, terms)``;
    the terms also carry the batch's accuracy, a metric (``metric_names``)
    that is logged but not minimised."""

    term_names = ("cross_entropy",)
    metric_names = ("accuracy",)

    def forward(self, logits, target):
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
        self.loss = loss
        self.gamma = gamma
        self.reconstruction = reconstruction

    @property
    def term_names(self):
        return ("reconstruction", "clustering") if self.reconstruction else ("clustering",)

    def forward(self, y_pred, target):
        output, q, x = y_pred
        clustering = F.kl_div(q.clamp_min(1e-12).log(), target, reduction="batchmean")
        if not self.reconstruction:
            return clustering, {"clustering": clustering}
        reconstruction = reconstruction_error(output, x, self.loss, per_sample=False)
        return (reconstruction + self.gamma * clustering,
                {"reconstruction": reconstruction, "clustering": clustering})
