"""
===========================================
Scaling up: data on disk, blocks, processes
===========================================

Three routes beyond one in-memory array and one process:

1. **A file larger than memory**: ``fit`` reads a ``np.memmap`` (or an h5py
   dataset, a zarr array) a block at a time, converting each block to float32
   as it goes. Here the digits are written as a uint8 ``.npy`` file, as images
   often sit on disk, and fitted straight from it.
2. **Blocks you read yourself**: ``partial_fit`` trains one epoch per call,
   continuing the network and the optimizer; loop over blocks and epochs.
3. **A search on many processes**: ``GridSearchCV(n_jobs=2)`` runs candidates in
   parallel with joblib. The same search runs on a Dask cluster under
   ``joblib.parallel_config(backend="dask")``: see "Scaling up" in the user
   guide (a script that starts worker processes needs its code under
   ``if __name__ == "__main__":``, which a gallery example cannot show).

The curves show that the model fitted from the file and the one fitted block
by block train alike. Runs offline on scikit-learn's
digits in about a minute (set ``SKAE_EXAMPLE_MAX_ITER`` for fewer epochs).
"""

# %%
import os
import tempfile
import time
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import GridSearchCV

from skae import Autoencoder

MAX_ITER = int(os.environ.get("SKAE_EXAMPLE_MAX_ITER", 30))
pixels = load_digits().data.astype(np.uint8)  # values 0..16

# %%
# 1. Fit from a file, read a block at a time
# -------------------------------------------
folder = tempfile.TemporaryDirectory()
path = Path(folder.name) / "digits.npy"
np.save(path, pixels)
on_disk = np.load(path, mmap_mode="r")  # nothing is read yet

# ``tol=None``: the same fixed number of epochs as the block-by-block loop below.
from_file = Autoencoder(n_components=8, max_iter=MAX_ITER, tol=None,
                        random_state=0).fit(on_disk)
print(f"fitted from {path.name}: {from_file.n_iter_} epochs, "
      f"codes {from_file.transform(on_disk).shape}")

# %%
# 2. Blocks you read yourself: partial_fit
# ----------------------------------------
blocks = Autoencoder(n_components=8, random_state=0)
for epoch in range(MAX_ITER):
    for start in range(0, len(on_disk), 600):
        blocks.partial_fit(on_disk[start:start + 600])
print(f"partial_fit: {blocks.n_iter_} calls of one epoch on one block")

# %%
# 3. A search on two processes
# ----------------------------
# Each candidate trains in a worker process; joblib gives each worker its share
# of the cores (here one torch thread each), so two of them share two cores
# without spinning against each other.
X = pixels / 16
grid = {"n_components": [4, 8], "hidden_layer_sizes": [(64,), (128, 64)]}
search = GridSearchCV(Autoencoder(max_iter=MAX_ITER, tol=None, random_state=0), grid, cv=3)
for n_jobs in (1, 2):
    start = time.perf_counter()
    search.set_params(n_jobs=n_jobs).fit(X)
    print(f"GridSearchCV(n_jobs={n_jobs}): {time.perf_counter() - start:.1f} s, "
          f"best {search.best_params_}")

# %%
# The training curves of the file and the blocks
fig, ax = plt.subplots(figsize=(6, 3.5))
ax.plot(from_file.loss_curve_, label="fit from the file")
per_epoch = np.reshape(blocks.loss_curve_, (MAX_ITER, -1)).mean(axis=1)
ax.plot(per_epoch, label="partial_fit, mean over blocks per epoch")
ax.set(xlabel="epoch", ylabel="training loss", yscale="log")
ax.legend()
plt.show()

del on_disk  # the file is closed, and the folder can go
folder.cleanup()
