"""What is unique to AutoencoderClassifier: pretraining, fine-tuning, freezing."""

import pickle

import numpy as np
import pytest
import torch
from sklearn.base import clone
from sklearn.decomposition import PCA
from sklearn.exceptions import NotFittedError
from sklearn.frozen import FrozenEstimator

from skae import Autoencoder, AutoencoderClassifier, ConvAutoencoder, VariationalAutoencoder


def pretrained(**params):
    # A short pretraining at a constant step: the budget the thresholds below
    # were set with (the default cosine schedule over 20 epochs trains less).
    return Autoencoder(**{"n_components": 16, "max_iter": 20, "random_state": 0,
                          "batch_size": 64, "learning_rate_init": 1e-3,
                          "learning_rate": "constant", **params})


def test_fine_tuned_encoder_classifies_held_out_digits(digits):
    X, y = digits
    clf = AutoencoderClassifier(pretrained(), max_iter=100, random_state=0)
    clf.fit(X[:1200], y[:1200])
    # 0.928 when written; scikit-learn's MLPClassifier scores 0.930 on this split.
    assert clf.score(X[1200:], y[1200:]) > 0.91
    proba = clf.predict_proba(X[1200:1210])
    np.testing.assert_allclose(proba.sum(axis=1), 1, rtol=1e-6)
    np.testing.assert_array_equal(clf.classes_[proba.argmax(1)], clf.predict(X[1200:1210]))
    np.testing.assert_allclose(clf.predict_log_proba(X[:5]), np.log(clf.predict_proba(X[:5])))


def test_freeze_encoder_trains_the_head_only(digits):
    X, y = digits[0][:400], digits[1][:400]
    before = {k: v.clone() for k, v in pretrained(max_iter=3).fit(X).module_.state_dict().items()}
    frozen = AutoencoderClassifier(pretrained(max_iter=3), freeze_encoder=True, max_iter=5,
                                   random_state=0).fit(X, y)
    tuned = AutoencoderClassifier(pretrained(max_iter=3), max_iter=5, random_state=0).fit(X, y)
    for name, value in frozen.module_.autoencoder.state_dict().items():
        torch.testing.assert_close(value, before[name])
    changed = [not torch.equal(v, before[f"encoder.{k}"])
               for k, v in tuned.module_.autoencoder.encoder.state_dict().items()
               if f"encoder.{k}" in before]
    assert any(changed)
    assert all(not p.requires_grad for p in frozen.module_.autoencoder.parameters())


def test_string_labels_early_stopping_and_warm_start(digits):
    X = digits[0][:300]
    y = np.array(["even", "odd"])[digits[1][:300] % 2]
    clf = AutoencoderClassifier(pretrained(max_iter=2), max_iter=4, early_stopping=True,
                                random_state=0).fit(X, y)
    assert list(clf.classes_) == ["even", "odd"]
    assert set(clf.predict(X)) <= {"even", "odd"}
    assert clf.best_epoch_ is not None and len(clf.validation_loss_curve_) == clf.n_iter_
    warm = AutoencoderClassifier(pretrained(max_iter=2), max_iter=3, warm_start=True,
                                 random_state=0).fit(X, y)
    pretrained_module = warm.autoencoder_
    warm.fit(X, y)
    assert warm.n_iter_ == 6 and warm.autoencoder_ is pretrained_module
    with pytest.raises(ValueError,
                       match=r"labels not seen in fit: \['three'\]; warm_start=True keeps"):
        warm.fit(X[:3], ["even", "odd", "three"])


def test_variational_encoder_and_default(digits):
    X, y = digits[0][:200], digits[1][:200]
    vae = VariationalAutoencoder(n_components=4, max_iter=2, random_state=0)
    clf = AutoencoderClassifier(vae, max_iter=2, random_state=0).fit(X, y)
    assert clf.predict(X[:5]).shape == (5,)
    default = AutoencoderClassifier(max_iter=1, random_state=0)
    assert default.fit(X[:64], y[:64]).autoencoder_.n_components == 32


def test_rejects_an_autoencoder_that_is_not_skae(digits):
    X, y = digits[0][:100], digits[1][:100]
    with pytest.raises(TypeError, match="autoencoder must be a skae autoencoder, "
                                        "unconditional .*got PCA"):
        AutoencoderClassifier(PCA(2), max_iter=1).fit(X, y)


def test_from_scratch_trains_the_same_network_without_pretraining(digits):
    X, y = digits[0][:600], digits[1][:600]
    ae = Autoencoder(n_components=16, hidden_layer_sizes=(32,), max_iter=5, random_state=0)
    scratch = AutoencoderClassifier(ae, pretrain=False, max_iter=30, random_state=0).fit(X, y)
    tuned = AutoencoderClassifier(ae, max_iter=30, random_state=0).fit(X, y)
    assert not hasattr(scratch, "autoencoder_") and hasattr(tuned, "autoencoder_")
    shapes = [p.shape for p in scratch.module_.parameters()]
    assert shapes == [p.shape for p in tuned.module_.parameters()]
    assert scratch.score(X, y) > 0.9
    # Reproducible from random_state, and the autoencoder itself is never fitted.
    again = AutoencoderClassifier(ae, pretrain=False, max_iter=30, random_state=0).fit(X, y)
    np.testing.assert_array_equal(again.predict_proba(X), scratch.predict_proba(X))
    assert not hasattr(ae, "net_")


def test_from_scratch_cnn(digits):
    X, y = digits[0][:300], digits[1][:300]
    clf = AutoencoderClassifier(ConvAutoencoder(image_shape=(1, 8, 8), n_components=8,
                                                channels=(4,)),
                                pretrain=False, max_iter=5, random_state=0).fit(X, y)
    assert clf.predict(X).shape == (300,)
    assert any(isinstance(m, torch.nn.Conv2d) for m in clf.module_.modules())


def test_frozen_autoencoder_is_used_as_it_is(digits):
    X, y = digits[0][:300], digits[1][:300]
    ae = pretrained(max_iter=3).fit(X)
    before = {k: v.clone() for k, v in ae.module_.state_dict().items()}
    codes = ae.transform(X[:20])
    frozen = FrozenEstimator(ae)
    tuned = AutoencoderClassifier(frozen, max_iter=3, random_state=0).fit(X, y)
    # No clone, no refit: the classifier holds the fitted autoencoder itself,
    # and fine-tuning trained a copy of its encoder.
    assert tuned.autoencoder_ is ae and ae.n_iter_ == 3
    for name, value in ae.module_.state_dict().items():
        torch.testing.assert_close(value, before[name])
    assert not torch.equal(tuned.module_.autoencoder.encoder[0].weight,
                           ae.module_.encoder[0].weight)
    np.testing.assert_array_equal(ae.transform(X[:20]), codes)
    # freeze_encoder keeps the copy at the frozen weights too.
    probe = AutoencoderClassifier(frozen, freeze_encoder=True, max_iter=3,
                                  random_state=0).fit(X, y)
    torch.testing.assert_close(probe.module_.autoencoder.encoder[0].weight,
                               ae.module_.encoder[0].weight)
    assert clone(probe).autoencoder is frozen


def test_frozen_autoencoder_errors(digits):
    X, y = digits[0][:100], digits[1][:100]
    with pytest.raises(NotFittedError, match="FrozenEstimator autoencoder wraps an unfitted "
                                             "Autoencoder; fit it before freezing it"):
        AutoencoderClassifier(FrozenEstimator(pretrained()), max_iter=1).fit(X, y)
    ae = pretrained(max_iter=1).fit(X[:, :32])
    with pytest.raises(ValueError, match="X has 64 features, but the FrozenEstimator "
                                         "autoencoder was fitted on 32 features"):
        AutoencoderClassifier(FrozenEstimator(ae), max_iter=1).fit(X, y)
    with pytest.raises(ValueError, match="pretrain=False trains the encoder from its initial "
                                         "weights, but the autoencoder is a FrozenEstimator"):
        AutoencoderClassifier(FrozenEstimator(ae), pretrain=False).fit(X[:, :32], y)
    with pytest.raises(TypeError, match="must be a skae autoencoder.* got PCA"):
        AutoencoderClassifier(FrozenEstimator(PCA(2).fit(X))).fit(X, y)


def test_accuracy_curves_and_validation_data(digits):
    X, y = digits[0][:500], digits[1][:500]
    clf = AutoencoderClassifier(pretrained(max_iter=2), max_iter=4, dropout=0.0,
                                random_state=0).fit(X[:400], y[:400], X_val=X[400:],
                                                    y_val=y[400:])
    assert len(clf.accuracy_curve_) == len(clf.validation_accuracy_curve_) == clf.n_iter_
    assert clf.validation_accuracy_curve_[-1] == pytest.approx(clf.score(X[400:], y[400:]))
    assert -clf.validation_loss_curve_[-1] == pytest.approx(
        np.mean(np.log(clf.predict_proba(X[400:])[np.arange(100), y[400:]])), rel=1e-4)
    assert clf.net_.history[-1, "train_accuracy"] == clf.accuracy_curve_[-1]
    assert all(0 <= a <= 1 for a in clf.accuracy_curve_)
    plain = AutoencoderClassifier(pretrained(max_iter=2), max_iter=2).fit(X, y)
    assert plain.validation_accuracy_curve_ is None and len(plain.accuracy_curve_) == 2
    with pytest.raises(ValueError, match="X_val and y_val go together"):
        plain.fit(X, y, X_val=X[:10])
    with pytest.raises(ValueError, match=r"labels not seen in fit: \[10\]; y_val's labels "
                                         "must be among y's"):
        plain.fit(X, y, X_val=X[:2], y_val=[0, 10])


def test_batch_norm_in_the_head(digits):
    X, y = digits[0][:129], digits[1][:129]  # a last batch of one joins the one before
    clf = AutoencoderClassifier(pretrained(max_iter=1), batch_norm=True, dropout=0.2,
                                max_iter=2, random_state=0).fit(X, y)
    assert isinstance(clf.module_.head[1], torch.nn.BatchNorm1d)
    assert clf.module_.head[1].num_batches_tracked > 0
    with pytest.raises(ValueError, match="batch_norm=True needs batches of at least 2"):
        clf.set_params(batch_size=1).fit(X, y)


def test_partial_fit_over_blocks_with_a_frozen_autoencoder(digits):
    X, y = digits
    ae = pretrained(max_iter=1)
    for start in range(0, 1200, 400):
        ae.partial_fit(X[start:start + 400])
    clf = AutoencoderClassifier(FrozenEstimator(ae), max_iter=1, random_state=0)
    for epoch in range(3):
        for start in range(0, 1200, 400):
            clf.partial_fit(X[start:start + 400], y[start:start + 400],
                            classes=np.arange(10) if epoch == start == 0 else None)
    assert clf.autoencoder_ is ae and clf.n_iter_ == len(clf.accuracy_curve_) == 9
    assert list(clf.classes_) == list(range(10))
    assert clf.score(X[1200:], y[1200:]) > 0.3  # 0.41 when written; chance is 0.1
    state = next(iter(clf.net_.optimizer_.state.values()))
    assert int(state["step"]) == 9 * 7  # 7 batches of 64 per block of 400, kept throughout
    with pytest.raises(ValueError, match="classes must be passed on the first call"):
        AutoencoderClassifier().partial_fit(X[:10], y[:10])
    with pytest.raises(ValueError, match=r"classes=\[0, 1\] is not the classes"):
        clf.partial_fit(X[:10], y[:10], classes=[0, 1])
    with pytest.raises(ValueError, match=r"labels not seen in fit: \[12\]; y's labels must "
                                         "be among classes"):
        AutoencoderClassifier(max_iter=1).partial_fit(X[:10], [0] * 9 + [12],
                                                      classes=range(10))


def test_image_augmentation_flips_and_shifts_each_image_whole():
    from skae._modules import ImageAugmentation

    images = torch.arange(6 * 2 * 28 * 28, dtype=torch.float32).reshape(6, 2, 28, 28) + 1
    rows = images.reshape(6, -1)
    shift = ImageAugmentation((2, 28, 28), shift=True)
    with torch.random.fork_rng():  # draws from a seeded generator, restored afterwards
        torch.manual_seed(0)
        flipped = ImageAugmentation((2, 28, 28), flip=True)(rows).reshape(images.shape)
        shifted = shift(rows).reshape(images.shape)
    mirrored = [torch.equal(f, i.flip(2)) for f, i in zip(flipped, images)]
    assert all(m or torch.equal(f, i) for m, f, i in zip(mirrored, flipped, images))
    assert 0 < sum(mirrored) < 6
    assert shift.max_shift == (2, 2)
    moves = set()
    for out, image in zip(shifted, images):
        # Where the centre pixel went; the rest, both channels, moved alike.
        where = (out[0] == image[0, 14, 14]).nonzero()
        (dy, dx), = where.tolist()
        dy, dx = dy - 14, dx - 14
        moves.add((dy, dx))
        assert abs(dy) <= 2 and abs(dx) <= 2
        moved = torch.roll(image, (dy, dx), dims=(1, 2))
        inside = out != 0
        torch.testing.assert_close(out[inside], moved[inside])
        assert (out == 0).sum() == 2 * (28 * 28 - (28 - abs(dy)) * (28 - abs(dx)))
    assert len(moves) > 2  # each image draws its own move
    assert ImageAugmentation((1, 8, 13), shift=True).max_shift == (1, 1)


class CountingAugmentation(torch.nn.Module):
    """Adds 1 to every batch and counts the rows it changed."""

    def __init__(self):
        super().__init__()
        self.rows = 0

    def forward(self, x):
        self.rows += len(x)
        return x + 1


def test_augmentation_changes_training_batches_only(digits):
    X, y = digits[0][:300], digits[1][:300]
    ae = ConvAutoencoder(image_shape=(1, 8, 8), n_components=8, channels=(4,), max_iter=2)
    plain = AutoencoderClassifier(ae, max_iter=3, random_state=0).fit(X, y)
    shifted = AutoencoderClassifier(ae, augmentation="flip_shift", max_iter=3, random_state=0)
    shifted.fit(X, y, X_val=X[:50], y_val=y[:50])
    assert shifted.module_.augmentation.max_shift == (1, 1)
    # Same pretraining and seed: only the changed batches set the weights apart.
    np.testing.assert_array_equal(shifted.autoencoder_.transform(X),
                                  plain.autoencoder_.transform(X))
    assert not np.allclose(shifted.predict_proba(X), plain.predict_proba(X))
    # Predictions and validation see X as it is, so repeat exactly; so does a refit.
    np.testing.assert_array_equal(shifted.predict_proba(X), shifted.predict_proba(X))
    again = clone(shifted).fit(X, y, X_val=X[:50], y_val=y[:50])
    np.testing.assert_array_equal(again.predict_proba(X), shifted.predict_proba(X))
    assert again.validation_loss_curve_ == shifted.validation_loss_curve_
    np.testing.assert_array_equal(pickle.loads(pickle.dumps(shifted)).predict_proba(X),
                                  shifted.predict_proba(X))

    own = CountingAugmentation()
    clf = AutoencoderClassifier(ae, augmentation=own, max_iter=3, random_state=0)
    clf.fit(X, y, X_val=X[:50], y_val=y[:50])
    assert own.rows == 0  # a copy trained, not the user's module
    assert clf.module_.augmentation.rows == 3 * 300
    clf.predict(X)
    assert clf.module_.augmentation.rows == 3 * 300


def test_augmentation_layout_and_errors(digits):
    X, y = digits[0][:100], digits[1][:100]
    # A dense autoencoder has no image_shape: the most square one-channel layout.
    clf = AutoencoderClassifier(pretrained(max_iter=1), augmentation="shift", max_iter=1,
                                random_state=0).fit(X, y)
    assert clf.module_.augmentation.image_shape == (1, 8, 8)
    with pytest.raises(ValueError, match="augmentation"):
        AutoencoderClassifier(augmentation="rotate").fit(X, y)
    wrong = ConvAutoencoder(image_shape=(1, 4, 4), max_iter=1)
    with pytest.raises(ValueError, match=r"image_shape=\(1, 4, 4\) has 16 values"):
        AutoencoderClassifier(wrong, augmentation="flip", max_iter=1).fit(X, y)
    with pytest.raises(ValueError, match="rows as wide as those it takes; for rows of 64 "
                                         "features it returned 32"):
        AutoencoderClassifier(augmentation=torch.nn.Linear(64, 32)).fit(X, y)
    with pytest.raises(ValueError, match=r"augmentation fails on a batch of shape \(2, 64\)"):
        AutoencoderClassifier(augmentation=torch.nn.Linear(10, 10)).fit(X, y)
