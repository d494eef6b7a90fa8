"""Tables with categorical columns: ``categorical_features`` on the dense autoencoders."""

import pickle

import numpy as np
import pytest
import torch
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline

from skae import (
    Autoencoder,
    ConditionalVariationalAutoencoder,
    DenoisingAutoencoder,
    VariationalAutoencoder,
)
from skae._losses import TableLoss, feature_errors, reconstruction_error

pd = pytest.importorskip("pandas")

FAST = dict(n_components=3, max_iter=15, random_state=0)


def mixed_frame(n=300, seed=0):
    """A table of numeric, category, string and bool columns, with gaps; the
    numeric column ``b`` follows the category ``c``."""
    rng = np.random.default_rng(seed)
    c = rng.choice(["x", "y", "z"], n)
    frame = pd.DataFrame({
        "a": rng.normal(10, 5, n),
        "b": np.select([c == "x", c == "y"], [0, 50], 100) + rng.integers(0, 5, n),
        "c": pd.Categorical(c, categories=["x", "y", "z", "never"]),
        "d": pd.Series(rng.choice(["p", "q"], n), dtype="string"),
        "e": rng.random(n) > 0.5,
    })
    frame.loc[3, "a"] = np.nan
    frame.loc[4, "c"] = np.nan
    frame.loc[5, "d"] = None
    return frame


@pytest.fixture(scope="module")
def frame():
    return mixed_frame()


@pytest.fixture(scope="module")
def fitted(frame):
    return Autoencoder(**FAST).fit(frame)


def test_from_dtype_finds_the_categorical_columns_and_their_levels(fitted):
    layout = fitted.column_layout_
    assert layout.categorical == [False, False, True, True, True]
    # A category column keeps its declared categories, unused ones included.
    assert layout.categories[2] == ["x", "y", "z", "never"]
    assert layout.categories[3] == ["p", "q"]
    assert layout.categories[4] == [False, True]
    assert layout.n_encoded == 2 + 4 + 2 + 2
    assert fitted.n_features_in_ == 5
    assert list(fitted.feature_names_in_) == list("abcde")
    assert fitted.module_.encoder[0].in_features == 10


def test_inverse_transform_and_sample_give_the_table_back(fitted, frame):
    restored = fitted.inverse_transform(fitted.transform(frame))
    assert list(restored.columns) == list(frame.columns)
    assert restored.dtypes.to_dict() == frame.dtypes.to_dict()
    assert list(restored["c"].cat.categories) == ["x", "y", "z", "never"]
    assert restored.notna().all().all()
    # Trained, it gets the category that the numeric column follows right.
    observed = frame["c"].notna()
    assert (restored["c"][observed] == frame["c"][observed]).mean() > 0.9
    drawn = fitted.sample(20, random_state=0)
    assert drawn.shape == (20, 5)
    assert drawn.dtypes.to_dict() == frame.dtypes.to_dict()
    assert set(drawn["d"]) <= {"p", "q"}
    walk = fitted.latent_traversal(dimensions=[0, 2], n_steps=3)
    assert walk.shape == (6, 5)
    assert walk.index.names == ["dimension", "step"]
    assert walk.loc[(2, 1)].shape == (5,)


def test_each_column_counts_once_and_gaps_count_by_column():
    # Two numeric columns, then one categorical column of three levels.
    loss = TableLoss([(2, 5)], n_encoded=5)
    output = torch.tensor([[0.0, 1.0, 2.0, 0.0, 0.0]])
    target = torch.tensor([[1.0, 1.0, 1.0, 0.0, 0.0]])
    cross_entropy = float(-torch.log_softmax(output[0, 2:], 0)[0])
    expected = (1.0 + 0.0 + cross_entropy) / 3
    assert float(reconstruction_error(output, target, loss)) == pytest.approx(expected)
    per_column = feature_errors(output, target, loss)
    assert float(per_column.sum()) == pytest.approx(expected)
    # A missing categorical entry: the mean over the two observed columns.
    gap = torch.tensor([[1.0, 1.0, np.nan, np.nan, np.nan]])
    assert float(reconstruction_error(output, gap, loss)) == pytest.approx(0.5)
    assert float(feature_errors(output, gap, loss).sum()) == pytest.approx(0.5)
    # A missing numeric entry: over the other numeric and the categorical one.
    gap = torch.tensor([[np.nan, 1.0, 1.0, 0.0, 0.0]])
    assert float(reconstruction_error(output, gap, loss)) == pytest.approx(cross_entropy / 2)


def test_scores_are_minus_the_mean_of_the_per_column_errors(fitted, frame):
    rows = fitted._encode_table(frame.iloc[:8], reset=False)
    per_column = fitted._feature_error_rows(rows)
    assert per_column.shape == (8, 5)
    np.testing.assert_allclose(per_column.sum(1), -fitted.score_samples(frame.iloc[:8]),
                               rtol=1e-6)
    assert (per_column[4, 2] == 0) and (per_column[3, 0] == 0)  # the gaps


def test_unknown_categories_follow_handle_unknown(frame):
    new = frame.iloc[:4].assign(d=pd.Series(["p", "new", "q", "other"], dtype="string"))
    with pytest.raises(ValueError, match=r"unknown categories \['new', 'other'\] in column 'd'"):
        Autoencoder(**FAST).fit(frame).transform(new)
    ignoring = Autoencoder(**FAST, handle_unknown="ignore").fit(frame)
    encoded = ignoring._encode_table(new, reset=False)
    np.testing.assert_array_equal(encoded[1, 7:9], [0, 0])
    assert np.isfinite(ignoring.transform(new)).all()
    assert np.isfinite(ignoring.score_samples(new)).all()


@pytest.mark.parametrize("given", [["c", "d", "e"], [2, 3, 4], [-3, -2, -1],
                                   [False, False, True, True, True]])
def test_categorical_features_by_name_index_or_mask(frame, given):
    model = Autoencoder(**FAST, categorical_features=given).fit(frame)
    assert model.column_layout_.categorical == [False, False, True, True, True]


def test_numeric_columns_named_categorical_become_levels(frame):
    model = Autoencoder(**FAST, categorical_features=["b", "c", "d", "e"]).fit(frame)
    assert model.column_layout_.categorical == [False, True, True, True, True]
    restored = model.inverse_transform(model.transform(frame))
    assert restored["b"].dtype == frame["b"].dtype
    assert set(restored["b"]) <= set(frame["b"])


def test_an_array_with_categorical_indices(frame):
    X = frame[["a", "b"]].to_numpy()
    model = Autoencoder(**FAST, categorical_features=[1]).fit(X)
    restored = model.inverse_transform(model.transform(X))
    assert isinstance(restored, np.ndarray) and restored.dtype == np.float32
    assert set(restored[:, 1]) <= set(X[:, 1])
    assert model.column_layout_.names == ["x0", "x1"]


def test_numeric_input_is_used_as_before(digits):
    X = digits[0][:200]
    default = Autoencoder(**FAST).fit(X)
    assert default.column_layout_ is None
    none = Autoencoder(**FAST, categorical_features=None).fit(X)
    np.testing.assert_array_equal(default.transform(X), none.transform(X))
    numeric_frame = pd.DataFrame(X, columns=[f"p{i}" for i in range(64)])
    framed = Autoencoder(**FAST).fit(numeric_frame)
    assert framed.column_layout_ is None
    np.testing.assert_array_equal(default.transform(X), framed.transform(numeric_frame))


@pytest.mark.parametrize("given, message", [
    (["c", "zz"], r"names 'zz', which is not a column of X"),
    ([7], r"index 7, but X has 5 columns"),
    ([True, False], r"one value per column of X \(5\); got 2"),
    ([[0, 1]], r"1-D array-like"),
    ([0.5], r"column names, indices or booleans"),
])
def test_bad_categorical_features(frame, given, message):
    with pytest.raises(ValueError, match=message):
        Autoencoder(**FAST, categorical_features=given).fit(frame)


def test_bad_tables(frame):
    with pytest.raises(ValueError, match=r"names columns, which needs X as a DataFrame"):
        Autoencoder(**FAST, categorical_features=["a"]).fit(frame[["a", "b"]].to_numpy())
    with pytest.raises(ValueError, match=r"loss='binary_crossentropy' does not apply"):
        Autoencoder(**FAST, loss="binary_crossentropy").fit(frame)
    with pytest.raises(ValueError, match=r"output_activation='sigmoid' does not apply"):
        Autoencoder(**FAST, output_activation="sigmoid").fit(frame)
    with pytest.raises(ValueError, match=r"Categorical column 'd' has no value"):
        Autoencoder(**FAST).fit(frame.assign(d=pd.Series([None] * len(frame), dtype="string")))
    with pytest.raises(ValueError, match=r"Column 'a' holds an infinity \(row 1\)"):
        Autoencoder(**FAST).fit(frame.assign(a=np.r_[0, np.inf, np.zeros(len(frame) - 2)]))
    with pytest.raises(ValueError, match=r"minimum of 1 sample"):
        Autoencoder(**FAST).fit(frame.iloc[:0])
    fitted = Autoencoder(**FAST).fit(frame)
    with pytest.raises(ValueError, match=r"feature names"):
        fitted.transform(frame[list("edcba")])
    with pytest.raises(ValueError, match=r"Column 'a' is numeric .* not numbers"):
        fitted.transform(frame.assign(a="text"))


def test_a_table_model_pickles_clones_and_trains_in_a_pipeline(fitted, frame):
    loaded = pickle.loads(pickle.dumps(fitted))
    np.testing.assert_array_equal(loaded.transform(frame), fitted.transform(frame))
    pd.testing.assert_frame_equal(loaded.sample(5, random_state=1),
                                  fitted.sample(5, random_state=1))
    assert not hasattr(clone(fitted), "column_layout_")
    y = frame["c"].cat.codes.to_numpy()
    pipe = make_pipeline(Autoencoder(**FAST), LogisticRegression()).fit(frame, y)
    assert pipe.score(frame, y) > 0.8


def test_same_random_state_same_table_model(frame):
    first = DenoisingAutoencoder(**FAST).fit(frame).transform(frame)
    np.testing.assert_array_equal(first, DenoisingAutoencoder(**FAST).fit(frame).transform(frame))


@pytest.mark.parametrize("warm", ["partial_fit", "warm_start"])
def test_later_fits_keep_the_layout(frame, warm):
    model = Autoencoder(**FAST, warm_start=warm == "warm_start")
    getattr(model, "partial_fit" if warm == "partial_fit" else "fit")(frame)
    layout = model.column_layout_
    getattr(model, "partial_fit" if warm == "partial_fit" else "fit")(frame.iloc[:50])
    assert model.column_layout_ is layout


def test_variational_autoencoders_take_tables(frame):
    vae = VariationalAutoencoder(**FAST).fit(frame)
    assert np.isfinite(vae.score_samples(frame)).all()
    assert np.isfinite(vae.log_likelihood(frame.iloc[:5], n_importance_samples=8,
                                          random_state=0)).all()
    drawn = vae.sample(10, random_state=0)
    assert drawn.dtypes.to_dict() == frame.dtypes.to_dict()
    y = np.arange(len(frame)) % 2
    cvae = ConditionalVariationalAutoencoder(**FAST).fit(frame, y)
    drawn = cvae.sample(4, y=1, random_state=0)
    assert list(drawn.columns) == list(frame.columns)
    assert cvae.inverse_transform(cvae.transform(frame, y), y).shape == frame.shape


def test_the_outlier_detector_names_the_column_of_a_planted_anomaly(frame):
    from skae import AutoencoderOutlierDetector

    detector = AutoencoderOutlierDetector(Autoencoder(**{**FAST, "max_iter": 40})).fit(frame)
    assert detector.column_layout_ is detector.autoencoder_.column_layout_
    planted = frame.iloc[10:20].copy()
    # b follows c: a row whose c no longer matches its b is unusual in c (or b).
    planted["c"] = planted["c"].map({"x": "z", "y": "x", "z": "y"}).astype(frame["c"].dtype)
    errors = detector.feature_errors(planted)
    assert errors.shape == (10, 5)
    np.testing.assert_allclose(errors.sum(1), -detector.score_samples(planted), rtol=1e-6)
    assert np.isin(errors.argmax(1), [1, 2]).mean() >= 0.8
    assert (errors[:, 2] > detector.feature_errors(frame.iloc[10:20])[:, 2]).all()
    assert (detector.score_samples(planted).mean()
            < detector.score_samples(frame.iloc[10:20]).mean())


def test_the_wrappers_take_tables(frame):
    from skae import AutoencoderClassifier, DeepEmbeddedClustering, Reconstructor

    y = frame["e"].to_numpy()
    clf = AutoencoderClassifier(Autoencoder(**FAST), max_iter=5, random_state=0).fit(
        frame.drop(columns="e"), y)
    assert clf.predict(frame.drop(columns="e")).shape == (len(frame),)
    assert list(clf.feature_names_in_) == list("abcd")
    scratch = AutoencoderClassifier(Autoencoder(**FAST), pretrain=False, max_iter=2,
                                    random_state=0).fit(frame, y)
    assert scratch.predict_proba(frame).shape == (len(frame), 2)
    dec = DeepEmbeddedClustering(3, Autoencoder(**FAST), max_iter=2,
                                 random_state=0).fit(frame)
    assert dec.predict(frame).shape == (len(frame),)
    step = Reconstructor(Autoencoder(**FAST)).fit(frame)
    restored = step.transform(frame.iloc[:5])
    assert restored.dtypes.to_dict() == frame.dtypes.to_dict()
    ae = step.autoencoder_
    pd.testing.assert_frame_equal(restored, ae.inverse_transform(ae.transform(frame.iloc[:5])))


def test_onnx_export_of_a_table_model_says_why_not(fitted):
    pytest.importorskip("skl2onnx")
    pytest.importorskip("onnxscript")
    from skl2onnx import to_onnx

    import skae.onnx  # noqa: F401  (registers the converters)

    with pytest.raises(ValueError, match=r"fitted on a table with categorical columns"):
        to_onnx(fitted, np.zeros((1, 5), dtype=np.float32))


def test_missing_noise_hides_whole_table_columns():
    from skae._modules import corrupt

    layout_index = torch.tensor([0, 1, 1, 1, 2, 2])  # a numeric column, then two groups
    x = torch.ones(2000, 6)
    hit = torch.isnan(corrupt(x, "missing", 0.3, columns=(layout_index, 3),
                              generator=torch.Generator().manual_seed(0)))
    # The levels of a categorical column are hidden together, a third of the time.
    assert (hit[:, 1:4] == hit[:, 1:2]).all() and (hit[:, 4:] == hit[:, 4:5]).all()
    assert 0.25 < hit[:, [0, 1, 4]].float().mean() < 0.35
    ae = Autoencoder(noise="missing", noise_level=0.3, n_components=2, max_iter=1).fit(
        mixed_frame(50))
    assert ae.module_.corruption.columns.tolist() == [0, 1, 2, 2, 2, 2, 3, 3, 4, 4]
    with pytest.raises(ValueError, match="salt_and_pepper.*does not apply to a table"):
        Autoencoder(noise="salt_and_pepper", **FAST).fit(mixed_frame(50))


def test_the_imputer_fills_categorical_and_numeric_gaps_of_a_table():
    from sklearn.impute import SimpleImputer

    from skae import AutoencoderImputer

    truth = mixed_frame(600, seed=1)
    truth = truth.drop(index=[3, 4, 5])
    gapped = truth.astype({"e": object})  # a bool column with gaps holds objects
    hide = np.random.default_rng(2).random(gapped.shape) < 0.15
    for j, name in enumerate(gapped.columns):
        gapped.loc[hide[:, j], name] = None
    before = gapped.copy()
    imputer = AutoencoderImputer(Autoencoder(noise="missing", n_components=3, max_iter=40),
                                 random_state=0).fit(gapped)
    assert imputer.column_layout_ is imputer.autoencoder_.column_layout_
    assert imputer.mean_ is None  # the autoencoder's layout standardises
    filled = imputer.transform(gapped)
    pd.testing.assert_frame_equal(gapped, before)  # never written to
    assert filled.dtype == object and filled.shape == gapped.shape
    frame = imputer.set_output(transform="pandas").transform(gapped)
    assert frame.dtypes.to_dict() == gapped.dtypes.to_dict()
    assert frame.index.equals(gapped.index) and frame.notna().all().all()
    np.testing.assert_array_equal(filled, frame.to_numpy(dtype=object))
    pd.testing.assert_frame_equal(frame[~hide.any(axis=1)], gapped[~hide.any(axis=1)])
    # The category c follows the numeric b: filled far better than its commonest level.
    c = hide[:, 2]
    right = (frame["c"][c] == truth["c"][c]).mean()
    commonest = (truth["c"][c] == gapped["c"].mode()[0]).mean()
    assert right > 0.8 > 0.5 > commonest, (right, commonest)
    b = hide[:, 1]
    by_mean = SimpleImputer().fit_transform(gapped[["b"]])[b, 0]
    assert (np.abs(frame["b"][b] - truth["b"][b]).mean()
            < 0.5 * np.abs(by_mean - truth["b"][b]).mean())
    # score hides entries itself: a wrong level counts 1, a numeric error its square in sd.
    assert -1 < imputer.score(truth) < 0 and imputer.score(truth) == imputer.score(truth)
    with_indicator = AutoencoderImputer(Autoencoder(n_components=3, max_iter=2),
                                        add_indicator=True, random_state=0)
    out = with_indicator.set_output(transform="pandas").fit_transform(gapped)
    assert list(out.columns[5:]) == [f"missingindicator_{name}" for name in "abcde"]
    np.testing.assert_array_equal(out.iloc[:, 5:].to_numpy(), hide)
    with pytest.raises(ValueError, match="missing_values=-1.0 applies to numeric X"):
        AutoencoderImputer(missing_values=-1.0).fit(gapped)


def test_the_history_holds_each_columns_loss(frame):
    whole = frame.dropna()
    ae = Autoencoder(n_components=3, max_iter=4, early_stopping=True, random_state=0).fit(whole)
    curves = ae.column_loss_curve_
    assert list(curves) == list("abcde") and all(len(c) == 4 for c in curves.values())
    np.testing.assert_allclose(np.mean(list(curves.values()), axis=0),
                               ae.loss_terms_curve_["reconstruction"], rtol=1e-4)
    assert list(ae.validation_column_loss_curve_) == list("abcde")
    np.testing.assert_allclose(np.mean(list(ae.validation_column_loss_curve_.values()), axis=0),
                               ae.validation_loss_terms_curve_["reconstruction"], rtol=1e-4)
    vae = VariationalAutoencoder(n_components=2, max_iter=2, random_state=0).fit(whole)
    np.testing.assert_allclose(np.sum(list(vae.column_loss_curve_.values()), axis=0),
                               vae.loss_terms_curve_["reconstruction"], rtol=1e-4)
    # A VAE holds out a tenth of the rows by default (early stopping).
    np.testing.assert_allclose(np.sum(list(vae.validation_column_loss_curve_.values()), axis=0),
                               vae.validation_loss_terms_curve_["reconstruction"], rtol=1e-4)
    plain = Autoencoder(n_components=2, max_iter=2, random_state=0).fit(whole)
    assert plain.validation_column_loss_curve_ is None
    plain = Autoencoder(n_components=1, max_iter=2).fit(whole[["a", "b"]])
    assert plain.column_loss_curve_ is None and plain.validation_column_loss_curve_ is None


def test_a_polars_frame_is_read_through_pandas_and_comes_back_as_polars():
    pl = pytest.importorskip("polars")
    pytest.importorskip("pyarrow")  # polars' to_pandas
    from skae import AutoencoderImputer

    table = pl.from_pandas(mixed_frame(100))
    ae = Autoencoder(n_components=2, max_iter=3, random_state=0).fit(table)
    same = Autoencoder(n_components=2, max_iter=3, random_state=0).fit(table.to_pandas())
    np.testing.assert_array_equal(ae.transform(table), same.transform(table.to_pandas()))
    assert list(ae.feature_names_in_) == list("abcde")
    restored = ae.inverse_transform(ae.transform(table))
    assert isinstance(restored, pl.DataFrame) and restored.schema == table.schema
    assert isinstance(ae.sample(3, random_state=0), pl.DataFrame)
    imputer = AutoencoderImputer(Autoencoder(n_components=2, max_iter=2), random_state=0)
    filled = imputer.set_output(transform="polars").fit(table).transform(table)
    assert filled.schema == table.schema and filled.null_count().sum_horizontal().item() == 0
    numeric = Autoencoder(n_components=1, max_iter=2).fit(table.select("a", "b").drop_nulls())
    assert numeric.column_layout_ is None and list(numeric.feature_names_in_) == ["a", "b"]
