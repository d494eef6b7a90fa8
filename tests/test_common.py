"""Tests every public estimator must pass."""

import ast
import copy
import inspect
import pickle
import re
import warnings

import numpy as np
import pytest
import torch
from sklearn.base import clone
from sklearn.exceptions import InconsistentVersionWarning, NotFittedError
from sklearn.frozen import FrozenEstimator
from sklearn.utils.estimator_checks import parametrize_with_checks
from torch import nn

import skae
from skae import (
    Autoencoder,
    AutoencoderClassifier,
    AutoencoderImputer,
    AutoencoderOutlierDetector,
    ConditionalVariationalAutoencoder,
    ConvAutoencoder,
    ConvVariationalAutoencoder,
    DeepEmbeddedClustering,
    DenoisingAutoencoder,
    Reconstructor,
    SparseAutoencoder,
    VariationalAutoencoder,
)
from skae._vae import BaseVariationalAutoencoder

# Few epochs keep the checks fast; they test the contract, not the quality of the fit.
FAST = dict(max_iter=3, random_state=0)
ESTIMATORS = [
    Autoencoder(n_components=2, hidden_layer_sizes=(8,), **FAST),
    Autoencoder(n_components=2, hidden_layer_sizes=(8,), output_activation="sigmoid",
                code_activation="tanh", **FAST),
    ConvAutoencoder(n_components=2, channels=((4, 3),), kernel_size=(3,), stride=(2,),
                    padding=(2,), weight_init="he_normal", **FAST),
    DenoisingAutoencoder(n_components=2, hidden_layer_sizes=(8,), decoder_layer_sizes=(4, 8),
                         **FAST),
    SparseAutoencoder(n_components=2, hidden_layer_sizes=(8,), weight_l1=1e-4, **FAST),
    VariationalAutoencoder(n_components=2, hidden_layer_sizes=(8,), **FAST),
    VariationalAutoencoder(n_components=2, hidden_layer_sizes=(8,), likelihood_scale=0.5,
                           output_activation="sigmoid", **FAST),
    ConvVariationalAutoencoder(n_components=2, channels=(4,), decoder_channels=(3,),
                               hidden_layer_sizes=(8,), activation=nn.LeakyReLU(0.2), **FAST),
    ConditionalVariationalAutoencoder(n_components=2, hidden_layer_sizes=(8,), **FAST),
]
# Variants of a class are named by what they set.
VARIANTS = {"likelihood_scale": "fixed-scale", "output_activation": "activations"}
ids = [type(est).__name__ + "".join(
    f"-{name}" for param, name in VARIANTS.items()
    if est.get_params().get(param) not in (None, "learned")) for est in ESTIMATORS]
# scikit-learn's check_classifiers_train asks for 83% training accuracy: 40
# epochs at a step of 1e-2 reach it (every variant passed it on 20 seeds), in
# half the time of 100 epochs at the default 1e-3.
CLASSIFIER_FAST = dict(max_iter=40, learning_rate_init=1e-2, random_state=0)
# Estimators built on an autoencoder: the scikit-learn checks and the generic
# contract tests below; the autoencoder-only tests do not apply.
WRAPPERS = [
    AutoencoderOutlierDetector(Autoencoder(n_components=2, hidden_layer_sizes=(8,), **FAST)),
    AutoencoderOutlierDetector(Autoencoder(n_components=2, hidden_layer_sizes=(8,), **FAST),
                               contamination=0.1),
    Reconstructor(Autoencoder(n_components=2, hidden_layer_sizes=(8,), **FAST)),
    AutoencoderClassifier(Autoencoder(n_components=2, hidden_layer_sizes=(8,), **FAST),
                          hidden_layer_sizes=(8,), **CLASSIFIER_FAST),
    AutoencoderClassifier(Autoencoder(n_components=2, hidden_layer_sizes=(8,), max_iter=30),
                          freeze_encoder=True, **CLASSIFIER_FAST),
    AutoencoderClassifier(Autoencoder(n_components=2, hidden_layer_sizes=(8,)),
                          hidden_layer_sizes=(8,), pretrain=False, **CLASSIFIER_FAST),
    AutoencoderClassifier(Autoencoder(n_components=2, hidden_layer_sizes=(8,), batch_norm=True,
                                      dropout=0.1, **FAST),
                          hidden_layer_sizes=(8,), batch_norm=True, dropout=0.1,
                          weight_init="glorot_uniform", **CLASSIFIER_FAST),
    AutoencoderImputer(Autoencoder(n_components=2, hidden_layer_sizes=(8,), noise="missing",
                                   **FAST), add_indicator=True),
    DeepEmbeddedClustering(3, Autoencoder(n_components=2, hidden_layer_sizes=(8,), **FAST),
                           update_interval=2, n_init=2, **FAST),
]
wrapper_ids = ["AutoencoderOutlierDetector-auto", "AutoencoderOutlierDetector-0.1",
               "Reconstructor", "AutoencoderClassifier", "AutoencoderClassifier-frozen",
               "AutoencoderClassifier-from-scratch", "AutoencoderClassifier-batch-norm",
               "AutoencoderImputer", "DeepEmbeddedClustering"]


# Every estimator as its constructor makes it (few epochs where it has max_iter, or
# for the default autoencoder of a wrapper that has none): the checks seed it through
# random_state, which every estimator takes.
def few_epochs(cls):
    params = {"max_iter": 3} if "max_iter" in cls().get_params() else {}
    if hasattr(cls, "_default_autoencoder"):
        params["autoencoder"] = cls._default_autoencoder().set_params(max_iter=3)
    return cls(**params)


DEFAULTS = [few_epochs(cls) for cls in (getattr(skae, name) for name in skae.__all__)
            if isinstance(cls, type)]


def test_every_public_estimator_is_tested():
    public = {name for name in skae.__all__ if isinstance(getattr(skae, name), type)}
    assert public == {type(est).__name__ for est in ESTIMATORS + WRAPPERS}


@pytest.mark.parametrize("cls", sorted({type(est) for est in ESTIMATORS + WRAPPERS},
                                        key=lambda cls: cls.__name__))
def test_documented_defaults_are_the_signature_defaults(cls):
    # Every parameter documents its default ("name : type, default=value"), and
    # that value is the one __init__ gives it: a default changed in one place only
    # (say tol, which differs between families) fails here.
    documented = dict(re.findall(r"^    (\w+) : [^\n]*?default=([^\n]+)$", cls.__doc__, re.M))
    parameters = inspect.signature(cls.__init__).parameters
    assert set(documented) == set(parameters) - {"self"}
    for name, text in documented.items():
        default = parameters[name].default
        if text.strip() == "np.nan":  # not a literal: scikit-learn's imputers' default
            assert isinstance(default, float) and np.isnan(default), (name, default)
            continue
        assert ast.literal_eval(text.strip()) == default, (name, text, default)
        assert type(ast.literal_eval(text.strip())) is type(default) or isinstance(
            default, (int, float)), (name, text, default)


# scikit-learn's checks fit on as few as one feature: wider codes warn, as they should.
WIDE_CODE = "ignore:n_components=.* is not below n_features"


@pytest.mark.filterwarnings(WIDE_CODE)
@parametrize_with_checks(ESTIMATORS + WRAPPERS)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)


@pytest.mark.filterwarnings(WIDE_CODE)
@parametrize_with_checks(DEFAULTS)
def test_sklearn_compatible_default_estimator(estimator, check):
    check(estimator)


@pytest.fixture(params=ESTIMATORS, ids=ids)
def estimator(request):
    return clone(request.param)


def fit(est, X):
    """``est.fit(X)``, with three classes as y when the estimator requires y."""
    if est.__sklearn_tags__().target_tags.required:
        return est.fit(X, np.arange(len(X)) % 3)
    return est.fit(X)


def decode(est, codes):
    """``est.inverse_transform(codes)``, as class 0 for a conditional estimator."""
    if est.__sklearn_tags__().target_tags.required:
        return est.inverse_transform(codes, np.zeros(len(codes), dtype=int))
    return est.inverse_transform(codes)


def test_method_output_shapes(estimator, X_small):
    est = estimator.set_params(n_components=3)
    assert fit(est, X_small) is est
    codes = est.transform(X_small)
    assert codes.shape == (40, 3) and codes.dtype == np.float32
    assert est.fit_transform(X_small, np.arange(40) % 3).shape == (40, 3)
    assert decode(est, codes).shape == (40, 16)
    assert est.score_samples(X_small).shape == (40,)
    assert isinstance(est.score(X_small), float)
    assert est.sample().shape == (1, 16)
    assert est.sample(5, random_state=0).shape == (5, 16)
    assert list(est.get_feature_names_out()) == [
        f"{type(est).__name__.lower()}{i}" for i in range(3)]
    assert est.n_iter_ == len(est.loss_curve_) == 3


def test_clone_is_unfitted_with_same_params(estimator, X_small):
    est = fit(estimator, X_small)
    copy = clone(est)

    def comparable(params):  # torch modules are deep-copied: compare their layer tables
        return {k: repr(v) if isinstance(v, nn.Module) else v for k, v in params.items()}

    assert comparable(copy.get_params()) == comparable(est.get_params())
    assert not hasattr(copy, "net_")


def plain_values(value):
    """The leaves of a saved state that are not plain values or arrays."""
    if isinstance(value, dict):
        return [leaf for item in value.values() for leaf in plain_values(item)]
    if isinstance(value, (list, tuple)):
        return [leaf for item in value for leaf in plain_values(item)]
    plain = (type(None), bool, int, float, str, np.ndarray, np.generic, type)
    return [] if isinstance(value, plain) or hasattr(value, "__sklearn_tags__") else [value]


def test_pickle_round_trip(estimator, X_small):
    est = fit(estimator, X_small)
    state = est.__getstate__()
    # The trained net as plain values: no torch object, no pickled blob (bytes).
    assert isinstance(state["net_"], dict)
    assert plain_values(state["net_"]) == []
    loaded = pickle.loads(pickle.dumps(est))
    np.testing.assert_array_equal(loaded.transform(X_small), est.transform(X_small))
    np.testing.assert_array_equal(loaded.sample(3, random_state=1),
                                  est.sample(3, random_state=1))
    # The optimizer's state and the history came back: a warm start goes on as
    # it would have without the round trip.
    for model in (est, loaded):
        fit(model.set_params(warm_start=True), X_small)
    assert loaded.n_iter_ == est.n_iter_
    np.testing.assert_array_equal(loaded.transform(X_small), est.transform(X_small))


def test_an_optimizer_state_this_torch_cannot_take_is_dropped_with_a_warning(X_small):
    est = fit(clone(ESTIMATORS[0]), X_small)
    state = est.__getstate__()
    state["net_"]["optimizer"]["param_groups"].append(
        dict(state["net_"]["optimizer"]["param_groups"][0]))  # as if saved otherwise
    loaded = type(est).__new__(type(est))
    with pytest.warns(UserWarning, match=r"optimizer state saved with Autoencoder could not "
                                         r"be restored under torch .* predicts as saved"):
        loaded.__setstate__(state)
    np.testing.assert_array_equal(loaded.transform(X_small), est.transform(X_small))


def test_inference_prepares_one_module_per_trained_state(estimator, X_small):
    est = fit(estimator, X_small)
    codes = est.transform(X_small)
    prepared = est.net_.__dict__["_inference_cache"][-1]
    est.transform(X_small[:1])
    est.score_samples(X_small[:2])
    decode(est, codes[:3])
    assert est.net_.__dict__["_inference_cache"][-1] is prepared  # no copy per call
    assert "_inference_cache" not in pickle.loads(pickle.dumps(est)).net_.__dict__

    # A change of the weights is seen: in place under no_grad, and by load_state_dict.
    with torch.no_grad():
        for parameter in est.module_.parameters():
            parameter.mul_(0.5)
    halved = est.transform(X_small)
    assert not np.allclose(halved, codes)
    np.testing.assert_array_equal(halved, pickle.loads(pickle.dumps(est)).transform(X_small))
    other = fit(clone(estimator).set_params(random_state=1), X_small)
    est.module_.load_state_dict(other.module_.state_dict())
    np.testing.assert_array_equal(est.transform(X_small), other.transform(X_small))


def test_set_output_pandas(estimator, X_small):
    pd = pytest.importorskip("pandas")
    est = estimator.set_output(transform="pandas")
    frame = pd.DataFrame(X_small, columns=[f"f{i}" for i in range(16)])
    out = fit(est, frame).transform(frame)
    assert isinstance(out, pd.DataFrame)
    assert list(out.columns) == list(est.get_feature_names_out())
    assert list(est.feature_names_in_) == [f"f{i}" for i in range(16)]


def test_same_random_state_same_model(estimator, X_small):
    a = fit(clone(estimator).set_params(random_state=7), X_small)
    b = fit(clone(estimator).set_params(random_state=7), X_small)
    c = fit(clone(estimator).set_params(random_state=8), X_small)
    np.testing.assert_array_equal(a.transform(X_small), b.transform(X_small))
    assert not np.allclose(a.transform(X_small), c.transform(X_small))
    np.testing.assert_array_equal(a.sample(4, random_state=0), b.sample(4, random_state=0))
    assert not np.allclose(a.sample(4, random_state=0), a.sample(4, random_state=1))


def test_global_torch_random_state_untouched(estimator, X_small):
    torch.manual_seed(123)
    before = torch.get_rng_state()
    est = fit(estimator.set_params(random_state=None), X_small)
    est.transform(X_small)
    est.score(X_small)
    est.sample(3)
    assert torch.equal(torch.get_rng_state(), before)


@pytest.mark.parametrize("method", ["transform", "inverse_transform", "score",
                                    "score_samples", "sample"])
def test_methods_before_fit_raise(estimator, X_small, method):
    args = () if method == "sample" else (X_small,)
    with pytest.raises(NotFittedError, match="not fitted yet"):
        getattr(estimator, method)(*args)


@pytest.mark.parametrize("X, message", [
    (np.array([[0.0, np.nan], [1.0, 0.0]]), "Input X contains NaN"),
    (np.array([[0.0, np.inf], [1.0, 0.0]]), "Input X contains infinity"),
    (np.arange(5.0), "Expected 2D array, got 1D array instead"),
    (np.empty((0, 4)), "0 sample"),
], ids=["nan", "inf", "1d", "empty"])
def test_bad_training_data_raises(estimator, X, message):
    if np.isnan(X).any() and estimator.__sklearn_tags__().input_tags.allow_nan:
        pytest.skip("takes missing values (tests/test_impute.py)")
    with pytest.raises(ValueError, match=re.escape(message)):
        fit(estimator, X)


def test_images_as_3d_arrays_get_a_flatten_hint(estimator, X_small):
    # scikit-learn's "Found array with dim 3" did not say what to do.
    images = X_small.reshape(40, 4, 4)
    hint = (r" and image_shape=\(1, 4, 4\)" if "image_shape" in estimator.get_params()
            else r"\.$")
    with pytest.raises(ValueError, match=r"takes X of shape \(n_samples, n_features\), one "
                                         r"flattened sample per row; got an array of shape "
                                         r"\(40, 4, 4\)\. For images, pass "
                                         r"X\.reshape\(len\(X\), -1\)" + hint):
        fit(estimator, images)
    est = fit(estimator, X_small)
    with pytest.raises(ValueError, match=r"got an array of shape \(40, 4, 4\)"):
        est.transform(images)


def test_wrong_number_of_features_after_fit(estimator, X_small):
    est = fit(estimator, X_small)
    with pytest.raises(ValueError, match="X has 15 features, but .* is expecting 16"):
        est.transform(X_small[:, :15])


def test_inverse_transform_wrong_code_width(estimator, X_small):
    est = fit(estimator, X_small)
    with pytest.raises(ValueError, match=r"expects codes with 2 columns \(n_components\); "
                                         r"got X with 3 columns"):
        decode(est, np.zeros((4, 3)))


def test_binary_crossentropy_outside_unit_interval(estimator, X_small):
    est = estimator.set_params(loss="binary_crossentropy")
    if "likelihood_scale" in est.get_params():  # a Bernoulli likelihood has no scale
        est.set_params(likelihood_scale="learned")
    with pytest.raises(ValueError, match=r"needs X with values in \[0, 1\]; got values in "
                                         r"\[0\.00\d+, 2\.9\d+\]"):
        fit(est, X_small * 3)
    fit(est, X_small)
    with pytest.raises(ValueError, match=r"needs X with values in \[0, 1\]"):
        est.score_samples(X_small - 1)


@pytest.mark.parametrize("params, message", [
    ({"n_components": 0}, "'n_components' parameter of .* must be an int in the range "
                          r"\[1, inf\)"),
    ({"learning_rate_init": -1.0}, "'learning_rate_init' parameter"),
    ({"optimizer": "lbfgs"}, "'optimizer' parameter .* must be a str among"),
    ({"optimizer": int}, "'optimizer' parameter .* or a subclass of torch.optim"),
    ({"activation": "swish"}, "'activation' parameter"),
    ({"batch_size": 0}, "'batch_size' parameter"),
    ({"max_iter": 1.5}, "'max_iter' parameter"),
    ({"loss": "mae"}, "'loss' parameter"),
    ({"device": 3}, "'device' parameter"),
    ({"n_components": True}, "'n_components' parameter .* must be a number, not a bool"),
    ({"weight_decay": True}, "'weight_decay' parameter .* must be a number, not a bool"),
    ({"random_state": True}, "'random_state' parameter .* or None, not a bool; got True"),
    ({"callbacks": ["bad"]}, "'callbacks' parameter .* must be a list of skorch Callback"),
    ({"activation": nn.Linear(5, 5)}, "'activation' parameter .* or a torch module that keeps "
                                      "its input's shape"),
], ids=lambda v: str(v)[:20])
def test_bad_parameters_raise(estimator, X_small, params, message):
    with pytest.raises((ValueError, TypeError), match=message):
        fit(estimator.set_params(**params), X_small)


def test_absent_device_raises(estimator, X_small):
    with pytest.raises(ValueError, match="'nonsense' is not a torch device"):
        fit(estimator.set_params(device="nonsense"), X_small)
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match="CUDA is not available"):
            fit(estimator.set_params(device="cuda"), X_small)


def test_diverging_training_names_the_epoch(estimator, X_small):
    if estimator.get_params().get("output_activation") == "sigmoid":
        pytest.skip("a sigmoid output bounds the squared error: it cannot blow up")
    est = estimator.set_params(optimizer="sgd", learning_rate_init=1e12, max_iter=20,
                               batch_norm=False)
    with pytest.raises(FloatingPointError, match=r"diverged: the training loss is (nan|inf)"
                                                 r" at epoch \d+"):
        fit(est, X_small * 1e6)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_cuda_fit_matches_cpu_shapes_and_unpickles(estimator, X_small):
    est = fit(estimator.set_params(device="cuda"), X_small)
    assert next(est.module_.parameters()).is_cuda
    assert est.transform(X_small).shape == (40, 2)
    loaded = pickle.loads(pickle.dumps(est))
    np.testing.assert_allclose(loaded.transform(X_small), est.transform(X_small), atol=1e-5)


@pytest.mark.parametrize("wrapper", WRAPPERS, ids=wrapper_ids)
def test_wrappers_clone_pickle_reproduce_and_leave_rng(wrapper, X_small):
    method = ("transform" if hasattr(wrapper, "transform") else "predict_proba"
              if hasattr(wrapper, "predict_proba") else "decision_function")
    y = np.arange(len(X_small)) % 3
    torch.manual_seed(123)
    before = torch.get_rng_state()
    a = clone(wrapper).fit(X_small, y)
    assert torch.equal(torch.get_rng_state(), before)
    b = clone(wrapper).fit(X_small, y)
    np.testing.assert_array_equal(getattr(a, method)(X_small), getattr(b, method)(X_small))
    loaded = pickle.loads(pickle.dumps(a))
    np.testing.assert_array_equal(getattr(loaded, method)(X_small),
                                  getattr(a, method)(X_small))
    assert clone(a).get_params()["autoencoder"].get_params() == (
        wrapper.autoencoder.get_params())
    assert not hasattr(wrapper.autoencoder, "net_")  # cloned, never fitted itself


@pytest.mark.parametrize("wrapper", WRAPPERS, ids=wrapper_ids)
def test_wrappers_give_images_as_3d_arrays_a_flatten_hint(wrapper, X_small):
    with pytest.raises(ValueError, match=r"got an array of shape \(40, 4, 4\)\. For images, "
                                         r"pass X\.reshape\(len\(X\), -1\)\.$"):
        fit(clone(wrapper), X_small.reshape(40, 4, 4))


@pytest.mark.parametrize("wrapper", WRAPPERS, ids=wrapper_ids)
def test_wrappers_refuse_a_bool_seed(wrapper, X_small):
    with pytest.raises(ValueError, match="'random_state' parameter .* not a bool; got True"):
        fit(clone(wrapper).set_params(random_state=True), X_small)


@pytest.mark.parametrize("wrapper", WRAPPERS, ids=wrapper_ids)
def test_wrappers_use_a_frozen_autoencoder_as_it_is(wrapper, X_small):
    if getattr(wrapper, "pretrain", True) is False:
        pytest.skip("pretrain=False refuses a trained autoencoder (test_classifier)")
    y = np.arange(len(X_small)) % 3
    fitted = clone(wrapper.autoencoder).fit(X_small)
    weights = {k: v.clone() for k, v in fitted.module_.state_dict().items()}
    frozen = FrozenEstimator(fitted)
    est = clone(wrapper).set_params(autoencoder=frozen)
    if isinstance(est, AutoencoderImputer):  # fitted on X as it is, not standardised
        est.set_params(scale=False)
    est.fit(X_small, y)
    assert est.autoencoder_ is fitted and clone(est).autoencoder is frozen
    for name, value in fitted.module_.state_dict().items():
        assert torch.equal(value, weights[name]), name


@pytest.mark.parametrize("estimator", ESTIMATORS, ids=ids)
def test_your_own_encoder_and_decoder(estimator, X_small):
    conditional = estimator.__sklearn_tags__().target_tags.required
    variational = isinstance(estimator, BaseVariationalAutoencoder)
    y = np.arange(len(X_small)) % 2
    n_features, n_conditions = X_small.shape[1], 2 if conditional else 0
    # A variational encoder may end at any width: skae adds its Gaussian head.
    encoder = nn.Sequential(nn.Linear(n_features + n_conditions, 6), nn.Tanh(),
                            *([] if variational else [nn.Linear(6, 3)]))
    decoder = nn.Sequential(nn.Linear(3 + n_conditions, 6), nn.Tanh(), nn.Linear(6, n_features))
    given = copy.deepcopy(encoder.state_dict())
    est = clone(estimator).set_params(n_components=3, encoder=encoder, decoder=decoder)
    est.fit(X_small, y)
    # A copy trained, from the given weights; the module given never trains.
    for name, value in encoder.state_dict().items():
        assert torch.equal(value, given[name])
    trained = est.module_.encoder[0] if variational else est.module_.encoder
    assert trained is not encoder and not torch.equal(trained[0].weight, encoder[0].weight)
    assert est.transform(X_small).shape == (len(X_small), 3)
    labels = dict(y=y) if conditional else {}
    assert est.inverse_transform(est.transform(X_small), **labels).shape == X_small.shape
    loaded = pickle.loads(pickle.dumps(est))
    np.testing.assert_array_equal(loaded.transform(X_small), est.transform(X_small))
    assert clone(est).encoder is not encoder
    with pytest.raises(ValueError, match="got only your decoder; pass your own encoder as well"):
        clone(est).set_params(encoder=None).fit(X_small, y)


@pytest.mark.parametrize("estimator", ESTIMATORS, ids=ids)
def test_partial_fit_continues_the_same_network(estimator, X_small):
    est = clone(estimator)
    y = np.arange(len(X_small)) % 2
    labels = ((lambda rows: (y[rows],)) if est.__sklearn_tags__().target_tags.required
              else (lambda rows: ()))
    est.partial_fit(X_small[:20], *labels(slice(20))).partial_fit(X_small[20:],
                                                                   *labels(slice(20, None)))
    net = est.net_
    est.partial_fit(X_small[:20], *labels(slice(20)))
    assert est.net_.module_ is not net.module_  # a copy trained: a failure keeps the last
    assert est.n_iter_ == len(est.loss_curve_) == 3
    assert est.transform(X_small).shape == (len(X_small), est.n_components)


_LAYERS = (nn.Linear, nn.Conv2d, nn.ConvTranspose2d)


# One estimator per way its layers are built: dense, conv, variational (with the
# Gaussian head), conditional, and the classifier's head.
_BUILDS = [0, 2, 5, 8]


@pytest.mark.parametrize("estimator", [ESTIMATORS[i] for i in _BUILDS] + WRAPPERS[3:4],
                         ids=[ids[i] for i in _BUILDS] + wrapper_ids[3:4])
def test_weight_init_draws_the_built_in_layers(estimator, X_small):
    y = np.arange(len(X_small)) % 2
    # A step of 1e-30 leaves the weights as they were drawn.
    est = clone(estimator).set_params(weight_init="glorot_uniform", optimizer="sgd",
                                      learning_rate_init=1e-30, momentum=0.0, max_iter=1)
    est.fit(X_small, y)
    module = est.module_.head if isinstance(est, AutoencoderClassifier) else est.module_
    layers = [m for m in module.modules() if isinstance(m, _LAYERS)]
    assert layers
    for layer in layers:
        fan_in, fan_out = nn.init._calculate_fan_in_and_fan_out(layer.weight)
        bound = np.sqrt(6 / (fan_in + fan_out))
        largest = float(layer.weight.detach().abs().max())
        # Glorot's bound, and near it: torch's default (1/sqrt(fan_in)) is narrower.
        assert 0.5 * bound < largest <= bound + 1e-6, (layer, largest, bound)
        assert float(layer.bias.detach().abs().max()) < 1e-20


@pytest.mark.parametrize("estimator", ESTIMATORS[:1] + WRAPPERS[3:4] + WRAPPERS[-1:],
                         ids=ids[:1] + wrapper_ids[3:4] + wrapper_ids[-1:])
def test_unpickling_under_another_skae_version_warns(estimator, X_small):
    est = fit(clone(estimator), X_small)
    state = est.__getstate__()
    assert state["_skae_versions"] == (skae.__version__, torch.__version__)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the same versions: no warning
        pickle.loads(pickle.dumps(est))
    state["_skae_versions"] = ("0.0.1", "2.2.0")
    loaded = type(est).__new__(type(est))
    with pytest.warns(InconsistentVersionWarning,
                      match=rf"unpickle {type(est).__name__} saved with skae 0\.0\.1 \(torch "
                            rf"2\.2\.0\) under skae {re.escape(skae.__version__)}"):
        loaded.__setstate__(state)
    assert "_skae_versions" not in vars(loaded)


@pytest.mark.parametrize("estimator", ESTIMATORS[:1] + WRAPPERS[3:4] + WRAPPERS[-1:],
                         ids=ids[:1] + wrapper_ids[3:4] + wrapper_ids[-1:])
def test_a_model_fitted_on_a_gpu_loads_and_predicts_on_a_cpu_only_machine(estimator,
                                                                          X_small):
    # Simulated on the CPU: the pickle says the net and the estimator live on
    # "cuda" (as after fit(device="cuda")), and this machine has no CUDA.
    if torch.cuda.is_available():
        pytest.skip("simulates a machine without CUDA")
    est = fit(clone(estimator), X_small)
    expected = est.transform(X_small) if hasattr(est, "transform") else est.predict(X_small)
    est.net_.device = "cuda"
    vars(est)["device"] = "cuda"
    with pytest.warns(UserWarning, match=rf"{type(est).__name__} was fitted with "
                                         r"device='cuda', but CUDA is not available"):
        loaded = pickle.loads(pickle.dumps(est))
    assert loaded.device == "cpu" and loaded.net_.device == "cpu"
    got = loaded.transform(X_small) if hasattr(loaded, "transform") else loaded.predict(X_small)
    np.testing.assert_array_equal(got, expected)


def test_inference_runs_on_the_device_the_estimator_names_now(X_small):
    ae = fit(clone(ESTIMATORS[0]), X_small)
    codes = ae.transform(X_small)
    ae.set_params(device="cuda:7")  # inference moves with the parameter, training does not
    with pytest.raises(ValueError, match=r"device='cuda:7' was requested but CUDA is not "
                                         "available|device='cuda:7'"):
        ae.transform(X_small)
    ae.set_params(device=torch.device("cpu"))
    np.testing.assert_array_equal(ae.transform(X_small), codes)
