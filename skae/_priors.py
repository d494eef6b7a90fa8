"""Densities over codes and their samplers.

A plain autoencoder has no prior of its own; ``sample`` draws codes from a
Gaussian (diagonal or full covariance) or a Gaussian mixture fitted to the
training codes, then decodes them. A variational autoencoder has the
standard normal prior, and a diagonal Gaussian posterior whose log density
the importance-sampled likelihood needs.
"""

import math
from dataclasses import dataclass

import numpy as np
import torch

LATENT_DENSITIES = ("diag", "full", "mixture")


@dataclass
class GaussianMixtureDensity:
    """Mixture weights ``(k,)``, means ``(k, d)`` and Cholesky factors ``(k, d, d)``."""

    weights: np.ndarray
    means: np.ndarray
    cholesky: np.ndarray

    def sample(self, n_samples, rng):
        """Draw ``n_samples`` codes with the numpy ``RandomState`` ``rng``."""
        k, d = self.means.shape
        component = rng.choice(k, size=n_samples, p=self.weights)
        z = rng.standard_normal((n_samples, d))
        return self.means[component] + np.einsum("nij,nj->ni", self.cholesky[component], z)


    def mean_and_std(self):
        """Mean and per-dimension standard deviation of the whole density."""
        mean = self.weights @ self.means
        variances = np.einsum("kij,kij->kj", self.cholesky, self.cholesky)
        second_moment = self.weights @ (variances + self.means**2)
        return mean, np.sqrt(np.maximum(second_moment - mean**2, 0.0))


def _cholesky(covariance):
    """Cholesky factor of a covariance matrix, regularised to be positive definite."""
    d = covariance.shape[0]
    scale = max(np.trace(covariance) / d, 1e-12)
    return np.linalg.cholesky(covariance + 1e-6 * scale * np.eye(d))


def fit_latent_density(codes, kind, n_mixture_components=10, random_state=None):
    """Fit a density of ``kind`` (one of ``LATENT_DENSITIES``) to ``codes``.

    The Gaussians accumulate their moments in float64 over chunks of the
    codes: no float64 copy of all the codes (a streamed fit's may be large).
    """
    if kind == "mixture":
        from sklearn.mixture import GaussianMixture

        gm = GaussianMixture(n_mixture_components, covariance_type="full",
                             random_state=random_state).fit(np.asarray(codes, np.float64))
        chol = np.stack([_cholesky(c) for c in gm.covariances_])
        return GaussianMixtureDensity(gm.weights_, gm.means_, chol)
    codes = np.asarray(codes)
    mean = codes.mean(axis=0, dtype=np.float64)
    covariance = np.zeros((codes.shape[1], codes.shape[1]))
    for start in range(0, len(codes), 1 << 16):
        centred = codes[start:start + (1 << 16)].astype(np.float64) - mean
        covariance += centred.T @ centred
    covariance /= len(codes)
    if kind == "diag":
        covariance = np.diag(np.diag(covariance))
    return GaussianMixtureDensity(np.ones(1), mean[None], _cholesky(covariance)[None])


@dataclass
class StandardNormal:
    """The standard normal prior over ``n_components``-dimensional codes."""

    n_components: int

    def sample(self, n_samples, rng):
        """Draw ``n_samples`` codes with the numpy ``RandomState`` ``rng``."""
        return rng.standard_normal((n_samples, self.n_components))

    def log_prob(self, z):
        """Log density of each row of the tensor ``z`` (summed over dimensions)."""
        return diagonal_normal_log_prob(z, torch.zeros_like(z), torch.zeros_like(z))


def diagonal_normal_log_prob(z, mean, log_var):
    """Log density of ``z`` under N(mean, diag(exp(log_var))), summed over the last axis."""
    return -0.5 * (
        (z - mean) ** 2 * torch.exp(-log_var) + log_var + math.log(2 * math.pi)
    ).sum(dim=-1)
