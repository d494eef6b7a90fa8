import pytest

from skae.__main__ import main


def test_demo_prints_the_table_and_writes_figures(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    main(["--max-iter", "2", "--output-dir", str(tmp_path / "out")])
    out = capsys.readouterr().out
    for row in ("raw pixels", "PCA", "Autoencoder", "ConvAutoencoder",
                "test reconstruction MSE", "KMeans cluster accuracy"):
        assert row in out
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "loss_curves.png", "reconstructions.png", "samples.png"]
    assert str((tmp_path / "out").resolve()) in out
