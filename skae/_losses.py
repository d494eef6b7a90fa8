"""Objectives: reconstruction terms and sparsity penalties (math only)."""

import torch
from torch import nn
from torch.nn import functional as F


def _squared_error(output, target):
    return (output - target).square()


def _binary_crossentropy(logits, target):
    return F.binary_cross_entropy_with_logits(logits, target, reduction="none")


# loss name -> (element-wise loss on the raw decoder output, output activation)
RECONSTRUCTION_LOSSES = {
    "squared_error": (_squared_error, "identity"),
    "binary_crossentropy": (_binary_crossentropy, "sigmoid"),
}


def reconstruction_error(output, target, loss):
    """Per-sample reconstruction error: the element-wise loss averaged over features.

    ``output`` is the raw decoder output (logits for binary cross-entropy).
    """
    return RECONSTRUCTION_LOSSES[loss][0](output, target).mean(dim=1)


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
    returns a dict ``{"reconstruction": ..., ["sparsity": ...]}`` of scalar
    tensors whose sum is the training objective.
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
        terms = {"reconstruction": reconstruction_error(output, target, self.loss).mean()}
        if self.sparsity:
            penalty = SPARSITY_PENALTIES[self.sparsity](codes, self.sparsity_target)
            terms["sparsity"] = self.sparsity_weight * penalty
        return terms
