"""scikit-learn's experimental callback API (scikit-learn >= 1.9): each epoch of a fit
is a task that callbacks see, through Pipelines too; skipped on older versions."""

import pickle

import numpy as np
import pytest
from sklearn.cluster import KMeans
from sklearn.pipeline import Pipeline

from skae import Autoencoder, AutoencoderClassifier, VariationalAutoencoder

pytest.importorskip("sklearn.callback")


class Recorder:
    """Records the hooks it sees; asks to stop at the end of epoch ``stop_at``."""

    def __init__(self, stop_at=None):
        self.stop_at = stop_at
        self.events = []

    def setup(self, estimator, context):
        self.events.append("setup")

    def teardown(self, estimator, context):
        self.events.append("teardown")

    def on_fit_task_begin(self, estimator, context, **kwargs):
        self.events.append(("begin", context.task_name))

    def on_fit_task_end(self, estimator, context, *, metadata=None, **kwargs):
        self.events.append(("end", context.task_name))
        if context.task_name == "epoch":
            assert np.isfinite(metadata["train_loss"])
            epochs = sum(event == ("end", "epoch") for event in self.events)
            return epochs == self.stop_at
        return False


def small(estimator=Autoencoder, **params):
    return estimator(**{"hidden_layer_sizes": (16,), "n_components": 2, "max_iter": 3,
                        "random_state": 0, **params})


@pytest.mark.parametrize("estimator", [Autoencoder, VariationalAutoencoder])
def test_each_epoch_is_a_task(estimator, digits):
    recorder = Recorder()
    model = small(estimator).set_callbacks(recorder).fit(digits[0][:200])
    epoch = [("begin", "epoch"), ("end", "epoch")]
    assert recorder.events == ["setup", ("begin", "fit")] + epoch * 3 + [("end", "fit"),
                                                                        "teardown"]
    pickle.loads(pickle.dumps(model))  # nothing of the callbacks' run stays behind


def test_a_callback_that_asks_to_stop_ends_training(digits, capsys):
    model = small(max_iter=10, verbose=1).set_callbacks(Recorder(stop_at=2))
    model.fit(digits[0][:200])
    assert model.n_iter_ == 2
    assert "a scikit-learn callback asked to stop" in capsys.readouterr().out


@pytest.mark.filterwarnings("ignore:The estimator KMeans does not support callbacks")
def test_the_classifier_and_a_pipeline_propagate(digits):
    X, y = digits[0][:200], digits[1][:200]
    recorder = Recorder()
    AutoencoderClassifier(autoencoder=small(max_iter=1), max_iter=2,
                          random_state=0).set_callbacks(recorder).fit(X, y)
    assert recorder.events.count(("end", "epoch")) == 2
    propagated = Propagated()
    pipe = Pipeline([("ae", small()), ("km", KMeans(2, n_init=1, random_state=0))])
    pipe.set_callbacks(propagated).fit(X)
    # The Pipeline's own tasks, and the autoencoder's fit with its 3 epochs inside them.
    assert propagated.events.count(("end", "epoch")) == 3
    assert propagated.events.count("setup") == 1


class Propagated(Recorder):
    """A callback the Pipeline hands on to its steps."""

    max_propagation_depth = None


def test_a_failed_fit_still_tears_its_callbacks_down(digits):
    recorder = Recorder()
    X = digits[0][:200].copy()
    X[3, 3] = np.inf
    with pytest.raises(ValueError):
        small().set_callbacks(recorder).fit(X)
    assert recorder.events.count("setup") == recorder.events.count("teardown")


@pytest.mark.filterwarnings("ignore:The estimator KMeans does not support callbacks")
def test_progress_bar_through_a_pipeline(digits):
    pytest.importorskip("rich")
    from sklearn.callback import ProgressBar

    pipe = Pipeline([("ae", small()), ("km", KMeans(2, n_init=1, random_state=0))])
    pipe.set_callbacks(ProgressBar(max_propagation_depth=None)).fit(digits[0][:200])
    assert pipe[0].n_iter_ == 3
