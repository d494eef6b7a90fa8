"""skae: autoencoders that are scikit-learn estimators, trained by PyTorch through skorch."""

from ._autoencoder import Autoencoder, DenoisingAutoencoder, SparseAutoencoder
from ._classifier import AutoencoderClassifier
from ._clustering import DeepEmbeddedClustering
from ._conv import ConvAutoencoder
from ._outlier import AutoencoderOutlierDetector, Reconstructor
from ._vae import (
    ConditionalVariationalAutoencoder,
    ConvVariationalAutoencoder,
    VariationalAutoencoder,
)

__version__ = "0.1.0"

__all__ = [
    "Autoencoder",
    "AutoencoderClassifier",
    "AutoencoderOutlierDetector",
    "ConditionalVariationalAutoencoder",
    "ConvAutoencoder",
    "ConvVariationalAutoencoder",
    "DeepEmbeddedClustering",
    "DenoisingAutoencoder",
    "Reconstructor",
    "SparseAutoencoder",
    "VariationalAutoencoder",
]
