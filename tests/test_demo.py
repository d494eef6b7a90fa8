import warnings

import pytest

from skae.__main__ import main


def test_demo_prints_the_table_writes_figures_and_warns_about_nothing(tmp_path, capsys):
    # The first screen a newcomer sees, with its defaults: every fit converges,
    # so nothing warns.
    pytest.importorskip("matplotlib")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        main(["--output-dir", str(tmp_path / "out")])
    out = capsys.readouterr().out
    for row in ("reconstruct from 10 numbers", "2-d map", "trustworthiness", "denoise",
                "PSNR", "novelty: fit 0-4, flag 5-9", "ROC AUC", "IsolationForest",
                "cluster 10-number codes", "raw pixels", "PCA", "autoencoder"):
        assert row in out
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "denoising.png", "loss_curves.png", "maps.png", "reconstructions.png", "samples.png"]
    assert str((tmp_path / "out").resolve()) in out
