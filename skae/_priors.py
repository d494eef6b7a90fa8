"""Densities over codes and their samplers (numpy math only).

A plain autoencoder has no prior of its own; ``sample`` draws codes from a
Gaussian (diagonal or full covariance) or a Gaussian mixture fitted to the
training codes, then decodes them.
"""

from dataclasses import dataclass

import numpy as np

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


def _cholesky(covariance):
    """Cholesky factor of a covariance matrix, regularised to be positive definite."""
    d = covariance.shape[0]
    scale = max(np.trace(covariance) / d, 1e-12)
    return np.linalg.cholesky(covariance + 1e-6 * scale * np.eye(d))


def fit_latent_density(codes, kind, n_mixture_components=10, random_state=None):
    """Fit a density of ``kind`` (one of ``LATENT_DENSITIES``) to ``codes``."""
    codes = np.asarray(codes, dtype=np.float64)
    if kind == "mixture":
        from sklearn.mixture import GaussianMixture

        gm = GaussianMixture(n_mixture_components, covariance_type="full",
                             random_state=random_state).fit(codes)
        chol = np.stack([_cholesky(c) for c in gm.covariances_])
        return GaussianMixtureDensity(gm.weights_, gm.means_, chol)
    mean = codes.mean(axis=0)
    centred = codes - mean
    covariance = centred.T @ centred / len(codes)
    if kind == "diag":
        covariance = np.diag(np.diag(covariance))
    return GaussianMixtureDensity(np.ones(1), mean[None], _cholesky(covariance)[None])
