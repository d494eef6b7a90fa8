"""Plots in scikit-learn's Display pattern.

Each Display has ``from_estimator`` (compute from a fitted estimator, then
plot) and ``plot(ax=None)``, and sets ``ax_`` and ``figure_``. matplotlib is
an optional dependency (``pip install skae[plot]``), imported only when
something is drawn.
"""

from .._callbacks import ReconstructionHistory
from ._displays import (
    LatentSpaceDisplay,
    LatentTraversalDisplay,
    LossCurveDisplay,
    ReconstructionDisplay,
    ReconstructionHistoryDisplay,
    SampleGridDisplay,
)
from ._feature_errors import FeatureErrorDisplay

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
