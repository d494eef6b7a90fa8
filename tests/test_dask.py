"""Dask: a search on a cluster of worker processes, and dask arrays block by block
(tested when the `skae[dask]` extra is installed, skipped otherwise)."""

import numpy as np
import pytest
from sklearn.model_selection import GridSearchCV

from skae import Autoencoder


@pytest.fixture
def X(digits):
    return digits[0][:600]


@pytest.fixture(autouse=True)
def synchronous_scheduler():
    # dask's default threaded scheduler runs skae's transform in two worker
    # threads at once; after that, torch in this process trains 1.5 to 2.5
    # times slower for the rest of the session (measured on 2 cores; not the
    # thread count, which is restored), which would slow every later test.
    # The blocks are still computed by dask, one after the other.
    dask = pytest.importorskip("dask")
    with dask.config.set(scheduler="synchronous"):
        yield


def test_partial_fit_block_by_block_over_a_dask_array(X):
    da = pytest.importorskip("dask.array")
    blocks = da.from_array(X, chunks=(200, -1))
    ae = Autoencoder(n_components=4, random_state=0)
    for block in blocks.blocks:
        ae.partial_fit(block.compute())
    assert ae.n_iter_ == 3
    codes = blocks.map_blocks(ae.transform, chunks=(200, 4), dtype=np.float32).compute()
    np.testing.assert_array_equal(codes, ae.transform(X))


def test_dask_ml_incremental_calls_partial_fit_per_block(X):
    pytest.importorskip("dask_ml")
    import dask.array as da
    from dask_ml.wrappers import Incremental

    blocks = da.from_array(X, chunks=(200, -1))
    model = Incremental(Autoencoder(n_components=4, random_state=0)).fit(blocks)
    assert model.estimator_.n_iter_ == 3
    assert model.transform(blocks).compute().shape == (600, 4)


def _torch_threads():
    import torch

    return torch.get_num_threads()


def test_grid_search_on_a_local_cluster_of_processes(X):
    distributed = pytest.importorskip("distributed")
    from joblib import parallel_config

    grid = {"n_components": [2, 4]}
    search = GridSearchCV(Autoencoder(hidden_layer_sizes=(16,), max_iter=3, random_state=0),
                          grid, cv=2)
    local = search.fit(X).cv_results_["mean_test_score"]
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        # Each worker trains with the one thread it is given: no oversubscription.
        assert set(client.run(_torch_threads).values()) == {1}
        with parallel_config(backend="dask"):
            on_cluster = search.set_params(n_jobs=-1).fit(X).cv_results_["mean_test_score"]
    # The same candidates, the same seeds: the same scores, wherever they ran.
    np.testing.assert_allclose(on_cluster, local, rtol=1e-5)
