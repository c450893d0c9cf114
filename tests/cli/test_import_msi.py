"""``voxhub import`` of MSI files as a user runs it: a real process, real imzML/HDF5 files."""

import numpy as np
from tests.cli.test_import import run
from tests.msi_helpers import msi_cube, write_imzml_file, write_omsi_file

from voxhub.arrays.msi.cube import CubeView
from voxhub.arrays.msi.store import open_msi_store

CUBE = msi_cube((5, 4, 300))


def test_imzml_and_openmsi_files_import_as_msi_datasets(tmp_path, database_url):
    imzml = write_imzml_file(tmp_path / "run.imzML", CUBE)
    done = run(
        tmp_path, "import", str(imzml), "--org", "lab", "--name", "run", database_url=database_url
    )
    assert done.returncode == 0, done.stderr
    assert "imported lab/run MSI layer msi: 5 rows × 4 columns × 300 m/z values" in done.stdout
    store = open_msi_store(tmp_path / "data/binaryData/lab/run/msi")
    assert np.array_equal(CubeView(store.replicas)[:, :, :], CUBE)

    omsi = write_omsi_file(tmp_path / "run.h5", CUBE)
    done = run(
        tmp_path,
        "import",
        str(omsi),
        "--org",
        "lab",
        "--name",
        "h5",
        "--layer",
        "ions",
        database_url=database_url,
    )
    assert done.returncode == 0, done.stderr
    assert "MSI layer ions" in done.stdout and "kept 1 analyses: imported_peaks" in done.stdout
    again = run(tmp_path, "import", str(omsi), "--org", "lab", "--name", "h5", "--add-layer")
    assert again.returncode == 2 and "drop --add-layer" in again.stderr


def test_broken_msi_file_is_one_line_nothing_written(tmp_path):
    imzml = write_imzml_file(tmp_path / "cut.imzML", CUBE)
    ibd = imzml.with_suffix(".ibd")
    ibd.write_bytes(ibd.read_bytes()[:50])
    result = run(tmp_path, "import", str(imzml), "--org", "lab", "--name", "cut")
    assert result.returncode == 2 and "truncated" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "data/binaryData/lab/cut").exists()


def test_queued_msi_import_runs_in_a_worker(tmp_path):
    omsi = write_omsi_file(tmp_path / "q.h5", CUBE)
    queued = run(tmp_path, "import", str(omsi), "--org", "lab", "--name", "q", "--queue")
    assert queued.returncode == 0, queued.stderr
    assert "queued job 1: import MSI file" in queued.stdout
    assert not (tmp_path / "data/binaryData/lab/q").exists()
    worked = run(tmp_path, "worker", "--once")
    assert worked.returncode == 0, worked.stderr
    store = open_msi_store(tmp_path / "data/binaryData/lab/q/msi")
    assert np.array_equal(CubeView(store.replicas)[1, 2], CUBE[1, 2])
    assert (tmp_path / "data/binaryData/lab/q/analyses/0/provenance.json").exists()
