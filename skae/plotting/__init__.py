"""Plots in scikit-learn's Display pattern.

Each Display has ``from_estimator`` (compute from a fitted estimator, then
plot) and ``plot(ax=None)``, and sets ``ax_`` and ``figure_``. matplotlib is
an optional dependency (``pip install skae[plot]``), imported only when
something is drawn.
"""

from .._callbacks import ReconstructionHistory
from ._feature_errors import FeatureErrorDisplay
from ._latent_space import LatentSpaceDisplay
from ._latent_traversal import LatentTraversalDisplay
from ._loss_curve import LossCurveDisplay
from ._reconstruction import ReconstructionDisplay
from ._reconstruction_history import ReconstructionHistoryDisplay
from ._sample_grid import SampleGridDisplay

__all__ = [
    "FeatureErrorDisplay",
    "LatentSpaceDisplay",
    "LatentTraversalDisplay",
    "LossCurveDisplay",
    "ReconstructionDisplay",
    "ReconstructionHistory",
    "ReconstructionHistoryDisplay",
    "SampleGridDisplay",
]
