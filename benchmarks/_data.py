"""The data of the benchmarks, shared by their scripts."""

import numpy as np
from sklearn.datasets import load_breast_cancer, load_diabetes, load_digits, load_wine
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

from skae.datasets import fetch_fashion_mnist, fetch_mnist

DATASETS = ["digits", "mnist", "fashion-mnist"]


def load_clustering_data(dataset, n_samples=None, data_home=None):
    """``(X, y, image_shape)``: scikit-learn's digits (all 1,797, values 0..16), or
    the first ``n_samples`` of the 70,000 MNIST / Fashion-MNIST images (training
    then test images, scaled to [0, 1]; all of them by default)."""
    if dataset == "digits":
        X, y = load_digits(return_X_y=True)
        return X.astype(np.float32), y, (1, 8, 8)
    fetch = fetch_mnist if dataset == "mnist" else fetch_fashion_mnist
    X, y = fetch(data_home=data_home, subset="all", return_X_y=True)
    return X[:n_samples], y[:n_samples], (1, 28, 28)


def add_image_data_arguments(parser, seeds=3):
    """The options that pick the images of a clustering benchmark:
    ``--dataset``, ``--n-samples``, ``--data-home``, ``--seeds``."""
    parser.add_argument("--dataset", choices=DATASETS, default="digits")
    parser.add_argument("--n-samples", type=int, default=None)
    parser.add_argument("--data-home", default=None)
    parser.add_argument("--seeds", type=int, default=seeds)


def images_in_unit_range(args):
    """``(X, y)`` of the images ``args`` picks (add_image_data_arguments),
    float32 in [0, 1]: digits divided by 16."""
    X, y, _ = load_clustering_data(args.dataset, args.n_samples, args.data_home)
    return (X / 16 if args.dataset == "digits" else X).astype(np.float32), y


def generated_table(n_rows, n_features=32, n_factors=4, seed=0):
    """Rows on a noisy nonlinear image of ``n_factors`` standard-normal factors."""
    rng = np.random.default_rng(seed)
    factors = rng.standard_normal((n_rows, n_factors))
    hidden = np.tanh(factors @ rng.standard_normal((n_factors, 16)))
    X = hidden @ rng.standard_normal((16, n_features))
    return X + 0.1 * rng.standard_normal(X.shape)


def generated_mixed(n_rows=2000, seed=0, gap_rate=0.05):
    """A mixed table: 10 numeric columns and 4 category columns of 3 to 6
    levels, all driven by 3 hidden factors; ``gap_rate`` of the entries
    missing (NaN)."""
    import pandas as pd

    rng = np.random.default_rng(seed)
    factors = rng.standard_normal((n_rows, 3))
    hidden = np.tanh(factors @ rng.standard_normal((3, 12)))
    numeric = hidden @ rng.standard_normal((12, 10)) + 0.1 * rng.standard_normal((n_rows, 10))
    frame = pd.DataFrame(numeric, columns=[f"n{j}" for j in range(10)])
    for j, n_levels in enumerate((3, 4, 5, 6)):
        logits = 3 * hidden @ rng.standard_normal((12, n_levels)) + rng.gumbel(
            size=(n_rows, n_levels))
        levels = np.array([f"L{i}" for i in range(n_levels)])
        frame[f"c{j}"] = pd.Categorical(levels[logits.argmax(1)], categories=levels)
    gaps = rng.random(frame.shape) < gap_rate
    for j, column in enumerate(frame.columns):
        frame.loc[gaps[:, j], column] = np.nan
    return frame


def diabetes_mixed():
    """scikit-learn's diabetes table, unscaled, with ``sex`` as a category
    column and the target cut into its quartiles as a second one."""
    import pandas as pd

    data = load_diabetes(as_frame=True, scaled=False)
    frame = data.frame.copy()
    frame["sex"] = pd.Categorical(frame["sex"].map({1.0: "a", 2.0: "b"}))
    frame["target"] = pd.qcut(frame["target"], 4, labels=["q1", "q2", "q3", "q4"])
    return frame


def hand_encoding(frame):
    """What a user had to do by hand before skae took mixed tables: the
    category columns of ``frame`` one-hot (unknown levels ignored), the
    others standardised."""
    import pandas as pd
    from sklearn.compose import ColumnTransformer
    from sklearn.preprocessing import OneHotEncoder

    categorical = [c for c in frame.columns if isinstance(frame[c].dtype, pd.CategoricalDtype)]
    numeric = [c for c in frame.columns if c not in categorical]
    return ColumnTransformer([
        ("numeric", StandardScaler(), numeric),
        ("categorical", OneHotEncoder(handle_unknown="ignore", sparse_output=False),
         categorical)], verbose_feature_names_out=False)


def load_reconstruction_data(name, data_home=None, image_rows=10000):
    """``(X, is_table)`` for the reconstruction benchmarks: digits scaled to
    [0, 1]; the first ``image_rows`` MNIST or Fashion-MNIST images; a
    generated table (``table-N``: N rows); scikit-learn's breast cancer, wine
    or diabetes table. Tables come unscaled."""
    if name == "digits":
        return load_digits().data / 16, False
    if name in ("mnist", "fashion-mnist"):
        fetch = fetch_mnist if name == "mnist" else fetch_fashion_mnist
        X, _ = fetch(data_home=data_home, subset="all", return_X_y=True)
        return X[:image_rows], False
    if name.startswith("table-"):
        return generated_table(int(name.split("-")[1])), True
    loader = {"breast-cancer": load_breast_cancer, "wine": load_wine,
              "diabetes": load_diabetes}[name]
    return loader().data, True


def code_width(name):
    """The code width the reconstruction benchmarks fit on data set ``name``."""
    return {"breast-cancer": 5, "wine": 4, "diabetes": 4}.get(
        name, 4 if name.startswith("table-") else 10)


def held_out_split(X, is_table, seed):
    """``(X_train, X_test)`` float32, 25% of the rows held out; a table is
    standardised by a scaler fitted on the training rows."""
    X_train, X_test = train_test_split(X, test_size=0.25, random_state=seed)
    if is_table:
        scaler = StandardScaler().fit(X_train)
        X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)
    return X_train.astype(np.float32), X_test.astype(np.float32)
