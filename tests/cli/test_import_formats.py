"""``voxhub import PATH`` for every input format (in-process), and as a real process."""

import numpy as np
import pytest
import zarr
from tests.cli.test_import import run
from tests.formats import samples
from typer.testing import CliRunner

from voxhub.cli import app
from voxhub.config import get_settings


@pytest.fixture
def cli(tmp_path, monkeypatch):
    monkeypatch.setenv("VOXHUB_DATA", str(tmp_path / "data"))
    monkeypatch.delenv("VOXHUB_DATABASE_URL", raising=False)
    get_settings.cache_clear()
    yield lambda *args: CliRunner().invoke(app, [str(a) for a in args])
    get_settings.cache_clear()


FORMATS = {
    "png-slices": (lambda d: samples.slices_png(d / "png"), []),
    "dm3-slices": (lambda d: samples.slices_dm(d / "dm", ".dm3"), []),
    "dm4-slices": (lambda d: samples.slices_dm(d / "dm", ".dm4"), []),
    "pyramidal-ome-tiff": (lambda d: samples.pyramidal_ome_tiff(d / "p.ome.tif"), []),
    "czi": (lambda d: samples.czi(d / "c.czi"), []),
    "nifti": (lambda d: samples.nifti(d / "n.nii.gz"), []),
    "raw": (
        lambda d: samples.raw(d / "v.raw", "C"),
        ["--shape", "11,9,5", "--dtype", "uint16", "--order", "C"],
    ),
    "knossos": (lambda d: samples.knossos(d / "knossos"), []),
    "wkw": (lambda d: samples.wkw_dataset(d / "wk"), []),
    "n5": (lambda d: samples.n5_tensorstore(d / "v.n5"), []),
    "precomputed": (lambda d: samples.precomputed_tensorstore(d / "pc"), []),
}


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_import_each_format(tmp_path, cli, fmt):
    make, extra = FORMATS[fmt]
    path, data = make(tmp_path)
    done = cli("import", path, "--org", "lab", "--name", "ds", *extra)
    assert done.exit_code == 0, done.output
    assert "imported lab/ds layer color" in done.output
    level = zarr.open_array(str(tmp_path / "data/binaryData/lab/ds/color/1"))
    assert np.array_equal(level[:], data)


def test_import_folders_as_layers(tmp_path, cli):
    path, expected = samples.folders_of_slices(tmp_path / "in")
    done = cli("import", path, "--org", "lab", "--name", "two")
    assert done.exit_code == 0, done.output
    assert "layer cell_labels" in done.output and "layer em" in done.output
    for name, data in expected.items():
        level = zarr.open_array(str(tmp_path / f"data/binaryData/lab/two/{name}/1"))
        assert np.array_equal(level[:], data)


def test_raw_without_shape_is_a_one_line_error(tmp_path):
    path, _ = samples.raw(tmp_path / "v.raw")
    done = run(tmp_path, "import", str(path), "--org", "lab", "--name", "r")
    assert done.returncode == 2
    assert "raw files need a shape" in done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "data/binaryData/lab/r").exists()


def test_queue_then_worker_once(tmp_path):
    path, data = samples.slices_png(tmp_path / "png")
    queued = run(tmp_path, "import", str(path), "--org", "lab", "--name", "q", "--queue")
    assert queued.returncode == 0, queued.stderr
    assert "queued job 1" in queued.stdout
    assert not (tmp_path / "data/binaryData/lab/q").exists()
    worked = run(tmp_path, "worker", "--once")
    assert worked.returncode == 0, worked.stderr
    assert "ran 1 jobs" in worked.stdout
    level = zarr.open_array(str(tmp_path / "data/binaryData/lab/q/color/1"))
    assert np.array_equal(level[:], data)


@pytest.mark.parametrize("kind", ["v3", "v3-sharded", "v2"])
def test_a_zarr_with_a_cut_blosc_chunk_is_a_one_line_error(tmp_path, kind):
    """A hostile upload: Blosc would read past the cut chunk (other memory as voxels, or a
    crash); the import refuses it and leaves no half-written dataset."""
    from tests.arrays.test_bloscheck import write_cut

    write_cut(tmp_path / "cut.zarr", kind)
    done = run(tmp_path, "import", str(tmp_path / "cut.zarr"), "--org", "lab", "--name", "c")
    assert done.returncode == 2, done.stdout + done.stderr
    assert "Blosc chunk whose header does not match its length" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1 and "Traceback" not in done.stderr
    assert not (tmp_path / "data/binaryData/lab/c").exists()
