"""The Displays of ``skae.plotting`` and the ReconstructionHistory callback."""

import sys
import warnings

import numpy as np
import pytest
from sklearn.decomposition import PCA

from skae import (
    Autoencoder,
    AutoencoderClassifier,
    AutoencoderOutlierDetector,
    ConditionalVariationalAutoencoder,
    ConvAutoencoder,
    VariationalAutoencoder,
)
from skae.plotting import (
    FeatureErrorDisplay,
    LatentSpaceDisplay,
    LatentTraversalDisplay,
    LossCurveDisplay,
    ReconstructionDisplay,
    ReconstructionHistory,
    ReconstructionHistoryDisplay,
    SampleGridDisplay,
)

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def fitted(digits):
    X, _ = digits
    return Autoencoder(n_components=4, hidden_layer_sizes=(16,), max_iter=3,
                       random_state=0).fit(X[:300])


def tile(display, row, col, shape=(8, 8)):
    """The (row, col) image of a display's mosaic (tiles are 1 pixel apart)."""
    h, w = shape
    return display.image_.get_array()[row * (h + 1):row * (h + 1) + h,
                                      col * (w + 1):col * (w + 1) + w]


def test_loss_curves_of_several_estimators_on_one_axes(digits):
    X, _ = digits
    fits = {name: Autoencoder(n_components=4, hidden_layer_sizes=(16,), optimizer=name,
                              max_iter=4, early_stopping=True, random_state=0).fit(X[:300])
            for name in ("adam", "sgd")}
    _, ax = plt.subplots()
    display = LossCurveDisplay.from_estimator(fits, ax=ax)
    assert display.ax_ is ax and display.figure_ is ax.figure
    assert [line.get_label() for line in display.lines_] == [
        "adam (training)", "sgd (training)", "adam (validation)", "sgd (validation)"]
    assert np.allclose(display.lines_[1].get_ydata(), fits["sgd"].loss_curve_)
    assert np.allclose(display.lines_[2].get_ydata(), fits["adam"].validation_loss_curve_)
    assert display.lines_[0].get_color() == display.lines_[2].get_color()
    assert list(display.lines_[0].get_xdata()) == [1, 2, 3, 4]


def test_loss_curve_of_one_estimator_without_validation(fitted):
    display = LossCurveDisplay.from_estimator(fitted, log_scale=True)
    assert len(display.lines_) == 1 and display.ax_.get_yscale() == "log"
    assert display.ax_.get_legend() is None
    listed = LossCurveDisplay.from_estimator([fitted, fitted])
    assert [line.get_label() for line in listed.lines_] == [
        "Autoencoder (training)", "Autoencoder (training)"]


def test_displays_refuse_unfitted_estimators():
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        LossCurveDisplay.from_estimator(Autoencoder())
    with pytest.raises(NotFittedError):
        ReconstructionDisplay.from_estimator(Autoencoder(), np.zeros((2, 4)))
    with pytest.raises(ValueError, match="at least one fitted estimator"):
        LossCurveDisplay.from_estimator([])


def test_reconstruction_display_shows_originals_over_reconstructions(fitted, digits):
    X, _ = digits
    display = ReconstructionDisplay.from_estimator(fitted, X, n_images=5)
    assert display.image_.get_array().shape == (17, 44)
    assert np.allclose(tile(display, 0, 2), X[2].reshape(8, 8))
    reconstructed = fitted.inverse_transform(fitted.transform(X[:5]))
    assert np.allclose(tile(display, 1, 4), reconstructed[4].reshape(8, 8))
    assert [t.get_text() for t in display.ax_.get_yticklabels()] == [
        "original", "reconstructed"]


def test_images_take_the_estimators_image_shape(digits):
    X, _ = digits
    wide = np.hstack([X[:60], X[:60, :32]])  # 96 features, shown as 8 x 12
    conv = ConvAutoencoder(n_components=2, image_shape=(1, 8, 12), channels=(4,),
                           max_iter=1, random_state=0).fit(wide)
    display = ReconstructionDisplay.from_estimator(conv, wide, n_images=2)
    assert display.image_.get_array().shape == (17, 25)
    with pytest.raises(ValueError, match=r"image_shape=\(1, 5, 5\) has 25 values"):
        ReconstructionDisplay.from_estimator(conv, wide, image_shape=(1, 5, 5))
    with pytest.raises(ValueError, match="1 \\(grey\\) or 3 \\(RGB\\) channels"):
        ReconstructionDisplay.from_estimator(conv, wide, image_shape=(2, 8, 6))


def test_rgb_images_are_shown_in_colour():
    images = np.random.default_rng(0).random((4, 3 * 5 * 5))
    display = SampleGridDisplay(images, (3, 5, 5)).plot()
    assert display.image_.get_array().shape == (11, 11, 3)


def test_grey_levels_follow_the_originals_or_the_given_range(fitted, digits):
    X, _ = digits
    display = ReconstructionDisplay.from_estimator(fitted, X, n_images=3)
    assert display.image_.get_clim() == (X[:3].min(), X[:3].max())
    grid = SampleGridDisplay(X[:4] - 0.5, (1, 8, 8)).plot()
    assert grid.image_.get_clim() == (-0.5, 0.5)
    fixed = SampleGridDisplay.from_estimator(fitted, n_samples=4, value_range=(0, 1))
    assert fixed.image_.get_clim() == (0, 1)
    traversal = LatentTraversalDisplay.from_estimator(fitted, n_steps=3, value_range=(0, 2))
    assert traversal.image_.get_clim() == (0, 2)


def test_sample_grid_is_reproducible_and_takes_conditions(digits):
    X, y = digits
    vae = VariationalAutoencoder(n_components=2, hidden_layer_sizes=(16,), max_iter=2,
                                 random_state=0).fit(X[:300])
    display = SampleGridDisplay.from_estimator(vae, n_samples=5, n_cols=3, random_state=0)
    assert display.image_.get_array().shape == (17, 26)
    assert np.allclose(tile(display, 1, 0), vae.sample(5, random_state=0)[3].reshape(8, 8))
    assert display.image_.get_array().mask[9:, 18:].all()  # the unused sixth tile
    cvae = ConditionalVariationalAutoencoder(n_components=2, hidden_layer_sizes=(16,),
                                             max_iter=2, random_state=0).fit(X[:300], y[:300])
    display = SampleGridDisplay.from_estimator(cvae, n_samples=4, y=7, random_state=0)
    expected = cvae.sample(4, y=7, random_state=0)[1].reshape(8, 8)
    assert np.allclose(tile(display, 0, 1), expected)
    # The grid says which class each image is: rows of one class by name.
    assert [t.get_text() for t in display.ax_.get_yticklabels()] == ["7", "7"]
    one_per_row = SampleGridDisplay.from_estimator(cvae, n_samples=6, y=[0, 0, 0, 5, 5, 5],
                                                   n_cols=3, random_state=0)
    assert [t.get_text() for t in one_per_row.ax_.get_yticklabels()] == ["0", "5"]
    mixed = SampleGridDisplay.from_estimator(cvae, n_samples=4, y=[1, 2, 1, 2], random_state=0)
    assert [t.get_text() for t in mixed.ax_.texts] == ["1", "2", "1", "2"]
    assert not mixed.ax_.get_yticklabels()
    with pytest.raises(ValueError, match="labels must give one label per image: got 2 for 3"):
        SampleGridDisplay(X[:3], (1, 8, 8), labels=[1, 2]).plot()


@pytest.mark.parametrize("make", [
    lambda X: ReconstructionDisplay(X[:8], X[:8], (1, 8, 8)),
    lambda X: SampleGridDisplay(X[:8], (1, 8, 8), n_cols=8, labels=[10000] * 8)],
    ids=["reconstructions", "labelled samples"])
def test_a_new_figure_holds_the_grid_labels(make, digits):
    display = make(digits[0]).plot()
    figure = display.figure_
    figure.canvas.draw()
    inside = figure.bbox
    for label in display.ax_.get_yticklabels():
        box = label.get_window_extent(figure.canvas.get_renderer())
        assert box.x0 >= inside.x0 and box.x1 <= inside.x1, label.get_text()
    with warnings.catch_warnings():  # a layout of the user's own still applies quietly
        warnings.simplefilter("error")
        figure.tight_layout()


def test_latent_traversal_display(fitted):
    display = LatentTraversalDisplay.from_estimator(fitted, dimensions=[0, 2], n_steps=5)
    traversal = fitted.latent_traversal(dimensions=[0, 2], n_steps=5)
    assert np.allclose(tile(display, 1, 3), traversal[1, 3].reshape(8, 8))
    assert [t.get_text() for t in display.ax_.get_yticklabels()] == ["z0", "z2"]
    assert [t.get_text() for t in display.ax_.get_xticklabels()][0] == "-3.0"
    everything = LatentTraversalDisplay.from_estimator(fitted, n_steps=3)
    assert len(everything.ax_.get_yticklabels()) == 4


def test_reconstruction_history_records_every_k_epochs(digits):
    X, _ = digits
    callback = ReconstructionHistory(X[:3], every=2)
    ae = Autoencoder(n_components=4, hidden_layer_sizes=(16,), max_iter=5, random_state=0,
                     callbacks=[callback]).fit(X[:300])
    assert not hasattr(callback, "epochs_")  # the estimator trained a copy
    record = dict(ae.net_.callbacks_)["ReconstructionHistory"]
    assert record.epochs_ == [0, 2, 4, 5]
    final = ae.inverse_transform(ae.transform(X[:3]))
    assert np.allclose(record.reconstructions_[-1], final, atol=1e-6)
    assert not np.allclose(record.reconstructions_[0], final, atol=1e-2)
    display = ReconstructionHistoryDisplay.from_estimator(ae)
    assert display.image_.get_array().shape == (5 * 9 - 1, 3 * 9 - 1)
    assert [t.get_text() for t in display.ax_.get_yticklabels()] == [
        "original", "epoch 0", "epoch 2", "epoch 4", "epoch 5"]
    assert np.allclose(tile(display, 4, 1), final[1].reshape(8, 8), atol=1e-6)


def test_reconstruction_history_at_chosen_epochs(digits):
    X, _ = digits
    ae = Autoencoder(n_components=4, max_iter=6, random_state=0,
                     callbacks=[ReconstructionHistory(X[:2], epochs=[1, 3, 10])]).fit(X[:200])
    assert dict(ae.net_.callbacks_)["ReconstructionHistory"].epochs_ == [0, 1, 3, 6]
    with pytest.raises(ValueError, match="epochs must be a list of positive ints; got "
                                         r"epochs=\[0, 2\]"):
        ae.set_params(callbacks=[ReconstructionHistory(X[:2], epochs=[0, 2])]).fit(X[:200])


def test_reconstruction_history_continues_across_warm_starts(digits):
    X, _ = digits
    ae = Autoencoder(n_components=4, hidden_layer_sizes=(16,), max_iter=2, random_state=0,
                     warm_start=True, callbacks=[ReconstructionHistory(X[:2])])
    ae.fit(X[:200]).fit(X[:200])
    assert dict(ae.net_.callbacks_)["ReconstructionHistory"].epochs_ == [0, 1, 2, 3, 4]


def test_reconstruction_history_errors(digits):
    X, y = digits
    with pytest.raises(ValueError, match="was not fitted with a ReconstructionHistory"):
        ReconstructionHistoryDisplay.from_estimator(
            Autoencoder(n_components=2, max_iter=1).fit(X[:50]))
    with pytest.raises(ValueError, match=r"must have shape \(n_inputs, 64\)"):
        Autoencoder(max_iter=1, callbacks=[ReconstructionHistory(X[:2, :10])]).fit(X[:50])
    with pytest.raises(ValueError, match="every must be a positive int"):
        Autoencoder(max_iter=1, callbacks=[ReconstructionHistory(X[:2], every=0)]).fit(X[:50])
    with pytest.raises(TypeError, match="does not support conditional"):
        ConditionalVariationalAutoencoder(
            max_iter=1, callbacks=[ReconstructionHistory(X[:2])]).fit(X[:50], y[:50])
    with pytest.raises(TypeError, match="needs an autoencoder"):
        AutoencoderClassifier(Autoencoder(n_components=2, max_iter=1), max_iter=1,
                              callbacks=[ReconstructionHistory(X[:2])]).fit(X[:50], y[:50])


def test_latent_space_colours_classes_and_projects_wide_codes(fitted, digits):
    X, y = digits
    display = LatentSpaceDisplay.from_estimator(fitted, X[:200], y[:200])
    assert display.ax_.get_xlabel() == "PCA 1"
    assert len(display.scatter_) == len(np.unique(y[:200]))
    expected = PCA(n_components=2).fit_transform(fitted.transform(X[:200]))
    first = display.scatter_[0].get_offsets()
    assert np.allclose(first, expected[y[:200] == 0], atol=1e-5)
    tsne = LatentSpaceDisplay.from_estimator(fitted, X[:60], projection="tsne",
                                             random_state=0)
    assert tsne.ax_.get_xlabel() == "t-SNE 1" and len(tsne.scatter_) == 1
    two = Autoencoder(n_components=2, hidden_layer_sizes=(8,), max_iter=1,
                      random_state=0).fit(X[:100])
    plain = LatentSpaceDisplay.from_estimator(two, X[:100], np.arange(100) * 0.5)
    assert plain.ax_.get_xlabel() == "code 1"
    assert np.allclose(plain.scatter_[0].get_offsets(), two.transform(X[:100]))
    assert len(plain.figure_.axes) == 2  # a colour bar for 100 numeric values


def test_latent_space_errors(digits):
    X, _ = digits
    one = Autoencoder(n_components=1, hidden_layer_sizes=(8,), max_iter=1).fit(X[:50])
    with pytest.raises(ValueError, match="at least 2 dimensions"):
        LatentSpaceDisplay.from_estimator(one, X[:50])
    with pytest.raises(ValueError, match="projection must be .* got projection='isomap'"):
        LatentSpaceDisplay.from_estimator(one, X[:50], projection="isomap")


def test_latent_space_umap_projection(fitted, digits):
    umap = pytest.importorskip("umap")
    X, y = digits
    display = LatentSpaceDisplay.from_estimator(fitted, X[:100], y[:100], projection="umap",
                                                random_state=0)
    assert display.ax_.get_xlabel() == "UMAP 1"
    expected = umap.UMAP(n_components=2, random_state=0, n_jobs=1).fit_transform(
        fitted.transform(X[:100]))
    assert np.allclose(display.scatter_[0].get_offsets(), expected[y[:100] == 0], atol=1e-4)


def test_latent_space_umap_without_umap_learn_names_the_extra(fitted, digits, monkeypatch):
    monkeypatch.setitem(sys.modules, "umap", None)
    X, _ = digits
    with pytest.raises(ImportError, match=r"projection='umap'\) requires umap-learn; "
                                          r"install it with pip install \"skae\[umap\]\""):
        LatentSpaceDisplay.from_estimator(fitted, X[:50], projection="umap")


def test_plotting_without_matplotlib_says_how_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    with pytest.raises(ImportError, match=r"SampleGridDisplay.plot requires matplotlib"):
        SampleGridDisplay(np.zeros((1, 4)), (1, 2, 2)).plot()


def test_feature_error_display_draws_the_largest_columns(digits):
    X, _ = digits
    detector = AutoencoderOutlierDetector(
        Autoencoder(n_components=4, hidden_layer_sizes=(16,), max_iter=3),
        random_state=0).fit(X[:300])
    errors = detector.feature_errors(X[300:303])
    one = FeatureErrorDisplay.from_estimator(detector, X[300:301], n_top=5)
    assert list(one.columns_) == list(np.argsort(-errors[0], kind="stable")[:5])
    assert [t.get_text() for t in one.ax_.get_yticklabels()] == [f"x{j}" for j in one.columns_]
    heights = [bar.get_width() for bar in one.artist_]
    assert heights == sorted(heights, reverse=True)
    several = FeatureErrorDisplay(errors, [f"pixel {j}" for j in range(64)],
                                  ["a", "b", "c"]).plot(n_top=4)
    assert several.artist_.get_array().shape == (3, 4)
    assert list(several.columns_) == list(np.argsort(-errors.sum(axis=0), kind="stable")[:4])
    assert [t.get_text() for t in several.ax_.get_yticklabels()] == ["a", "b", "c"]
    assert several.ax_.get_xticklabels()[0].get_text() == f"pixel {several.columns_[0]}"
    with pytest.raises(ValueError, match="feature_names has 2 names for 64 columns"):
        FeatureErrorDisplay(errors, ["a", "b"]).plot()
    with pytest.raises(ValueError, match="n_top must be a positive int; got 0"):
        FeatureErrorDisplay(errors).plot(n_top=0)
    with pytest.raises(TypeError, match="Autoencoder has no feature_errors"):
        FeatureErrorDisplay.from_estimator(detector.autoencoder_, X[:2])
