"""The training engine: optimizers, schedules, early stopping, warm start, logging."""

import os
import pickle
import warnings

import numpy as np
import pytest
import torch
from scipy.special import xlogy
from sklearn.exceptions import ConvergenceWarning
from skorch.callbacks import Callback

import skae
import skae._data
import skae._net
from skae import (
    Autoencoder,
    ConditionalVariationalAutoencoder,
    DeepEmbeddedClustering,
    SparseAutoencoder,
    VariationalAutoencoder,
)
from skae._callbacks import improves
from skae._data import InMemoryDataset, TensorBatches
from skae._net import OPTIMIZERS


def small(**params):
    return Autoencoder(n_components=4, hidden_layer_sizes=(16,), random_state=0,
                       **{"max_iter": 5, **params})


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_every_optimizer_trains(name, digits):
    X = digits[0][:300]
    lr = 0.05 if name in ("sgd", "adagrad") else 1.0 if name == "adadelta" else 1e-3
    ae = small(optimizer=name, learning_rate_init=lr, max_iter=15).fit(X)
    assert isinstance(ae.net_.optimizer_, OPTIMIZERS[name])
    assert ae.loss_curve_[-1] < ae.loss_curve_[0]


def test_optimizer_class_and_sgd_options(X_small):
    ae = small(optimizer=torch.optim.RAdam).fit(X_small)
    assert isinstance(ae.net_.optimizer_, torch.optim.RAdam)
    sgd = small(optimizer="sgd", momentum=0.5, nesterovs_momentum=False,
                weight_decay=0.01).fit(X_small)
    group = sgd.net_.optimizer_.param_groups[0]
    assert (group["momentum"], group["nesterov"], group["weight_decay"]) == (0.5, False, 0.01)


@pytest.mark.parametrize("schedule", ["plateau", "cosine"])
def test_learning_rate_schedules_lower_the_step(schedule, X_small):
    ae = small(learning_rate=schedule, learning_rate_init=0.01, max_iter=12, tol=10.0)
    ae.fit(X_small)
    assert ae.net_.optimizer_.param_groups[0]["lr"] < 0.01


class StepSizes(Callback):
    """The step size at the start of every epoch."""

    def on_train_begin(self, net, **kwargs):
        self.steps_ = getattr(self, "steps_", [])

    def on_epoch_begin(self, net, **kwargs):
        self.steps_.append(net.optimizer_.param_groups[0]["lr"])


def test_cosine_anneals_each_fit_and_holds_for_partial_fit(X_small):
    # Each fit, a warm start's included, anneals from learning_rate_init over its
    # own max_iter epochs; partial_fit holds the initial step (the number of
    # calls to come is unknown), also after a fit; the default is cosine.
    ae = small(max_iter=4, n_iter_no_change=50, warm_start=True, callbacks=[StepSizes()])
    assert ae.learning_rate == "cosine"
    ae.fit(X_small).set_params(max_iter=2).fit(X_small)
    steps = dict(ae.net_.callbacks_)["StepSizes"].steps_
    cosine = [0.003 * (1 + np.cos(np.pi * t / 4)) / 2 for t in range(4)]
    np.testing.assert_allclose(steps, cosine + [0.003, 0.0015], rtol=1e-6)
    ae.partial_fit(X_small)
    ae.partial_fit(X_small)
    assert dict(ae.net_.callbacks_)["StepSizes"].steps_[-2:] == [0.003, 0.003]
    fresh = small(max_iter=4)
    for _ in range(6):
        fresh.partial_fit(X_small)
    assert fresh.net_.optimizer_.param_groups[0]["lr"] == 0.003


def test_constant_learning_rate_stays(X_small):
    ae = small(learning_rate_init=0.01, learning_rate="constant").fit(X_small)
    assert ae.net_.optimizer_.param_groups[0]["lr"] == 0.01


def test_no_validation_split_without_early_stopping(X_small):
    ae = small().fit(X_small)
    assert ae.validation_loss_curve_ is None and ae.best_epoch_ is None
    assert "valid_loss" not in ae.net_.history[-1]
    assert sum(ae.net_.history[-1, "batches", :, "train_batch_size"]) == len(X_small)


def test_early_stopping_restores_the_best_epoch(digits):
    X = digits[0][:400]
    # A large step makes the validation loss wander, so training stops early. A small
    # tol: a large one can end training on an epoch that beat the best by less than
    # tol, and this test needs the best epoch to come before the last.
    ae = small(early_stopping=True, n_iter_no_change=3, max_iter=200, tol=1e-4,
               learning_rate_init=0.05, validation_fraction=0.25).fit(X)
    assert ae.n_iter_ < 200
    curve = ae.validation_loss_curve_
    assert len(curve) == ae.n_iter_ == len(ae.loss_curve_)
    assert ae.best_epoch_ == int(np.argmin(curve)) + 1
    assert ae.best_epoch_ < ae.n_iter_
    # The restored weights give the best epoch's validation loss, not the last one's.
    rng = np.random.RandomState(0)
    rng.randint(np.iinfo(np.int32).max)
    X_valid = X[rng.permutation(len(X))[:100]]
    assert -ae.score(X_valid) == pytest.approx(min(curve), rel=1e-4)
    assert -ae.score(X_valid) < curve[-1]


@pytest.mark.parametrize("learning_rate", ["constant", "plateau"])
def test_tol_none_is_a_fixed_budget(digits, learning_rate):
    X = digits[0][:400]
    # tol=None runs every epoch, restores the best one, and warns of nothing (as
    # SGDRegressor's tol=None; the same fit with a tol warns that it ran out).
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ae = small(early_stopping=True, n_iter_no_change=3, max_iter=25, tol=None,
                   learning_rate_init=0.02, learning_rate=learning_rate,
                   validation_fraction=0.25).fit(X)
        assert ae.n_iter_ == 25
        assert ae.best_epoch_ == int(np.argmin(ae.validation_loss_curve_)) + 1
        plain = small(max_iter=25, n_iter_no_change=2, tol=None,
                      learning_rate_init=0.02).fit(X)  # still improving
        assert plain.n_iter_ == 25
    with pytest.warns(ConvergenceWarning, match="reached max_iter=25 epochs"):
        small(max_iter=25, n_iter_no_change=2, learning_rate_init=0.02).fit(X)


def test_training_stops_when_the_training_loss_converges(X_small):
    # tol=1 asks an epoch to beat the best loss by all of it,
    # which a squared error never does: the first epoch is the best that counts.
    # (A constant step: the cosine schedule's steps depend on max_iter.)
    stopped = small(max_iter=50, tol=1.0, n_iter_no_change=3,
                    learning_rate="constant").fit(X_small)
    assert stopped.n_iter_ == 4 and stopped.best_epoch_ is None
    # Stopping keeps the last epoch's weights: those of a 4-epoch fit.
    plain = small(max_iter=4, n_iter_no_change=50, learning_rate="constant").fit(X_small)
    assert np.array_equal(stopped.transform(X_small), plain.transform(X_small))
    # The tolerance is relative: a decrease of tol * |best| is not an improvement.
    assert improves(0.98, 1.0, tol=0.01) and not improves(0.99, 1.0, tol=0.01)
    assert improves(-1.02, -1.0, tol=0.01) and not improves(-1.01, -1.0, tol=0.01)
    assert improves(5.0, np.inf, tol=0.01)


def mean_entropy(X, per_sample=np.mean):
    """Mean over rows of the binary entropy of targets X (nats)."""
    return float(np.mean(per_sample(-xlogy(X, X) - xlogy(1 - X, 1 - X), axis=1)))


def test_binary_crossentropy_converges_relative_to_its_floor(digits):
    # Grey targets keep binary cross-entropy far above 0 (a perfect model
    # scores their entropy), so improvement is measured above that floor:
    # 0.2405 after 0.2410 is 5% of the way down to a floor of 0.23.
    assert improves(0.2405, 0.241, tol=0.01, floor=0.23)
    assert not improves(0.2405, 0.241, tol=0.01)
    X = digits[0][:300]
    rule = dict(small(loss="binary_crossentropy").fit(X).net_.callbacks_)["convergence"]
    assert rule.floor == pytest.approx(mean_entropy(X), rel=1e-5)
    assert dict(small().fit(X).net_.callbacks_)["convergence"].floor == 0.0
    # The "plateau" schedule's threshold is relative to the same floor.
    plateau = small(loss="binary_crossentropy", learning_rate="plateau").fit(X)
    assert dict(plateau.net_.callbacks_)["lr_scheduler"].monitor.floor == rule.floor
    # Early stopping watches the validation rows: their floor, not X's.
    es = small(loss="binary_crossentropy", early_stopping=True).fit(X, X_val=X[:50])
    assert dict(es.net_.callbacks_)["early_stopping"].floor == pytest.approx(
        mean_entropy(X[:50]), rel=1e-5)
    # Without early stopping, X_val is only scored: the rule watches X.
    scored = small(loss="binary_crossentropy").fit(X, X_val=X[:50])
    assert dict(scored.net_.callbacks_)["convergence"].floor == rule.floor
    # Rows of one grey level have the same floor, whichever the split holds out.
    grey = np.full((40, 16), 0.25, dtype=np.float32)
    split = small(loss="binary_crossentropy", early_stopping=True,
                  validation_fraction=0.25).fit(grey)
    assert dict(split.net_.callbacks_)["early_stopping"].floor == pytest.approx(
        mean_entropy(grey), rel=1e-5)
    # A VAE's likelihood sums over the features; a warm start takes the new data's floor.
    vae = VariationalAutoencoder(hidden_layer_sizes=(16,), n_components=2, max_iter=1,
                                 loss="binary_crossentropy", warm_start=True,
                                 early_stopping=False, random_state=0).fit(X)
    assert dict(vae.net_.callbacks_)["convergence"].floor == pytest.approx(
        mean_entropy(X, np.sum), rel=1e-5)
    vae.fit(grey[:, :4].repeat(16, axis=1))
    assert dict(vae.net_.callbacks_)["convergence"].floor == pytest.approx(
        mean_entropy(grey, np.sum) * 4, rel=1e-5)


def test_early_stopping_needs_a_validation_sample(X_small):
    with pytest.raises(ValueError, match="leaves 0 of n_samples=3 samples for validation"):
        small(early_stopping=True, validation_fraction=0.1).fit(X_small[:3])


def test_warm_start_continues_training(X_small):
    ae = small(warm_start=True).fit(X_small)
    first = list(ae.loss_curve_)
    net = ae.net_
    ae.fit(X_small)
    assert ae.n_iter_ == 10 and len(ae.net_.history) == 10
    assert ae.loss_curve_[:5] == first
    # The continuation trained a copy (a failed one would keep the fitted net).
    assert ae.net_ is not net and len(net.history) == 5
    cold = small(warm_start=False, max_iter=5).fit(X_small)
    assert cold.n_iter_ == 5


def test_warm_start_keeps_the_early_stopping_setting(X_small):
    ae = small(warm_start=True).fit(X_small)
    with pytest.raises(ValueError, match="first fit's training, which had "
                                         "early_stopping=False; got early_stopping=True"):
        ae.set_params(early_stopping=True).fit(X_small)
    es = small(warm_start=True, early_stopping=True, validation_fraction=0.25).fit(X_small)
    es.fit(X_small)
    assert len(es.validation_loss_curve_) == es.n_iter_ == 10


@pytest.mark.parametrize("params, message", [
    ({"n_components": 3}, "which had n_components=4; got n_components=3"),
    ({"hidden_layer_sizes": (8,), "learning_rate_init": 0.01},
     r"which had hidden_layer_sizes=\(16,\), learning_rate_init=0.003; got "
     r"hidden_layer_sizes=\(8,\), learning_rate_init=0.01"),
    ({"callbacks": [Callback()]}, "which had callbacks=None; got callbacks=\\[<skorch"),
])
def test_warm_start_refuses_parameters_it_would_not_apply(X_small, params, message):
    # The continuation kept the first fit's network and optimizer: a changed
    # n_components then made latent_traversal raise IndexError.
    ae = small(warm_start=True).fit(X_small)
    with pytest.raises(ValueError, match="warm_start=True continues the network, optimizer "
                                         "and callbacks of the fit that built them, " + message):
        ae.set_params(**params).fit(X_small)
    assert ae.n_iter_ == 5
    ae.set_params(warm_start=False).fit(X_small)  # trains anew with the new parameters
    ae.set_params(warm_start=True, max_iter=2, random_state=1).fit(X_small)  # these apply
    assert ae.n_iter_ == 7


def test_warm_start_rejects_other_features(X_small):
    ae = small(warm_start=True).fit(X_small)
    with pytest.raises(ValueError, match="X has 15 features"):
        ae.fit(X_small[:, :15])


def test_user_callbacks_run_and_are_not_modified(X_small):
    class CountEpochs(Callback):
        def __init__(self):
            self.epochs = 0

        def on_epoch_end(self, net, **kwargs):
            self.epochs += 1

    counter = CountEpochs()
    ae = small(callbacks=[counter]).fit(X_small)
    assert counter.epochs == 0
    assert dict(ae.net_.callbacks_)["CountEpochs"].epochs == 5


def test_loss_terms_are_logged(X_small):
    sae = SparseAutoencoder(n_components=4, hidden_layer_sizes=(16,), max_iter=3,
                            early_stopping=True, validation_fraction=0.25,
                            random_state=0).fit(X_small)
    row = sae.net_.history[-1]
    for prefix in ("train", "valid"):
        assert row[f"{prefix}_loss"] == pytest.approx(
            row[f"{prefix}_reconstruction"] + row[f"{prefix}_sparsity"], rel=1e-5)
    assert set(sae.loss_terms_curve_) == {"reconstruction", "sparsity"}
    assert sae.loss_terms_curve_["sparsity"] == list(sae.net_.history[:, "train_sparsity"])
    assert sae.validation_loss_terms_curve_["reconstruction"] == list(
        sae.net_.history[:, "valid_reconstruction"])


@pytest.mark.parametrize("verbose", [0, 1, 2, 3])
def test_verbose_prints_one_line_per_epoch(verbose, X_small, capsys):
    # Under pytest standard error is not a terminal: verbose=2 prints the
    # lines of verbose=1, with no bar, as it does into a log file.
    small(verbose=verbose, max_iter=3).fit(X_small)
    captured = capsys.readouterr()
    if verbose == 0:
        assert captured.out == "" and captured.err == ""
        return
    assert "train_loss" in captured.out and "dur" in captured.out
    epoch_lines = [line for line in captured.out.splitlines() if line.strip()[:1].isdigit()]
    assert len(epoch_lines) == 3
    assert "\r" not in captured.out and "epoch/s" not in captured.err
    # verbose=3 adds a bar over each epoch's batches (tqdm writes it to stderr).
    assert ("it/s" in captured.err) == (verbose == 3)


def test_a_silent_fit_formats_no_epoch_table(X_small, capsys, monkeypatch):
    # skorch formats its table every epoch, printed or not: 6% to 7% of a
    # default fit's time on digits or breast cancer (benchmarks/bench_step.py).
    from skorch.callbacks import PrintLog

    tables = []
    monkeypatch.setattr(PrintLog, "table", lambda self, row: tables.append(row) or "h\n-\nrow")
    small(max_iter=3).fit(X_small)
    assert tables == [] and capsys.readouterr().out == ""
    small(max_iter=3, verbose=1).fit(X_small)
    assert len(tables) == 3 and capsys.readouterr().out.count("row") == 3


def test_verbose_2_shows_a_bar_over_epochs_where_it_can_be_seen(X_small, capsys, monkeypatch):
    monkeypatch.setattr(skae._net, "progress_bar_shows", lambda: True)
    ae = small(verbose=2, max_iter=3, n_iter_no_change=5).fit(X_small)
    captured = capsys.readouterr()
    assert "3/3" in captured.err and "loss=" in captured.err
    # The bar replaces the per-epoch lines; the closing line stays.
    assert not [line for line in captured.out.splitlines() if line.strip()[:1].isdigit()]
    assert captured.out.startswith("Trained 3 epochs")
    pickle.loads(pickle.dumps(ae))  # the closed bar is not kept

    small(verbose=2, max_iter=3, early_stopping=True, validation_fraction=0.25).fit(X_small)
    assert "validation loss=" in capsys.readouterr().err


def test_batches_index_whole_tensor_and_keep_every_sample():
    X = InMemoryDataset(torch.arange(11.0).reshape(11, 1))
    batches = list(TensorBatches(X, 5, shuffle=True, device="cpu", merge_singleton=True))
    assert [len(xb) for xb, _ in batches] == [5, 6]
    assert all(xb is yb for xb, yb in batches)
    assert sorted(torch.cat([xb for xb, _ in batches]).flatten().tolist()) == list(range(11))
    plain = list(TensorBatches(X, 5, shuffle=False, device="cpu"))
    assert [len(xb) for xb, _ in plain] == [5, 5, 1]


def test_conditioned_batches_keep_rows_and_conditions_together():
    X = torch.arange(11.0).reshape(11, 1)
    data = InMemoryDataset(X, condition=-X)
    for inputs, target in TensorBatches(data, 4, shuffle=True, device="cpu"):
        assert inputs["x"] is target
        torch.testing.assert_close(inputs["condition"], -target)


def test_batch_norm_with_a_trailing_single_sample(X_small):
    ae = small(batch_norm=True, batch_size=13).fit(X_small)  # 40 = 3 * 13 + 1
    assert np.isfinite(ae.loss_curve_).all()
    with pytest.raises(ValueError, match="batch_norm=True needs at least 2"):
        small(batch_norm=True).fit(X_small[:1])


def test_batch_size_default_and_larger_than_the_data(digits):
    ae = small(max_iter=1).fit(digits[0][:450])
    assert ae.net_.history[-1, "batches", 0, "train_batch_size"] == 128
    assert ae.net_.history[-1, "train_batch_count"] == 4
    ae = small(max_iter=1, batch_size=1000).fit(digits[0][:450])
    assert ae.net_.history[-1, "batches", :, "train_batch_size"] == [450]


def test_summary_of_training_rows_matches_numpy():
    from skae._streaming import summarize_rows

    X = np.random.default_rng(0).random((5000, 7)).astype(np.float32) * 3 + 1
    rows = np.random.default_rng(1).permutation(5000)[:3000]
    summary = summarize_rows(X, rows, elements=256 * 7)
    part = X[rows].astype(np.float64)
    assert (summary.n_features, summary.min, summary.max) == (7, part.min(), part.max())
    assert summary.std == pytest.approx(part.std(), rel=1e-12)
    assert summarize_rows(X, slice(None)).std == pytest.approx(X.astype(np.float64).std())


def test_optimizer_params_reach_the_optimizer(X_small):
    ae = small(optimizer_params={"betas": (0.5, 0.9), "eps": 1e-6}).fit(X_small)
    group = ae.net_.optimizer_.param_groups[0]
    assert (group["betas"], group["eps"]) == ((0.5, 0.9), 1e-6)
    rmsprop = small(optimizer="rmsprop", optimizer_params={"momentum": 0.5}).fit(X_small)
    assert rmsprop.net_.optimizer_.param_groups[0]["momentum"] == 0.5


@pytest.mark.parametrize("optimizer", ["adam", "adamw", "sgd", "adagrad"])
def test_torch_fused_optimizer_where_it_has_one(X_small, optimizer):
    from skae._net import prefer_fused

    cpu = torch.device("cpu")
    if "fused" not in prefer_fused(OPTIMIZERS[optimizer], {}, cpu):
        pytest.skip(f"this torch has no fused {optimizer} on the CPU")
    fused = small(optimizer=optimizer).fit(X_small)
    assert fused.net_.optimizer_.param_groups[0]["fused"] is True
    # The same algorithm: the fits agree to float32 rounding, epoch after epoch.
    plain = small(optimizer=optimizer,
                  optimizer_params={"fused": False}).fit(X_small)
    assert not plain.net_.optimizer_.param_groups[0]["fused"]
    np.testing.assert_allclose(fused.net_.history[:, "train_loss"],
                               plain.net_.history[:, "train_loss"], rtol=1e-4)
    np.testing.assert_allclose(fused.transform(X_small), plain.transform(X_small),
                               rtol=1e-3, atol=1e-4)


@pytest.mark.parametrize("params", [{"foreach": True}, {"fused": False},
                                    {"differentiable": False}])
def test_an_implementation_the_user_chooses_is_kept(X_small, params):
    group = small(optimizer_params=params).fit(X_small).net_.optimizer_.param_groups[0]
    assert not group["fused"] and all(group[k] == v for k, v in params.items())


@pytest.mark.parametrize("params, message", [
    ({"rho": 0.9}, "optimizer_params has 'rho', which optimizer=Adam does not take"),
    ({"lr": 0.1}, "optimizer_params sets 'lr', which the parameter learning_rate_init sets"),
    ({"weight_decay": 0.1}, "sets 'weight_decay', which the parameter weight_decay sets"),
])
def test_optimizer_params_refused_by_name(X_small, params, message):
    with pytest.raises(ValueError, match=message):
        small(optimizer_params=params).fit(X_small)


@pytest.mark.parametrize("params, message", [
    ({"optimizer_params": {"betas": (0.9,)}},
     r"optimizer=Adam with optimizer_params=\{'betas': \(0.9,\)\} cannot train: a step on "
     "a dense parameter fails with IndexError"),
    ({"optimizer": torch.optim.SparseAdam},
     "optimizer=SparseAdam cannot train: a step on a dense parameter fails with RuntimeError"),
    ({"optimizer": torch.optim.Optimizer}, "optimizer=Optimizer cannot train"),
])
def test_optimizers_that_cannot_step_are_refused_by_name(X_small, params, message):
    # Each failed inside torch at the first batch (IndexError, sparse gradients, ...).
    with pytest.raises(ValueError, match=message):
        small(**params).fit(X_small)
    assert small(optimizer=torch.optim.LBFGS).fit(X_small).n_iter_ == 5  # skorch's closure


@pytest.mark.parametrize("name", ["divergence", "print_log", "kl_warmup", "train_kl"])
def test_a_callback_named_as_one_of_skae_is_refused_by_name(X_small, name):
    # skorch said "Found duplicate user-set callback name" of names the user never set twice.
    vae = VariationalAutoencoder(n_components=2, max_iter=2, kl_warmup=1,
                                 callbacks=[(name, Callback())])
    with pytest.raises(ValueError, match=f"callbacks has one named '{name}', the name of a "
                                         f"callback that skae adds to this fit .* "
                                         f"\\('my_{name}', callback\\)"):
        vae.fit(X_small)
    assert "mine" in dict(vae.set_params(callbacks=[("mine", Callback())]).fit(X_small)
                          .net_.callbacks_)


def test_bad_optimizer_params_fail_before_pretraining(digits):
    from skae import AutoencoderClassifier

    class NoPretraining(Callback):
        def on_train_begin(self, net, **kwargs):
            raise RuntimeError("the autoencoder was pretrained")

    clf = AutoencoderClassifier(small(callbacks=[NoPretraining()]),
                                optimizer_params={"rho": 0.9})
    with pytest.raises(ValueError, match="'rho'"):
        clf.fit(*[d[:100] for d in digits])


def test_validation_data_gives_curves_without_early_stopping(digits):
    X = digits[0]
    ae = small(max_iter=4).fit(X[:300], X_val=X[300:400])
    assert ae.best_epoch_ is None and len(ae.validation_loss_curve_) == ae.n_iter_ == 4
    # The last epoch's weights are kept, and the curve scores X_val with them.
    assert -ae.score(X[300:400]) == pytest.approx(ae.validation_loss_curve_[-1], rel=1e-4)
    assert set(ae.validation_loss_terms_curve_) == {"reconstruction"}
    # X is trained on whole: no validation_fraction is held out of it.
    assert sum(ae.net_.history[-1, "batches", :, "train_batch_size"]) == 300
    # With early stopping, X_val replaces the held-out fraction.
    es = small(max_iter=4, early_stopping=True, validation_fraction=0.5).fit(
        X[:300], X_val=X[300:400])
    assert sum(es.net_.history[-1, "batches", :, "train_batch_size"]) == 300
    assert sum(es.net_.history[-1, "batches", :, "valid_batch_size"]) == 100
    assert es.best_epoch_ == int(np.argmin(es.validation_loss_curve_)) + 1
    # A warm start without X_val leaves NaN in the epochs it adds.
    warm = small(max_iter=2, warm_start=True).fit(X[:300], X_val=X[300:400])
    warm.fit(X[:300])
    assert np.isfinite(warm.validation_loss_curve_[:2]).all()
    assert np.isnan(warm.validation_loss_curve_[2:]).all() and warm.n_iter_ == 4
    with pytest.raises(ValueError, match="Invalid X_val: X has 32 features, but Autoencoder is "
                                         "expecting 64 features"):
        small().fit(X[:300], X_val=X[300:400, :32])


def test_l1_penalty_on_the_weights(digits):
    X = digits[0][:300]

    def l1(module):
        return sum(m.weight.abs().sum().item() for m in module.modules()
                   if isinstance(m, torch.nn.Linear))

    plain = small(max_iter=40).fit(X)
    sparse = small(max_iter=40, weight_l1=1e-2).fit(X)
    assert l1(sparse.module_) < 0.5 * l1(plain.module_)
    # The penalty is a term of the objective, in training and validation alike.
    terms = sparse.loss_terms_curve_
    assert set(terms) == {"reconstruction", "weight_l1"}
    np.testing.assert_allclose(sparse.loss_curve_, np.add(terms["reconstruction"],
                                                          terms["weight_l1"]), rtol=1e-5)
    # The logged term averages the epoch's batches, over which the weights still shrink.
    assert terms["weight_l1"][-1] == pytest.approx(1e-2 * l1(sparse.module_), rel=0.15)
    es = small(max_iter=2, weight_l1=1e-3, early_stopping=True,
               validation_fraction=0.2).fit(X)
    valid = es.validation_loss_terms_curve_
    assert set(valid) == {"reconstruction", "weight_l1"}
    np.testing.assert_allclose(es.validation_loss_curve_, np.add(valid["reconstruction"],
                                                                 valid["weight_l1"]), rtol=1e-5)
    # Validation sees the weights after the epoch's last step: those restored.
    assert valid["weight_l1"][es.best_epoch_ - 1] == pytest.approx(1e-3 * l1(es.module_),
                                                                   rel=1e-4)


def test_verbose_output_is_plain_text_with_a_closing_summary(X_small, capsys, monkeypatch):
    small(max_iter=3, verbose=1, early_stopping=True, validation_fraction=0.25).fit(X_small)
    out = capsys.readouterr().out
    assert "\x1b[" not in out  # a pipe or log file gets no colour codes
    assert "valid_loss" in out.splitlines()[0]
    assert out.splitlines()[-1].startswith(
        "Trained 3 epochs in ") and "stopped because max_iter=3 epochs ran" in out
    assert "weights of epoch" in out.splitlines()[-1]
    small(max_iter=50, verbose=1, tol=1.0, n_iter_no_change=2).fit(X_small)
    last = capsys.readouterr().out.splitlines()[-1]
    assert last.startswith("Trained 3 epochs") and "the training loss did not improve" in last
    # On a terminal, skorch's colours mark the best epochs.
    monkeypatch.setattr("skae._callbacks._stdout_is_terminal", lambda: True)
    small(max_iter=3, verbose=1).fit(X_small)
    assert "\x1b[" in capsys.readouterr().out
    small(max_iter=3).fit(X_small)
    assert capsys.readouterr().out == ""


def test_partial_fit_trains_one_epoch_per_block(digits):
    X = digits[0]
    blocks = [X[:600], X[600:1200], X[1200:]]
    ae = small(early_stopping=True, n_iter_no_change=1)
    for i, block in enumerate(blocks * 2, 1):
        ae.partial_fit(block)
        assert ae.n_iter_ == len(ae.loss_curve_) == i
    # All of each block trains (nothing held out), and the optimizer's state
    # carries over: Adam counts every step since the first call.
    n_batches = sum(len(range(0, len(b), ae.batch_size)) for b in blocks)
    assert sum(ae.net_.history[-1, "batches", :, "train_batch_size"]) == len(blocks[-1])
    state = next(iter(ae.net_.optimizer_.state.values()))
    assert int(state["step"]) == 2 * n_batches
    assert ae.validation_loss_curve_ is None and ae.best_epoch_ is None
    # The same random_state gives the same sequence of models.
    again = small(early_stopping=True, n_iter_no_change=1)
    for block in blocks * 2:
        again.partial_fit(block)
    np.testing.assert_array_equal(again.transform(X[:50]), ae.transform(X[:50]))
    # fit starts anew.
    assert ae.set_params(early_stopping=False).fit(X).n_iter_ <= 5
    with pytest.raises(ValueError, match="X has 10 features, but Autoencoder is expecting 64"):
        ae.partial_fit(X[:, :10])


def test_which_estimators_have_partial_fit():
    # DEC's KMeans start needs all the data at once.
    assert not hasattr(DeepEmbeddedClustering(), "partial_fit")
    assert hasattr(ConditionalVariationalAutoencoder(), "partial_fit")
    assert hasattr(VariationalAutoencoder(), "partial_fit")


def test_partial_fit_continues_a_fit(X_small, capsys):
    ae = small(max_iter=3, early_stopping=True, validation_fraction=0.25, verbose=1)
    ae.fit(X_small).partial_fit(X_small)
    assert ae.n_iter_ == 4 and np.isnan(ae.validation_loss_curve_[-1])
    last = capsys.readouterr().out.splitlines()[-1]
    assert last.startswith("Trained 1 epoch in ") and "the epochs asked for ran" in last


def _Threads(seen):
    """A callback that appends torch's threads to ``seen`` at each epoch's end
    (through the closure: a fit trains on a deep copy of its callbacks)."""

    class Threads(Callback):
        def on_epoch_end(self, net, **kwargs):
            seen.append(torch.get_num_threads())

    return Threads()


def test_a_fit_uses_only_the_cores_other_processes_leave_idle(X_small, monkeypatch):
    seen = []
    caller = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        monkeypatch.setattr("skae._threads.idle_cores", lambda: 1)
        small(max_iter=2, callbacks=[_Threads(seen)]).fit(X_small)
        assert seen == [1, 1] and torch.get_num_threads() == 2  # restored afterwards
        monkeypatch.setattr("skae._threads.idle_cores", lambda: None)  # unknown: as set
        seen.clear()
        small(max_iter=1, callbacks=[_Threads(seen)]).fit(X_small)
        assert seen == [2]
    finally:
        torch.set_num_threads(caller)


def test_cpu_threads_switches_the_thread_policy(X_small, monkeypatch):
    seen = []
    caller = torch.get_num_threads()
    torch.set_num_threads(2)
    monkeypatch.setattr("skae._threads.idle_cores", lambda: 1)
    try:
        with skae.config_context(cpu_threads="torch"):  # the policy off: torch's setting
            small(max_iter=1, callbacks=[_Threads(seen)]).fit(X_small)
        with skae.config_context(cpu_threads=3):
            assert skae.get_config()["cpu_threads"] == 3
            small(max_iter=1, callbacks=[_Threads(seen)]).fit(X_small)
        assert skae.get_config()["cpu_threads"] == "auto"  # restored after the block
        small(max_iter=1, callbacks=[_Threads(seen)]).fit(X_small)
        assert seen == [2, 3, 1] and torch.get_num_threads() == 2
        # Inference follows it too; under "auto", calls on at most 64 rows keep
        # torch's setting (sampling the cores would cost more than the call).
        ae = small(max_iter=1).fit(X_small)
        calls = []
        monkeypatch.setattr(ae.net_.inference_module(torch.float64), "encode",
                            lambda x: calls.append(torch.get_num_threads()) or x[:, :2])
        rows = np.repeat(X_small, 2, axis=0)
        ae.transform(rows[:65])
        ae.transform(rows[:64])
        with skae.config_context(cpu_threads=3):
            ae.transform(rows[:65])
            ae.transform(rows[:1])
        assert calls == [1, 2, 3, 3]
    finally:
        torch.set_num_threads(caller)


@pytest.mark.parametrize("value", ["all", 0, -2, 1.5, True])
def test_cpu_threads_rejects_other_values(value):
    with pytest.raises(ValueError, match=r"cpu_threads must be 'auto', 'torch' or a positive"):
        skae.set_config(cpu_threads=value)
    assert skae.get_config()["cpu_threads"] == "auto"


def test_cpu_threads_is_per_thread_and_read_from_the_environment(monkeypatch):
    import threading

    seen = []
    with skae.config_context(cpu_threads=1):
        worker = threading.Thread(target=lambda: seen.append(skae.get_config()))
        worker.start()
        worker.join()
    assert seen == [{"cpu_threads": "auto", "interrupt": "keep"}]  # the global values
    # The initial value, read from the environment when skae is imported.
    from skae._config import _from_environment

    for value, read in (("4", 4), (" auto ", "auto"), ("torch", "torch")):
        monkeypatch.setenv("SKAE_CPU_THREADS", value)
        assert _from_environment()["cpu_threads"] == read
    monkeypatch.setenv("SKAE_CPU_THREADS", "many")
    with pytest.raises(ValueError, match="The environment variable SKAE_CPU_THREADS must be "
                                         "'auto', 'torch' or a positive int; got 'many'"):
        _from_environment()


def test_idle_cores_reads_proc_stat():
    from skae._threads import _IDLE_CORES_CACHE, idle_cores

    _IDLE_CORES_CACHE["at"] = -np.inf
    cores = idle_cores()
    assert cores is None or 1 <= cores <= len(os.sched_getaffinity(0))
    assert idle_cores() == cores  # cached


def test_training_data_stays_where_it_is_on_the_cpu(digits, monkeypatch):
    # On the CPU nothing is copied for the fit: batches are cut from X's own memory.
    X = np.ascontiguousarray(digits[0][:100])
    sources = []
    take = TensorBatches._take

    def spy(self, tensor, start, stop, order):
        sources.append(tensor.data_ptr())
        return take(self, tensor, start, stop, order)

    monkeypatch.setattr(TensorBatches, "_take", spy)
    small(max_iter=1).fit(X)
    assert set(sources) == {X.ctypes.data}
    assert skae._data.fits_on_device(1, "cpu") is False


def _fit_on_cuda(estimator, X, resident, monkeypatch):
    """Fit on CUDA with the training data moved there whole (``resident``) or
    copied batch by batch from pinned memory; returns the fitted estimator
    and the devices that batches were cut on."""
    sources = set()
    take = TensorBatches._take

    def spy(self, tensor, start, stop, order):
        sources.add(tensor.device.type)
        batch = take(self, tensor, start, stop, order)
        assert batch.is_cuda
        return batch

    with monkeypatch.context() as patch:
        patch.setattr(skae._data, "_RESIDENT_SHARE", 0.5 if resident else 0.0)
        patch.setattr(TensorBatches, "_take", spy)
        return estimator.set_params(device="cuda").fit(X), sources


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_cuda_training_set_moves_once_when_it_fits_else_pinned_batches(digits, monkeypatch):
    X = digits[0][:300]
    on_device, where = _fit_on_cuda(small(early_stopping=True), X, True, monkeypatch)
    assert where == {"cuda"}
    pinned, where = _fit_on_cuda(small(early_stopping=True), X, False, monkeypatch)
    assert where == {"cpu"}
    # The same shuffles and batches either way: the same training.
    np.testing.assert_allclose(on_device.loss_curve_, pinned.loss_curve_, rtol=1e-4)
    np.testing.assert_allclose(on_device.validation_loss_curve_,
                               pinned.validation_loss_curve_, rtol=1e-4)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_cuda_dec_updates_the_targets_where_the_data_is(digits, monkeypatch):
    # DEC writes its target distribution into the training data set in place:
    # on the device when the data moved there, on the host otherwise.
    X = digits[0][:300]

    def dec():
        return DeepEmbeddedClustering(
            4, Autoencoder(n_components=4, hidden_layer_sizes=(16,), max_iter=3),
            update_interval=2, max_iter=3, random_state=0)

    on_device, where = _fit_on_cuda(dec(), X, True, monkeypatch)
    assert where == {"cuda"}
    pinned, _ = _fit_on_cuda(dec(), X, False, monkeypatch)
    np.testing.assert_allclose(on_device.loss_terms_curve_["clustering"],
                               pinned.loss_terms_curve_["clustering"], rtol=1e-3)
    assert on_device.loss_terms_curve_["clustering"][-1] > 0
