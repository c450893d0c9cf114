"""``voxhub import`` and ``voxhub scan`` as a user runs them: a real process, real files."""

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import tifffile
import zarr
from tests.helpers import volume

VOXHUB = str(Path(sys.executable).parent / "voxhub")


def run(tmp_path, *args, database_url=None):
    env = {**os.environ, "VOXHUB_DATA": str(tmp_path / "data")}
    env.pop("VOXHUB_DATABASE_URL", None)
    if database_url:
        env["VOXHUB_DATABASE_URL"] = database_url
    return subprocess.run([VOXHUB, *args], capture_output=True, text=True, env=env, timeout=120)


def test_import_tiff_stack_then_add_segmentation(tmp_path, database_url):
    data = volume((12, 40, 50))
    tifffile.imwrite(tmp_path / "em.tif", data)
    done = run(
        tmp_path,
        "import",
        str(tmp_path / "em.tif"),
        "--org",
        "lab",
        "--name",
        "em",
        "--voxel-size",
        "4,4,40",
        database_url=database_url,
    )
    assert done.returncode == 0, done.stderr
    assert "imported lab/em layer color: 50×40×12 uint8" in done.stdout
    folder = tmp_path / "data/binaryData/lab/em"
    assert np.array_equal(zarr.open_array(str(folder / "color/1"))[0], data)

    labels = tmp_path / "labels"
    labels.mkdir()
    for i, plane in enumerate((data > 128).astype(np.uint16) * 7):
        tifffile.imwrite(labels / f"l{i}.tif", plane)
    added = run(
        tmp_path,
        "import",
        str(labels),
        "--org",
        "lab",
        "--name",
        "em",
        "--layer",
        "segmentation",
        "--category",
        "segmentation",
        "--add-layer",
        database_url=database_url,
    )
    assert added.returncode == 0, added.stderr
    assert run(tmp_path, "scan", database_url=database_url).stdout.startswith("1 datasets active")


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda p: (p / "cut.tif").write_bytes(b"II*\x00" + b"\x00" * 10), "cut.tif"),
        (lambda p: (p / "notes.txt").write_text("x"), "not a recognised input"),
        (lambda p: None, "no such file"),
    ],
)
def test_unreadable_input_is_one_line_exit_2_nothing_written(tmp_path, make, message):
    make(tmp_path)
    target = next((p for p in tmp_path.iterdir() if p.is_file()), tmp_path / "missing.tif")
    result = run(tmp_path, "import", str(target), "--org", "lab", "--name", "bad")
    assert result.returncode == 2
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr
    assert not (tmp_path / "data/binaryData/lab/bad").exists()


def test_bad_voxel_size_and_names(tmp_path):
    tifffile.imwrite(tmp_path / "em.tif", volume((2, 8, 8)))
    bad_size = run(
        tmp_path,
        "import",
        str(tmp_path / "em.tif"),
        "--org",
        "lab",
        "--name",
        "x",
        "--voxel-size",
        "4,4",
    )
    assert bad_size.returncode == 2 and "--voxel-size" in bad_size.stderr
    bad_name = run(tmp_path, "import", str(tmp_path / "em.tif"), "--org", "lab", "--name", "../up")
    assert bad_name.returncode == 2 and "invalid dataset name" in bad_name.stderr


def test_importing_twice_is_refused(tmp_path):
    tifffile.imwrite(tmp_path / "em.tif", volume((2, 8, 8)))
    assert (
        run(tmp_path, "import", str(tmp_path / "em.tif"), "--org", "lab", "--name", "x").returncode
        == 0
    )
    again = run(tmp_path, "import", str(tmp_path / "em.tif"), "--org", "lab", "--name", "x")
    assert again.returncode == 2 and "already exists" in again.stderr


def test_import_says_which_voxel_size_it_used(tmp_path):
    data = volume((4, 20, 30))
    tifffile.imwrite(tmp_path / "plain.tif", data)  # a TIFF that carries no voxel size
    assumed = run(tmp_path, "import", str(tmp_path / "plain.tif"), "--org", "lab", "--name", "a")
    assert assumed.returncode == 0, assumed.stderr
    assert "voxel size 1×1×1 nanometer (the input names none" in assumed.stdout
    assert "--voxel-size" in assumed.stdout
    given = run(tmp_path, "import", str(tmp_path / "plain.tif"), "--org", "lab", "--name", "b",
                "--voxel-size", "4,4,40")  # fmt: skip
    assert "voxel size 4×4×40 nanometer (as given)" in given.stdout
