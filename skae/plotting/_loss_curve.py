"""Loss curves of one or several fitted estimators."""

import numpy as np
from sklearn.utils.validation import check_is_fitted

from ._common import _axes, check_matplotlib_support


class LossCurveDisplay:
    """Training (and validation) loss per epoch of one or several estimators.

    Draw it with :meth:`from_estimator`, e.g. one curve per optimizer, or
    build it from the curves and call :meth:`plot`.

    Parameters
    ----------
    loss_curves : list of array-like
        Training loss per epoch, one per estimator.
    validation_loss_curves : list of (array-like or None), default=None
        Validation loss per epoch, one per estimator (None where there is none).
    names : list of str, default=None
        Legend label of each estimator.

    Attributes
    ----------
    lines_ : list of matplotlib Line2D
        The training curves, then the validation curves.
    ax_ : matplotlib Axes
        The axes drawn on.
    figure_ : matplotlib Figure
        The figure of ``ax_``.

    See Also
    --------
    ReconstructionHistoryDisplay : Reconstructions of fixed inputs as training went on.
    sklearn.model_selection.LearningCurveDisplay : Scores against training set sizes.

    Examples
    --------
    >>> from skae.plotting import LossCurveDisplay
    >>> display = LossCurveDisplay([[3.0, 2.0, 1.5]], [[3.2, 2.4, 2.0]], ["adam"])
    >>> len(display.plot().lines_)
    2
    """

    def __init__(self, loss_curves, validation_loss_curves=None, names=None):
        self.loss_curves = loss_curves
        self.validation_loss_curves = validation_loss_curves
        self.names = names

    def plot(self, ax=None, *, log_scale=False):
        """Draw the curves.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            Where to draw; a new figure when None.
        log_scale : bool, default=False
            Logarithmic loss axis.

        Returns
        -------
        display : LossCurveDisplay
            The display, with ``lines_``, ``ax_`` and ``figure_`` set.
        """
        check_matplotlib_support(f"{type(self).__name__}.plot")
        ax = _axes(ax)
        n = len(self.loss_curves)
        names = self.names or [None] * n
        validation = self.validation_loss_curves or [None] * n
        self.lines_ = []
        for curve, name in zip(self.loss_curves, names):
            label = "training" if name is None else f"{name} (training)"
            self.lines_ += ax.plot(np.arange(1, len(curve) + 1), curve, label=label)
        for curve, name, train_line in zip(validation, names, list(self.lines_)):
            if curve is not None:
                label = "validation" if name is None else f"{name} (validation)"
                self.lines_ += ax.plot(np.arange(1, len(curve) + 1), curve, "--",
                                       color=train_line.get_color(), label=label)
        ax.set(xlabel="epoch", ylabel="loss")
        if log_scale:
            ax.set_yscale("log")
        if any(name is not None for name in names) or any(c is not None for c in validation):
            ax.legend()
        self.ax_, self.figure_ = ax, ax.figure
        return self

    @classmethod
    def from_estimator(cls, estimator, *, ax=None, log_scale=False):
        """Plot the loss curves of fitted estimators.

        Parameters
        ----------
        estimator : estimator, list of estimators or dict
            Fitted skae estimators (anything with ``loss_curve_``); a dict maps
            legend labels to estimators, otherwise the class names label them.
        ax : matplotlib Axes, default=None
            Where to draw; a new figure when None.
        log_scale : bool, default=False
            Logarithmic loss axis.

        Returns
        -------
        display : LossCurveDisplay
            The display, with ``lines_``, ``ax_`` and ``figure_`` set.
        """
        check_matplotlib_support(f"{cls.__name__}.from_estimator")
        if isinstance(estimator, dict):
            names, estimators = list(estimator), list(estimator.values())
        elif isinstance(estimator, (list, tuple)):
            estimators = list(estimator)
            names = [type(e).__name__ for e in estimators]
        else:
            estimators, names = [estimator], [None]
        if not estimators:
            raise ValueError("estimator must hold at least one fitted estimator; got none.")
        for est in estimators:
            check_is_fitted(est, "loss_curve_")
        return cls(
            [est.loss_curve_ for est in estimators],
            [getattr(est, "validation_loss_curve_", None) for est in estimators],
            names,
        ).plot(ax=ax, log_scale=log_scale)
