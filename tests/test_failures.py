"""Fault injection: what skae does when data, training or the caller misbehave."""

import math
import os
import pickle
import re
import signal
import subprocess
import sys
import warnings
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
import torch
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.frozen import FrozenEstimator
from sklearn.model_selection import cross_validate
from skorch.callbacks import Callback
from test_common import ESTIMATORS, WRAPPERS, fit, ids, wrapper_ids
from torch import nn

import skae._net
from skae import (
    Autoencoder,
    AutoencoderOutlierDetector,
    ConditionalVariationalAutoencoder,
    ConvAutoencoder,
    Reconstructor,
)


@pytest.fixture(params=ESTIMATORS, ids=ids)
def estimator(request):
    return clone(request.param)


def test_row_results_do_not_depend_on_the_other_rows(estimator):
    # Five features: float32 rows of 20 bytes sit at different alignments, and
    # CPU float32 matrix products round them differently by position.
    X = np.random.default_rng(0).random((30, 5)).astype(np.float32)
    est = fit(estimator, X)
    order = np.random.default_rng(1).permutation(len(X))
    codes = est.transform(X)
    np.testing.assert_array_equal(est.transform(X[order]), codes[order])
    np.testing.assert_array_equal(est.transform(X[3:10]), codes[3:10])
    # Scores are float64: equal to float64 rounding, far inside scikit-learn's rtol=1e-7.
    np.testing.assert_allclose(est.score_samples(X[order]), est.score_samples(X)[order],
                               rtol=1e-13)


@pytest.mark.parametrize("wrapper", [w for w in WRAPPERS if hasattr(w, "predict_proba")],
                         ids=[i for i, w in zip(wrapper_ids, WRAPPERS)
                              if hasattr(w, "predict_proba")])
def test_probabilities_do_not_depend_on_the_other_rows(wrapper):
    X = np.random.default_rng(0).random((30, 5)).astype(np.float32)
    est = wrapper.fit(X, np.arange(30) % 3)
    order = np.random.default_rng(1).permutation(len(X))
    np.testing.assert_allclose(est.predict_proba(X[order]), est.predict_proba(X)[order],
                               rtol=1e-13, atol=1e-15)


class Explode(Callback):
    """A user callback that fails at the end of epoch ``at``."""

    def __init__(self, at=2):
        self.at = at

    def on_epoch_end(self, net, **kwargs):
        if len(net.history) == self.at:
            raise RuntimeError("callback failed")


def test_finite_but_exploding_loss_is_divergence(digits):
    ae = Autoencoder(learning_rate_init=10, max_iter=20, random_state=0)
    with pytest.raises(FloatingPointError, match=r"diverged: the training loss is \S+ at "
                                                 r"epoch 1, against \S+ at the start"):
        ae.fit(digits[0])
    assert not hasattr(ae, "net_")
    with pytest.raises(NotFittedError):
        ae.transform(digits[0])


def test_a_loss_that_recovers_is_not_divergence(digits):
    # A large first step that the training recovers from stays a fit.
    ae = Autoencoder(learning_rate_init=0.1, max_iter=4, random_state=0).fit(digits[0])
    assert ae.loss_curve_[0] > 100 * ae.loss_curve_[-1]


@pytest.mark.parametrize("fault", ["diverge", "callback"])
def test_failed_refit_keeps_the_fitted_model(estimator, fault, X_small):
    est = fit(estimator, X_small)
    before, state = est.transform(X_small), dict(vars(est))
    if fault == "diverge":
        est.set_params(optimizer="sgd", learning_rate_init=1e12, batch_norm=False)
        if "output_activation" in est.get_params():  # a sigmoid output cannot blow up
            est.set_params(output_activation=None)
        bad, error = X_small * 1e6, FloatingPointError
    else:
        est.set_params(callbacks=[Explode()])
        bad, error = X_small, RuntimeError
    with pytest.raises(error):
        fit(est, bad)
    assert vars(est).keys() == state.keys()
    assert all(vars(est)[k] is state[k] for k in state if k not in est.get_params())
    np.testing.assert_array_equal(est.transform(X_small), before)


def test_failed_warm_start_keeps_the_fitted_net(X_small):
    ae = Autoencoder(n_components=2, hidden_layer_sizes=(8,), max_iter=3, random_state=0,
                     warm_start=True).fit(X_small)
    before = ae.transform(X_small)
    with pytest.raises(FloatingPointError, match="diverged"):
        ae.fit(X_small * 1e17)  # 1e30 is refused before training (its squares overflow)
    assert ae.n_iter_ == len(ae.net_.history) == 3
    np.testing.assert_array_equal(ae.transform(X_small), before)
    assert ae.fit(X_small).n_iter_ == 6


def test_warm_start_after_a_failed_first_fit_trains_anew(X_small):
    ae = Autoencoder(n_components=2, max_iter=3, random_state=0, warm_start=True,
                     callbacks=[Explode()])
    with pytest.raises(RuntimeError, match="callback failed"):
        ae.fit(X_small)
    with pytest.raises(NotFittedError):
        ae.transform(X_small)
    assert ae.set_params(callbacks=None).fit(X_small).n_iter_ == 3


@pytest.mark.parametrize("wrapper", WRAPPERS, ids=wrapper_ids)
def test_failed_wrapper_fit_leaves_it_unfitted(wrapper, X_small):
    est = clone(wrapper)
    if est.get_params().get("pretrain", True):
        est.autoencoder.set_params(callbacks=[Explode(1)])
    else:  # the autoencoder is not trained: fail the classifier's own training
        est.set_params(callbacks=[Explode(1)])
    with pytest.raises(RuntimeError, match="callback failed"):
        est.fit(X_small, np.arange(len(X_small)) % 3)
    assert not [k for k in vars(est) if k.endswith("_") and not k.startswith("_")]


def test_fits_in_threads_match_sequential_fits(X_small):
    torch.manual_seed(5)
    before = torch.get_rng_state()
    models = [Autoencoder(n_components=2, hidden_layer_sizes=(8,), dropout=0.2, max_iter=5,
                          random_state=seed) for seed in range(4)]
    expected = [clone(m).fit(X_small).transform(X_small) for m in models]
    with ThreadPoolExecutor(4) as pool:
        fitted = list(pool.map(lambda m: m.fit(X_small), models))
    for model, codes in zip(fitted, expected):
        np.testing.assert_array_equal(model.transform(X_small), codes)
    assert torch.equal(torch.get_rng_state(), before)


def test_scores_of_huge_finite_inputs_are_finite(estimator, X_small):
    est = fit(estimator.set_params(loss="squared_error"), X_small)
    huge = np.full((2, 16), np.finfo(np.float32).max / 2, dtype=np.float32)
    assert np.isfinite(est.score_samples(huge)).all()


@pytest.mark.parametrize("where", ["X", "X_val"])
def test_data_whose_squared_errors_overflow_float32_is_refused(X_small, where):
    # 16 features: a row's squared error overflows float32 above about 4.6e18.
    huge = X_small.copy()
    huge[3, 5] = -1e30
    ae = Autoencoder(n_components=2, max_iter=2)
    with pytest.raises(ValueError, match=f"above 4.61e\\+18 in magnitude .* got {where} with "
                                         "values up to 1e\\+30. Scale"):
        ae.fit(huge) if where == "X" else ae.fit(X_small, X_val=huge[:10])


def test_results_beyond_float32_are_refused_naming_the_rows(X_small, monkeypatch):
    # Inference computes in float64 (scores stay finite), but codes and
    # reconstructions are float32: rows far outside the training data's range
    # are named instead of returned as infinite codes.
    dec = clone(WRAPPERS[-1]).fit(X_small)
    ae = dec.autoencoder_
    with torch.no_grad():  # weights of 1: the codes of a row of float32's maximum overflow
        for module in (ae.module_, dec.module_):
            for parameter in module.parameters():
                parameter.fill_(1.0)
    huge = X_small[:4].copy()
    huge[2] = np.finfo(np.float32).max
    step = Reconstructor(FrozenEstimator(ae)).fit(X_small)
    for transform in (ae.transform, dec.transform, step.transform):
        with pytest.raises(ValueError, match=r"beyond float32's range .* for rows \[2\] of its "
                                             "input: their values lie far outside"):
            transform(huge)
    assert np.isfinite(ae.score_samples(huge)).all()  # scores are float64
    # Computed two rows at a time, each row is named by its place in the input,
    # and the other rows' results are those of one pass.
    codes = ae.transform(X_small)
    monkeypatch.setattr("skae._inference.inference_batch", lambda device: 2)
    np.testing.assert_array_equal(ae.transform(X_small), codes)
    huge = X_small[:7].copy()
    huge[[2, 5]] = np.finfo(np.float32).max
    with pytest.raises(ValueError, match=r"for rows \[2, 5\] of its input"):
        ae.transform(huge)


def test_a_dataframe_fit_that_stops_early_does_not_warn_of_feature_names(digits):
    # The collapse check after an early stop ran transform on the validated array.
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame(digits[0][:300], columns=[f"p{i}" for i in range(64)])
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message="X does not have valid feature names")
        ae = Autoencoder(n_components=4, tol=0.05, random_state=0).fit(frame)
    assert ae.n_iter_ < ae.max_iter


def test_soft_assignments_of_huge_inputs(X_small):
    dec = clone(WRAPPERS[-1]).fit(X_small)
    huge = np.full((3, 16), np.finfo(np.float32).max / 2, dtype=np.float32)
    huge[1] *= -1
    proba = dec.predict_proba(huge)
    assert np.isfinite(proba).all()
    np.testing.assert_allclose(proba.sum(axis=1), 1)


def test_pickle_keeps_no_training_rows(estimator):
    X = np.random.default_rng(0).random((100, 16)).astype(np.float32)
    est = fit(estimator.set_params(early_stopping=True, validation_fraction=0.5), X)
    blob = pickle.dumps(est)
    assert not [i for i, row in enumerate(X) if row.tobytes() in blob]


class CtrlC(Callback):
    """Sends this process SIGINT, as Ctrl-C does, at the end of epoch ``at``."""

    def __init__(self, at=2):
        self.at = at

    def on_epoch_end(self, net, **kwargs):
        if len(net.history) == self.at:
            os.kill(os.getpid(), signal.SIGINT)


@pytest.fixture
def fresh_interrupts(monkeypatch):
    monkeypatch.setattr(skae._interrupts, "_last_interrupt", [-math.inf])
    # Python's own Ctrl-C handler, as in a terminal: a shell that starts pytest in the
    # background (``pytest &``) makes the process ignore SIGINT, and skae then leaves
    # the signal alone.
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, previous)


def test_ctrl_c_stops_training_with_a_warning(X_small, fresh_interrupts):
    ae = Autoencoder(n_components=2, max_iter=50, random_state=0, callbacks=[CtrlC()])
    with pytest.warns(UserWarning, match="Training interrupted by user during epoch 2"):
        ae.fit(X_small)
    assert ae.n_iter_ == 2
    assert ae.transform(X_small).shape == (40, 2)


def test_second_ctrl_c_stops_the_caller(X_small, fresh_interrupts):
    ae = Autoencoder(n_components=2, max_iter=50, random_state=0, callbacks=[CtrlC()])
    with pytest.raises(KeyboardInterrupt):
        cross_validate(ae, X_small, cv=3, error_score="raise")
    # The fit that was stopped left the estimator as it was: unfitted.
    with pytest.raises(NotFittedError):
        ae.transform(X_small)


def test_interrupt_raise_leaves_ctrl_c_to_python(X_small, fresh_interrupts):
    ae = Autoencoder(n_components=2, max_iter=50, random_state=0, callbacks=[CtrlC()])
    with skae.config_context(interrupt="raise"), pytest.raises(KeyboardInterrupt):
        ae.fit(X_small)
    with pytest.raises(NotFittedError):  # the fit that was stopped left nothing behind
        ae.transform(X_small)
    assert skae.get_config()["interrupt"] == "keep"
    with pytest.raises(ValueError, match="interrupt must be 'keep' or 'raise'; got 'ignore'"):
        skae.set_config(interrupt="ignore")


def test_early_stopping_is_no_interrupt(digits):
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message="Training interrupted")
        Autoencoder(n_components=2, early_stopping=True, n_iter_no_change=2, max_iter=200,
                    learning_rate_init=0.05, random_state=0).fit(digits[0][:200])


def test_convergence_warning_when_max_iter_ends_a_falling_loss(digits):
    ae = Autoencoder(n_components=2, max_iter=3, random_state=0)
    with pytest.warns(ConvergenceWarning, match=r"reached max_iter=3 epochs while the "
                                                r"training loss still improved by more than"):
        ae.fit(digits[0][:200])
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        # A loss that no longer falls by tol, and a fit that stopped early, do not warn.
        ae.set_params(tol=10.0).fit(digits[0][:200])
        ae.set_params(tol=1e-4, early_stopping=True, n_iter_no_change=2, max_iter=200,
                      learning_rate_init=0.01).fit(digits[0])
        assert ae.n_iter_ < 200


def test_dec_warns_when_clusters_still_change(X_small):
    dec = clone(WRAPPERS[-1]).set_params(max_iter=2, tol=0.0)
    with pytest.warns(ConvergenceWarning, match="before fewer than tol=0.0 of the samples"):
        dec.fit(X_small)


@pytest.mark.parametrize("wrapper", [AutoencoderOutlierDetector, Reconstructor])
def test_wrappers_refuse_a_conditional_autoencoder(wrapper, X_small):
    with pytest.raises(TypeError, match="autoencoder must be unconditional: .* got "
                                        "ConditionalVariationalAutoencoder, which needs y"):
        wrapper(ConditionalVariationalAutoencoder(max_iter=1)).fit(X_small)


@pytest.mark.parametrize("wrapper", [AutoencoderOutlierDetector, Reconstructor])
def test_wrapper_seed_reaches_an_unseeded_autoencoder(wrapper, X_small):
    a, b = (wrapper(Autoencoder(max_iter=2), random_state=0).fit(X_small) for _ in range(2))
    np.testing.assert_array_equal(a.autoencoder_.transform(X_small),
                                  b.autoencoder_.transform(X_small))
    assert a.autoencoder_.random_state is not None
    seeded = wrapper(Autoencoder(max_iter=2, random_state=3), random_state=0).fit(X_small)
    assert seeded.autoencoder_.random_state == 3


@pytest.fixture
def float64_default():
    previous = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    yield
    torch.set_default_dtype(previous)


def test_float64_default_dtype(estimator, X_small, float64_default):
    est = fit(estimator, X_small)
    assert next(est.module_.parameters()).dtype == torch.float32
    assert est.transform(X_small).dtype == np.float32
    assert np.isfinite(est.score_samples(X_small)).all()
    assert est.sample(2, random_state=0).shape == (2, 16)


def test_optimizer_without_weight_decay(X_small):
    ae = Autoencoder(n_components=2, max_iter=2, optimizer=torch.optim.Rprop).fit(X_small)
    assert isinstance(ae.net_.optimizer_, torch.optim.Rprop)
    with pytest.raises(ValueError, match="optimizer=LBFGS takes no weight_decay; got "
                                         "weight_decay=0.1"):
        ae.set_params(optimizer=torch.optim.LBFGS, weight_decay=0.1).fit(X_small)


def test_batch_norm_needs_batches_of_two(X_small):
    with pytest.raises(ValueError, match="batch_norm=True needs batches of at least 2 "
                                         "samples; got batch_size=1"):
        Autoencoder(batch_norm=True, batch_size=1, max_iter=1).fit(X_small)


@pytest.mark.parametrize("params", [{"stride": True}, {"channels": (4,), "kernel_size": True}])
def test_booleans_are_not_numbers(params, X_small):
    with pytest.raises((TypeError, ValueError), match="must be"):
        ConvAutoencoder(max_iter=1, **params).fit(X_small)


def test_submodules_load_on_first_use():
    code = ("import sys, skae; assert 'matplotlib' not in sys.modules; "
            "skae.metrics.cluster_accuracy; skae.datasets.add_noise; skae.plotting; "
            "assert 'matplotlib' not in sys.modules")
    subprocess.run([sys.executable, "-c", code], check=True)


class Vandal(Callback):
    """Writes into every training batch, as a careless in-place module would."""

    def on_batch_begin(self, net, batch=None, training=False, **kwargs):
        batch[0].mul_(0.0)


@pytest.mark.parametrize("shuffle", [False, True])
def test_training_cannot_write_to_the_callers_data(X_small, shuffle):
    X = X_small.copy()
    Autoencoder(n_components=2, max_iter=2, shuffle=shuffle, callbacks=[Vandal()]).fit(X)
    np.testing.assert_array_equal(X, X_small)


class VandalEncoder(nn.Module):
    """An encoder that zeroes its input after reading it."""

    def __init__(self):
        super().__init__()
        self.linear = nn.Linear(16, 2)

    def forward(self, x):
        codes = self.linear(x.clone())  # autograd keeps its own input
        x.mul_(0.0)
        return codes


def test_a_module_cannot_write_to_the_callers_data(X_small):
    # Training batches and the passes of fit (the training codes), transform and
    # score_samples each give the module fresh tensors, never views of X.
    X = X_small.copy()
    ae = Autoencoder(n_components=2, max_iter=2, encoder=VandalEncoder(),
                     decoder=nn.Linear(2, 16)).fit(X)
    ae.transform(X)
    ae.score_samples(X)
    np.testing.assert_array_equal(X, X_small)


class TrainingSource(Callback):
    """Records what the training data set reads from."""

    def on_train_begin(self, net, X=None, **kwargs):
        self.source_ = X.X.data
        self.n_rows_ = len(X)


@pytest.mark.parametrize("early_stopping", [False, True])
def test_read_only_memmap_is_read_where_it_is(tmp_path, X_small, early_stopping):
    path = tmp_path / "X.npy"
    np.save(path, X_small)
    X = np.load(path, mmap_mode="r")
    ae = Autoencoder(n_components=2, max_iter=2, early_stopping=early_stopping,
                     validation_fraction=0.25, callbacks=[TrainingSource()]).fit(X)
    record = dict(ae.net_.callbacks_)["TrainingSource"]
    assert record.source_ is X  # the memmap itself, read a block at a time, not a copy
    assert record.n_rows_ == (30 if early_stopping else 40)


def test_pickle_holds_the_module_once():
    X = np.random.default_rng(0).random((100, 784)).astype(np.float32)
    ae = Autoencoder(max_iter=1, random_state=0).fit(X)
    parameters = sum(p.numel() * 4 for p in ae.module_.parameters())
    # The parameters and Adam's two moment estimates (for warm starts), little else.
    assert len(pickle.dumps(ae)) < 3.1 * parameters
    loaded = pickle.loads(pickle.dumps(ae))
    assert loaded.net_.module is loaded.net_.module_


def test_a_fit_out_of_epochs_says_when_it_learned_nothing(digits):
    # All 15 epochs run (n_iter_no_change > max_iter) while the loss creeps towards
    # the mean of X: "increase max_iter" alone would hide that it learned nothing.
    with pytest.warns(ConvergenceWarning, match=r"reached max_iter=15 epochs while .* Increase "
                                                r"max_iter or set early_stopping=True\. So far "
                                                r"its reconstructions of the training data vary "
                                                r"0\.00% as much .* where PCA with as many "
                                                r"components \(8\) keeps"):
        Autoencoder(n_components=8, learning_rate_init=0.1, max_iter=15, n_iter_no_change=20,
                    random_state=0).fit(digits[0])
    with pytest.warns(ConvergenceWarning) as caught:  # a net that learned: no such note
        Autoencoder(n_components=8, max_iter=15, n_iter_no_change=20,
                    random_state=0).fit(digits[0])
    assert "reconstructions" not in str(caught[0].message)


def test_collapsed_training_says_so(digits):
    X = digits[0]
    # A step of 0.1 sends the ReLU units dead: every digit gets the same reconstruction.
    with pytest.warns(ConvergenceWarning, match=r"Autoencoder learned \(almost\) nothing: its "
                                                r"reconstructions of the training data vary "
                                                r"0\.00% as much"):
        ae = Autoencoder(n_components=8, learning_rate_init=0.1, max_iter=30,
                         random_state=0).fit(X)
    assert ae.n_iter_ < 30
    assert ae.inverse_transform(ae.transform(X[:50])).std(axis=0).max() < 1e-4
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        Autoencoder(n_components=8, max_iter=30, n_iter_no_change=2, tol=0.05,
                    random_state=0).fit(X)  # stops early, far from collapse
    # Stopped before it learned anything: the same warning, for another cause.
    with pytest.warns(ConvergenceWarning, match="or it stopped before it learned"):
        Autoencoder(n_components=2, early_stopping=True, n_iter_no_change=2,
                    learning_rate_init=0.005, random_state=0).fit(X[:200])


def test_dropout_that_leaves_nothing_is_not_called_unfinished(digits):
    X = digits[0]
    # The case: dropout 0.7 keeps 5.5% of the variance, PCA-16 85%. The
    # warning said only "increase max_iter".
    with pytest.warns(ConvergenceWarning, match=r"Increase max_iter .* So far its "
                                                r"reconstructions .* vary 5\.\d\d% as much .* "
                                                r"PCA with as many components \(16\) keeps "
                                                r"84\.\d\d%: it has learned \(almost\) nothing"):
        Autoencoder(dropout=0.7, max_iter=40, random_state=0).fit(X)
    # A fit whose budget ended (as one whose loss settled) on constant outputs
    # was silent.
    with pytest.warns(ConvergenceWarning, match=r"learned \(almost\) nothing: .* vary 0\.00% "
                                                r"as much .* regularisation left nothing"):
        Autoencoder(dropout=0.75, max_iter=20, tol=None, random_state=0).fit(X[:900])
    with warnings.catch_warnings():  # dropout 0.2 learns: 34% of the variance, PCA-16 86%
        warnings.simplefilter("error", ConvergenceWarning)
        Autoencoder(dropout=0.2, max_iter=30, tol=None, random_state=0).fit(X[:900])


class _FirstColumns(nn.Module):
    """An encoder that works on 2 rows and keeps half the columns on more."""

    def __init__(self):
        super().__init__()
        self.linear = nn.Linear(16, 3)

    def forward(self, x):
        return self.linear(x if len(x) <= 2 else x[:, :8])


class _Log(nn.Module):
    """An encoder whose output is NaN where its linear layer is negative."""

    def __init__(self):
        super().__init__()
        self.linear = nn.Linear(16, 3)

    def forward(self, x):
        return torch.log(self.linear(x))


def test_your_own_modules_are_checked_at_a_training_batchs_size(X_small):
    decoder = nn.Linear(3, 16)
    with pytest.raises(ValueError, match=r"The encoder fails on a batch of shape \(32, 16\), a "
                                         r"shape it is given in training: RuntimeError: mat1"):
        Autoencoder(n_components=3, encoder=_FirstColumns(), decoder=decoder,
                    batch_size=32).fit(X_small)
    # The batch is at most the training rows.
    with pytest.raises(ValueError, match=r"batch of shape \(25, 16\)"):
        Autoencoder(n_components=3, encoder=_FirstColumns(), decoder=decoder,
                    batch_size=128).fit(X_small[:25])


def test_your_own_modules_on_the_meta_device_are_refused(X_small):
    with pytest.raises(ValueError, match="Your decoder has tensors on the meta device"):
        Autoencoder(n_components=3, encoder=nn.Linear(16, 3),
                    decoder=nn.Linear(3, 16, device="meta")).fit(X_small)


def test_frozen_modules_train_what_is_left_and_nothing_is_an_error(X_small):
    encoder = nn.Linear(16, 3).requires_grad_(False)
    est = Autoencoder(n_components=3, encoder=encoder, decoder=nn.Linear(3, 16),
                      max_iter=2).fit(X_small)
    torch.testing.assert_close(est.module_.encoder.weight, encoder.weight)
    with pytest.raises(ValueError, match="Nothing to train: every parameter of the network has "
                                         "requires_grad=False"):
        Autoencoder(n_components=3, encoder=encoder,
                    decoder=nn.Linear(3, 16).requires_grad_(False)).fit(X_small)


def test_a_module_whose_output_is_not_finite_is_not_called_divergence(X_small):
    with pytest.raises(FloatingPointError, match="nan on the first batch, before any training "
                                                 "step: the network's output at its initial"):
        Autoencoder(n_components=3, encoder=_Log(), decoder=nn.Linear(3, 16),
                    max_iter=2).fit(X_small)


@pytest.mark.parametrize("estimator", [
    Autoencoder(hidden_layer_sizes=(8, 10**12)),
    ConvAutoencoder(image_shape=(1, 4, 4), channels=(10**12,), n_components=2)],
    ids=["dense", "conv"])
def test_layers_beyond_memory_are_a_memory_error_naming_them(estimator, X_small):
    name = "channels" if isinstance(estimator, ConvAutoencoder) else "hidden_layer_sizes"
    value = re.escape(repr(estimator.get_params()[name]))
    with pytest.raises(MemoryError, match=rf"{type(estimator).__name__} does not fit in memory "
                                          rf".*{name}={value}\). Use smaller layers"):
        estimator.fit(X_small)


def _rows_or_error(check, X):
    """What ``check(X)`` returns, or the type and message of what it raises."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            result = check(X)
        except Exception as exc:  # noqa: BLE001 (compared as a whole below)
            result = (type(exc), str(exc))
    return result, [str(w.message) for w in caught]


def _same(a, b):
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return (isinstance(a, np.ndarray) and isinstance(b, np.ndarray) and a.dtype == b.dtype
                and np.array_equal(a, b, equal_nan=True))
    return a == b


# Inputs to an inference call: the fast check of plain float arrays must take
# each exactly as scikit-learn's validate_data does (result, error, warnings).
INFERENCE_INPUTS = {
    "float32": lambda X: X,
    "float64": lambda X: X.astype(np.float64),
    "fortran order": lambda X: np.asfortranarray(X),
    "read-only": lambda X: np.frombuffer(X.tobytes(), np.float32).reshape(X.shape),
    "strided columns": lambda X: np.repeat(X, 2, axis=1)[:, ::2],
    "float64 beyond float32": lambda X: np.where(np.arange(X.shape[1]) == 3, 1e300,
                                                X.astype(np.float64)),
    "NaN": lambda X: np.where(np.arange(X.shape[1]) == 3, np.nan, X).astype(np.float32),
    "infinity": lambda X: np.where(np.arange(X.shape[1]) == 3, np.inf, X).astype(np.float32),
    "a column short": lambda X: X[:, :-1],
    "no rows": lambda X: X[:0],
    "float16": lambda X: X.astype(np.float16),
    "integers": lambda X: (X * 4).astype(np.int64),
    "one row, 1-D": lambda X: X[0],
    "a list": lambda X: X.tolist(),
}


@pytest.fixture(scope="module", params=["array", "DataFrame"])
def fitted_for_inference(request):
    """An Autoencoder fitted on 40 x 16 rows given as an array or a DataFrame,
    those rows as an array, and as it was given."""
    X = np.random.default_rng(0).random((40, 16)).astype(np.float32)
    given = X if request.param == "array" else (
        pytest.importorskip("pandas").DataFrame(X).add_prefix("x"))
    return Autoencoder(n_components=2, max_iter=1, random_state=0).fit(given), X, given


@pytest.mark.parametrize("case", INFERENCE_INPUTS)
def test_inference_checks_rows_as_scikit_learn_does(fitted_for_inference, case):
    from sklearn.utils.validation import validate_data

    from skae._validation import validate_rows

    model, X, _ = fitted_for_inference
    X = INFERENCE_INPUTS[case](X[:5])
    ours = _rows_or_error(lambda X: validate_rows(model, X, dtype=np.float32, reset=False), X)
    theirs = _rows_or_error(lambda X: validate_data(
        model, X, dtype=np.float32, reset=False, ensure_all_finite="allow-nan"), X)
    assert _same(ours[0], theirs[0]) and ours[1] == theirs[1]


@pytest.mark.parametrize("case", INFERENCE_INPUTS)
def test_codes_are_checked_as_scikit_learn_does(fitted_for_inference, case):
    from sklearn.utils import check_array

    model, _, given = fitted_for_inference
    Z = INFERENCE_INPUTS[case](model.transform(given[:5]))
    ours = _rows_or_error(model.inverse_transform, Z)
    theirs = _rows_or_error(lambda Z: model.inverse_transform(
        check_array(Z, dtype=np.float32, input_name="X")), Z)
    assert _same(ours[0], theirs[0]) and ours[1] == theirs[1]
