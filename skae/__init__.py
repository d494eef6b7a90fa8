"""skae: autoencoders that are scikit-learn estimators, trained by PyTorch through skorch."""

from ._autoencoder import Autoencoder, DenoisingAutoencoder, SparseAutoencoder
from ._conv import ConvAutoencoder

__version__ = "0.1.0"

__all__ = [
    "Autoencoder",
    "ConvAutoencoder",
    "DenoisingAutoencoder",
    "SparseAutoencoder",
]
