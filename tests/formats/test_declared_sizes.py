"""Headers that declare more data than their files hold fail at once, for every format.

Each input declares a huge volume (30000³ or a far-off tile, pixel or cube) on a
few kilobytes; opening it must raise ``DeclaredSizeMismatch`` naming the file,
before a band is allocated (the 30000³ NIfTI used to run for minutes and end in
``MemoryError``).
"""

from __future__ import annotations

import gzip
import json
import struct
import time
import zlib
from pathlib import Path

import numpy as np
import pytest
import tifffile
from PIL import Image
from tests.formats import samples
from tests.formats.dm_files import write_dm

from voxhub.formats.bounds import DeclaredSizeMismatch, check_declared
from voxhub.formats.layers import open_layers
from voxhub.formats.msi_import import open_cubes
from voxhub.formats.properties import BadProperties

HUGE = 30000


def nifti(tmp: Path) -> Path:
    path, _ = samples.nifti(tmp / "small.nii")
    raw = bytearray(path.read_bytes())
    struct.pack_into("<8h", raw, 40, 3, HUGE, HUGE, HUGE, 1, 1, 1, 1)  # dim[0..7]
    (tmp / "huge.nii").write_bytes(raw)
    return tmp / "huge.nii"


def nifti_gz(tmp: Path) -> Path:
    (tmp / "huge.nii.gz").write_bytes(gzip.compress(nifti(tmp).read_bytes()))
    return tmp / "huge.nii.gz"


def dm(tmp: Path) -> Path:
    write_dm(tmp / "huge.dm4", np.zeros((2, 20, 20), np.uint16), declared_shape=(HUGE,) * 3)
    return tmp / "huge.dm4"


def czi(tmp: Path) -> Path:
    from pylibCZIrw import czi as pyczi

    tile = np.ones((20, 24), np.uint16)
    with pyczi.create_czi(str(tmp / "far.czi"), exist_ok=True) as document:
        document.write(data=tile, plane={"Z": 0, "C": 0, "T": 0})
        document.write(data=tile, location=(10**6, 10**6), plane={"Z": 0, "C": 0, "T": 0})
    return tmp / "far.czi"


def knossos(tmp: Path) -> Path:
    path, _ = samples.knossos(tmp / "knossos")
    conf = path / "knossos.conf"
    conf.write_text(conf.read_text().replace("boundary x 200", f"boundary x {HUGE}"))
    conf.write_text(conf.read_text().replace("boundary y 100", f"boundary y {HUGE}"))
    return path


def wkw_dataset(tmp: Path) -> Path:
    path, _ = samples.wkw_dataset(tmp / "wk")
    properties = json.loads((path / "datasource-properties.json").read_text())
    properties["dataLayers"][0]["boundingBox"].update(width=HUGE, height=HUGE, depth=HUGE)
    (path / "datasource-properties.json").write_text(json.dumps(properties))
    return path


def png_slices(tmp: Path) -> Path:
    folder = tmp / "slices"
    folder.mkdir()
    for i in range(2):  # a 64×64 image whose header says 30000×30000
        Image.new("L", (64, 64)).save(folder / f"s{i}.png")
        raw = bytearray((folder / f"s{i}.png").read_bytes())
        struct.pack_into(">II", raw, 16, HUGE, HUGE)  # IHDR width, height
        struct.pack_into(">I", raw, 29, zlib.crc32(bytes(raw[12:29])))  # its CRC
        (folder / f"s{i}.png").write_bytes(raw)
    return folder


def tiff_slices(tmp: Path) -> Path:
    folder = tmp / "tiffs"
    folder.mkdir()
    for i in range(2):
        tifffile.imwrite(folder / f"s{i}.tif", np.zeros((64, 64), np.uint8))
        _stretch_tiff(folder / f"s{i}.tif")
    return folder


def tiff_stack(tmp: Path) -> Path:
    tifffile.imwrite(tmp / "stack.tif", np.zeros((3, 64, 64), np.uint8), photometric="minisblack")
    _stretch_tiff(tmp / "stack.tif")
    return tmp / "stack.tif"


def _stretch_tiff(path: Path) -> None:
    """Rewrite every page's ImageWidth/ImageLength as 30000 (the strips stay small)."""
    with tifffile.TiffFile(path) as tif:
        places = [
            (page.tags[name].valueoffset, page.tags[name].dtype)
            for page in tif.pages
            for name in ("ImageWidth", "ImageLength")
        ]
    raw = bytearray(path.read_bytes())
    for offset, dtype in places:
        struct.pack_into("<H" if dtype == 3 else "<I", raw, offset, HUGE)
    path.write_bytes(raw)


def zarr_dataset(tmp: Path) -> Path:
    import zarr

    zarr.create_array(str(tmp / "wk" / "color" / "1"), shape=(1, 30, 20, 10), dtype="uint8")
    box = {"topLeft": [0, 0, 0], "width": HUGE, "height": HUGE, "depth": HUGE}
    mag = {"mag": [1, 1, 1], "path": "./color/1", "axisOrder": {"c": 0, "x": 1, "y": 2, "z": 3}}
    layer = {"name": "color", "category": "color", "boundingBox": box, "elementClass": "uint8",
             "dataFormat": "zarr3", "mags": [mag]}  # fmt: skip
    properties = {"id": {"name": "wk", "team": "x"}, "scale": [1, 1, 1], "dataLayers": [layer]}
    (tmp / "wk" / "datasource-properties.json").write_text(json.dumps(properties))
    return tmp / "wk"


VOLUMES = [nifti, nifti_gz, dm, czi, knossos, wkw_dataset, zarr_dataset, png_slices,
           tiff_slices, tiff_stack]  # fmt: skip


@pytest.mark.parametrize("make", VOLUMES, ids=lambda f: f.__name__)
def test_volume_declaring_too_much_fails_fast(tmp_path, make):
    path = make(tmp_path)
    started = time.monotonic()
    with pytest.raises((DeclaredSizeMismatch, BadProperties), match="declares|outside the data"):
        for named in open_layers(path):
            named.source.to_dask(1)
    assert time.monotonic() - started < 10


def test_imzml_with_a_far_off_pixel(tmp_path):
    from pyimzml.ImzMLWriter import ImzMLWriter

    mz = np.linspace(100, 200, 16)
    with ImzMLWriter(str(tmp_path / "far.imzML"), mode="continuous") as writer:
        writer.addSpectrum(mz, np.ones(16, np.float32), (1, 1, 1))
        writer.addSpectrum(mz, np.ones(16, np.float32), (100000, 100000, 1))
    with pytest.raises(DeclaredSizeMismatch, match="pixel coordinates"):
        open_cubes(tmp_path / "far.imzML")


def test_openmsi_dataset_declaring_a_huge_cube(tmp_path):
    import h5py

    with h5py.File(tmp_path / "huge.h5", "w") as f:
        data = f.create_group("entry_0").create_group("data_0")
        data.create_dataset("data_0", shape=(HUGE, HUGE, HUGE), dtype="f4", chunks=(8, 8, 8))
        data.create_dataset("mz", data=np.linspace(1, 2, HUGE))
        data["format"] = "full_cube"
    with pytest.raises(DeclaredSizeMismatch, match="data_0"):
        open_cubes(tmp_path / "huge.h5")


def test_honest_compressed_data_passes(tmp_path):
    check_declared(tmp_path, (1000, 1000), np.uint8, 1000, ratio=1032)
    with pytest.raises(DeclaredSizeMismatch, match="1032:1"):
        check_declared(tmp_path, (1000, 1000), np.uint8, 900, ratio=1032)
