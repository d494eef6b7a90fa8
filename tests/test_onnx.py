"""ONNX export through skl2onnx: onnxruntime gives skae's outputs (skipped
without the onnx extra)."""

import numpy as np
import pytest
import torch
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import skae
from skae import (
    Autoencoder,
    AutoencoderClassifier,
    AutoencoderImputer,
    AutoencoderOutlierDetector,
    ConditionalVariationalAutoencoder,
    ConvAutoencoder,
    DeepEmbeddedClustering,
    DenoisingAutoencoder,
    Reconstructor,
    VariationalAutoencoder,
)

for _module in ("skl2onnx", "onnxruntime", "onnxscript"):
    pytest.importorskip(_module)
import onnxruntime  # noqa: E402
from skl2onnx import to_onnx  # noqa: E402

import skae.onnx  # noqa: E402, F401  (registers the converters)

FAST = dict(max_iter=3, random_state=0)
# ONNX computes in float32 and skae in float64 on the CPU: they agree to
# float32's precision (relative 1e-5, and absolute 1e-6 for values near 0).
TOLERANCE = dict(rtol=1e-5, atol=1e-6)


def run(model, X, options=None):
    onx = to_onnx(model, X[:1], options=options)
    session = onnxruntime.InferenceSession(onx.SerializeToString(),
                                           providers=["CPUExecutionProvider"])
    return session.run(None, {session.get_inputs()[0].name: X})


@pytest.fixture(scope="module")
def data(digits):
    X, y = digits
    return X[:600], y[:600], X[1500:1600]


# Denoising and sparse autoencoders build the module Autoencoder does (noise and
# penalties act in training only): one dense case covers them.
@pytest.mark.parametrize("estimator", [
    Autoencoder(batch_norm=True, dropout=0.2, **FAST),
    ConvAutoencoder(image_shape=(1, 8, 8), channels=(4, 8), **FAST),
    VariationalAutoencoder(**FAST),  # its Gaussian head; the conv VAE adds nothing new
], ids=lambda e: f"{type(e).__name__}")
def test_autoencoders_convert_to_their_transform(estimator, data):
    X, _, X_test = data
    estimator.fit(X)
    (codes,) = run(estimator, X_test)
    np.testing.assert_allclose(codes, estimator.transform(X_test), **TOLERANCE)
    (one,) = run(estimator, X_test[:1])  # any number of rows, one included
    np.testing.assert_allclose(one, estimator.transform(X_test[:1]), **TOLERANCE)


@pytest.mark.parametrize("params", [dict(add_indicator=True), dict(missing_values=-1.0,
                                                                      scale=False)])
def test_the_imputer_converts_to_its_transform(params, data):
    X, _, X_test = data
    rng = np.random.default_rng(0)
    code = params.get("missing_values", np.nan)
    X, X_test = (np.where(rng.random(A.shape) < 0.2, code, A).astype(np.float32)
                 for A in (X, X_test))
    imputer = AutoencoderImputer(Autoencoder(noise="missing", **FAST), **params).fit(X)
    (imputed,) = run(imputer, X_test)
    np.testing.assert_allclose(imputed, imputer.transform(X_test), **TOLERANCE)


def test_a_pipeline_with_an_autoencoder_converts_as_a_whole(data):
    X, y, X_test = data
    pipeline = make_pipeline(StandardScaler(), Autoencoder(**FAST),
                             LogisticRegression(max_iter=300)).fit(X, y)
    labels, probabilities = run(pipeline, X_test, options={LogisticRegression:
                                                           {"zipmap": False}})
    np.testing.assert_array_equal(labels, pipeline.predict(X_test))
    np.testing.assert_allclose(probabilities, pipeline.predict_proba(X_test), rtol=1e-4,
                               atol=1e-5)


def test_float64_rows_are_cast_on_the_way_in_and_out(data):
    # numpy's default dtype: the converted graph takes it, as scikit-learn's do.
    X, y, X_test = data
    X, X_test = X.astype(np.float64), X_test.astype(np.float64)
    ae = Autoencoder(**FAST).fit(X)
    (codes,) = run(ae, X_test)
    assert codes.dtype == np.float64
    np.testing.assert_allclose(codes, ae.transform(X_test), **TOLERANCE)
    pipeline = make_pipeline(StandardScaler(), Autoencoder(**FAST),
                             LogisticRegression(max_iter=300)).fit(X, y)
    labels, _ = run(pipeline, X_test, options={LogisticRegression: {"zipmap": False}})
    np.testing.assert_array_equal(labels, pipeline.predict(X_test))


def test_reconstructor_converts_to_the_reconstructions(data):
    X, _, X_test = data
    step = Reconstructor(DenoisingAutoencoder(**FAST)).fit(X)
    (reconstructions,) = run(step, X_test)
    np.testing.assert_allclose(reconstructions, step.transform(X_test), **TOLERANCE)


def test_classifier_converts_to_predict_and_predict_proba(data):
    X, y, X_test = data
    y = np.array(["digit " + str(v) for v in y])  # labels looked up in the graph
    clf = AutoencoderClassifier(autoencoder=Autoencoder(**FAST), **FAST).fit(X, y)
    predicted, probabilities = run(clf, X_test, options={id(clf): {"zipmap": False}})
    np.testing.assert_array_equal(predicted, clf.predict(X_test))
    np.testing.assert_allclose(probabilities, clf.predict_proba(X_test), **TOLERANCE)


def test_outlier_detector_converts_to_predict_and_decision_function(data):
    X, _, X_test = data
    # Binary cross-entropy: the loss whose formula (on logits) the graph must carry.
    detector = AutoencoderOutlierDetector(Autoencoder(loss="binary_crossentropy", **FAST),
                                          random_state=0).fit(X)
    predicted, scores = run(detector, X_test)
    np.testing.assert_array_equal(predicted, detector.predict(X_test))
    np.testing.assert_allclose(scores.ravel(), detector.decision_function(X_test),
                               **TOLERANCE)


def test_what_cannot_convert_says_why(data):
    X, y, X_test = data
    cvae = ConditionalVariationalAutoencoder(**FAST).fit(X, y)
    with pytest.raises(TypeError, match="ConditionalVariationalAutoencoder does not convert"):
        to_onnx(cvae, X_test[:1])
    detector = AutoencoderOutlierDetector(VariationalAutoencoder(**FAST),
                                          random_state=0).fit(X)
    with pytest.raises(TypeError, match="over a VariationalAutoencoder does not convert"):
        to_onnx(detector, X_test[:1])

    class DataDependent(torch.nn.Module):  # control flow on values: torch.export refuses
        def __init__(self, n_in, n_out):
            super().__init__()
            self.linear = torch.nn.Linear(n_in, n_out)

        def forward(self, x):
            out = self.linear(x)
            return out if out.sum().item() > 0 else -out

    ae = Autoencoder(n_components=4, encoder=DataDependent(64, 4),
                     decoder=torch.nn.Linear(4, 64), **FAST).fit(X)
    with pytest.raises(TypeError, match="torch.onnx cannot export the network of Autoencoder"):
        to_onnx(ae, X_test[:1])


def test_importing_skae_onnx_without_its_extra_names_the_extra(monkeypatch):
    import importlib
    import sys

    monkeypatch.setitem(sys.modules, "skl2onnx", None)
    monkeypatch.delitem(sys.modules, "skae.onnx")
    with pytest.raises(ImportError, match=r'pip install "skae\[onnx\]"'):
        importlib.import_module("skae.onnx")
    assert skae.Autoencoder  # skae itself imports without it


def test_deep_embedded_clustering_converts_to_predict_and_transform(data):
    X, _, X_test = data
    dec = DeepEmbeddedClustering(4, Autoencoder(n_components=3, **FAST), update_interval=2,
                                 n_init=2, **FAST).fit(X)
    labels, codes = run(dec, X_test)
    np.testing.assert_array_equal(labels, dec.predict(X_test))
    np.testing.assert_allclose(codes, dec.transform(X_test), **TOLERANCE)
