"""skae: autoencoders that are scikit-learn estimators, trained by PyTorch through skorch."""

import importlib

from ._autoencoder import Autoencoder, DenoisingAutoencoder, SparseAutoencoder
from ._classifier import AutoencoderClassifier
from ._clustering import DeepEmbeddedClustering
from ._config import config_context, get_config, set_config
from ._conv import ConvAutoencoder
from ._cvae import ConditionalVariationalAutoencoder
from ._impute import AutoencoderImputer
from ._outlier import AutoencoderOutlierDetector, Reconstructor
from ._vae import ConvVariationalAutoencoder, VariationalAutoencoder

__version__ = "0.1.0"

# Submodules loaded on first use, as scikit-learn does: ``import skae`` then
# ``skae.metrics.cluster_accuracy`` works, and matplotlib is not imported.
_SUBMODULES = ("datasets", "metrics", "plotting")


def __getattr__(name):
    if name in _SUBMODULES:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted({*globals(), *_SUBMODULES})


__all__ = [
    "Autoencoder",
    "AutoencoderClassifier",
    "AutoencoderImputer",
    "AutoencoderOutlierDetector",
    "ConditionalVariationalAutoencoder",
    "ConvAutoencoder",
    "ConvVariationalAutoencoder",
    "DeepEmbeddedClustering",
    "DenoisingAutoencoder",
    "Reconstructor",
    "SparseAutoencoder",
    "VariationalAutoencoder",
    "config_context",
    "get_config",
    "set_config",
]
