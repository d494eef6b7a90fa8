"""Objectives: reconstruction terms and sparsity penalties (math only)."""

import torch
from torch import nn
from torch.nn import functional as F

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
    loss_fn = RECONSTRUCTION_LOSSES[loss][0]
    if per_sample:
        return loss_fn(output, target, reduction="none").mean(dim=1)
    return loss_fn(output, target, reduction="mean")


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
        terms = {"reconstruction": reconstruction_error(output, target, self.loss,
                                                        per_sample=False)}
        if self.sparsity:
            penalty = SPARSITY_PENALTIES[self.sparsity](codes, self.sparsity_target)
            terms["sparsity"] = self.sparsity_weight * penalty
        return terms
