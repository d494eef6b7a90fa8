"""Saving with skops: a fitted estimator's state is plain values and skae's own classes,
so that skops.io loads it trusting only the types the user guide lists."""

import re
from pathlib import Path

import numpy as np
import pytest

import skae

sio = pytest.importorskip("skops.io")

GUIDE = Path(__file__).parents[1] / "docs" / "user_guide" / "serving.md"
ONE = dict(max_iter=1, random_state=0)
# Each estimator of the guide's table with its default parameters, but for one epoch
# (a held autoencoder of the class the default would make).
ESTIMATORS = {
    name: getattr(skae, name)(**ONE) for name in (
        "Autoencoder", "DenoisingAutoencoder", "SparseAutoencoder", "ConvAutoencoder",
        "VariationalAutoencoder", "ConvVariationalAutoencoder",
        "ConditionalVariationalAutoencoder")
} | {
    "AutoencoderClassifier": skae.AutoencoderClassifier(skae.Autoencoder(**ONE), **ONE),
    "AutoencoderOutlierDetector": skae.AutoencoderOutlierDetector(skae.Autoencoder(**ONE)),
    "Reconstructor": skae.Reconstructor(skae.DenoisingAutoencoder(**ONE)),
    "DeepEmbeddedClustering": skae.DeepEmbeddedClustering(3, skae.Autoencoder(**ONE), **ONE),
    "AutoencoderImputer": skae.AutoencoderImputer(skae.Autoencoder(noise="missing", **ONE)),
}


def documented_types():
    text = GUIDE.read_text()
    table = text[text.index("skops-trusted-types: begin"):text.index("skops-trusted-types: end")]
    rows = re.findall(r"^\| `(\w+)` \| (.+) \|$", table, flags=re.M)
    return {name: set(re.findall(r"`([\w.]+)`", types)) for name, types in rows}


def outputs(est, X):
    methods = ("transform", "predict", "predict_proba", "score_samples", "decision_function")
    return [getattr(est, m)(X) for m in methods if hasattr(est, m)]


def test_the_guide_lists_every_estimator():
    assert set(documented_types()) == set(ESTIMATORS)


@pytest.mark.parametrize("name", ESTIMATORS)
def test_skops_loads_trusting_the_documented_types_only(name, digits, tmp_path):
    X, y = digits[0][:120], digits[1][:120] % 3
    est = ESTIMATORS[name]
    est.fit(X, y)  # y: ignored by the unsupervised
    path = tmp_path / "model.skops"
    sio.dump(est, path)
    trusted = documented_types()[name]
    assert set(sio.get_untrusted_types(file=path)) == trusted
    with pytest.raises(sio.exceptions.UntrustedTypesFoundException):
        sio.load(path, trusted=sorted(trusted - {next(iter(sorted(trusted)))}))
    loaded = sio.load(path, trusted=sorted(trusted))
    for got, expected in zip(outputs(loaded, X), outputs(est, X), strict=True):
        np.testing.assert_array_equal(got, expected)
