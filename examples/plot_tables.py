"""
==================================
A table with missing values
==================================

Most data are tables, and tables have gaps. skae's autoencoders take NaN in X
as it comes: a missing entry is left out of the loss and filled with its
column's mean on the way into the encoder. Here a fifth of the entries of
scikit-learn's breast cancer table are hidden, then

- :class:`~skae.AutoencoderImputer` fills them, against ``SimpleImputer`` and
  ``KNNImputer``;
- a classifier is trained on the gapped table through it;
- :class:`~skae.AutoencoderOutlierDetector` finds rows with one wrong column
  and :class:`~skae.plotting.FeatureErrorDisplay` shows which column it is;
- last, a table with a categorical column and gaps (scikit-learn's diabetes
  table) goes into an :class:`~skae.Autoencoder` as it is: no scaler, no
  one-hot encoding, and its reconstructions and samples come back as a
  DataFrame with the same columns.

Runs offline in well under a minute.
"""

# %%
import os

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from sklearn.datasets import load_breast_cancer, load_diabetes
from sklearn.impute import KNNImputer, SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import cross_val_score, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skae import Autoencoder, AutoencoderImputer, AutoencoderOutlierDetector
from skae.datasets import add_noise
from skae.plotting import FeatureErrorDisplay

MAX_ITER = int(os.environ.get("SKAE_EXAMPLE_MAX_ITER", 150))
data = load_breast_cancer(as_frame=True)
X, y = data.data, data.target
gapped = pd.DataFrame(add_noise(X.to_numpy(), "missing", 0.2, random_state=0),
                      columns=X.columns)
hidden = gapped.isna().to_numpy()
print(f"{hidden.mean():.0%} of the entries are missing; "
      f"{gapped.notna().all(axis=1).sum()} of {len(gapped)} rows are complete")

# %%
# Fill the gaps. Every imputer sees the same standardised table (StandardScaler
# leaves gaps out of its means); errors are in standard deviations of the columns.
scaler = StandardScaler().set_output(transform="pandas").fit(gapped)
table, truth = scaler.transform(gapped), scaler.transform(X).to_numpy()
imputers = {
    "AutoencoderImputer": AutoencoderImputer(
        Autoencoder(noise="missing", max_iter=MAX_ITER), random_state=0),
    "SimpleImputer (column means)": SimpleImputer(),
    "KNNImputer (5 neighbours)": KNNImputer(),
}
for name, imputer in imputers.items():
    filled = imputer.fit_transform(table)
    rmse = np.sqrt(np.mean((filled[hidden] - truth[hidden]) ** 2))
    print(f"{name:>30}: RMSE {rmse:.3f} on the hidden entries")

# %%
# A classifier trained on the gapped table, through each imputer (5-fold
# accuracy, the imputer refitted on each training fold).
for name in ("AutoencoderImputer", "SimpleImputer (column means)"):
    model = make_pipeline(StandardScaler(), imputers[name], LogisticRegression(max_iter=1000))
    accuracy = cross_val_score(model, gapped, y, cv=5).mean()
    print(f"{name:>30}: accuracy {accuracy:.3f}")

# %%
# Outliers with a reason: fit the detector on the benign tumours (gaps and
# all), then make one column of some held-out benign rows absurd (8 standard
# deviations beyond its range) and ask which column each row's error is in.
benign = table[y.to_numpy() == 1]
train, test = train_test_split(benign, test_size=0.3, random_state=0)
detector = AutoencoderOutlierDetector(Autoencoder(n_components=5, max_iter=MAX_ITER),
                                      random_state=0).fit(train)
rng = np.random.default_rng(0)
broken = test.iloc[:20].copy()
columns = rng.integers(0, broken.shape[1], len(broken))
values = broken.to_numpy(copy=True)
values[np.arange(len(broken)), columns] = np.nanmax(train, axis=0)[columns] + 8
broken[:] = values
named = detector.feature_errors(broken).argmax(axis=1)
print(f"flagged as outliers: {np.mean(detector.predict(broken) == -1):.0%} of the broken "
      f"rows, {np.mean(detector.predict(test.iloc[20:]) == -1):.0%} of the intact ones; the "
      f"broken column named first for {np.mean(named == columns):.0%} of them")

# %%
# The columns that make the first broken row unusual; its broken column is
# the one changed, whatever its gaps.
FeatureErrorDisplay.from_estimator(detector, broken.iloc[:1], n_top=8)
print(f"the broken column of the first row: {X.columns[columns[0]]}")
plt.tight_layout()

# %%
# A mixed table as it is. ``sex`` is a category column; a tenth of every
# column is hidden, categories included. The autoencoder standardises the
# numeric columns itself, one-hot encodes ``sex`` (``categorical_features=
# "from_dtype"``), and weighs each column once in its loss: squared error on
# the numbers, cross-entropy on the categories.
mixed = load_diabetes(as_frame=True, scaled=False).frame
mixed["sex"] = pd.Categorical(mixed["sex"].map({1.0: "1", 2.0: "2"}))
rng = np.random.default_rng(1)
mixed_gapped = mixed.mask(rng.random(mixed.shape) < 0.1)
ae = Autoencoder(n_components=4, max_iter=MAX_ITER, random_state=0).fit(mixed_gapped)
restored = ae.inverse_transform(ae.transform(mixed_gapped))
gaps = mixed_gapped["sex"].isna()
print(f"the layout: {sum(ae.column_layout_.categorical)} categorical column of "
      f"{ae.n_features_in_}; reconstructions come back with the same dtypes: "
      f"{(restored.dtypes == mixed.dtypes).all()}")
print(f"hidden sex entries filled from the reconstructions: "
      f"{(restored['sex'][gaps] == mixed['sex'][gaps]).mean():.0%} right, against "
      f"{(mixed['sex'][gaps] == mixed_gapped['sex'].mode()[0]).mean():.0%} for the most "
      "frequent level")
print("new rows drawn from the codes' density:")
print(ae.sample(3, random_state=0).round(1))
plt.show()
