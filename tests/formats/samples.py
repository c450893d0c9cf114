"""Tiny generated inputs, one writer per format; each returns (path, expected (c,z,y,x) data)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import tifffile
from PIL import Image
from tests.formats.dm_files import write_dm
from tests.helpers import volume


def slices_png(folder: Path, data: np.ndarray | None = None) -> tuple[Path, np.ndarray]:
    data = volume((6, 20, 24)) if data is None else data
    folder.mkdir(parents=True, exist_ok=True)
    for i, plane in enumerate(data):
        Image.fromarray(plane).save(folder / f"s{i}.png")
    return folder, data[None]


def slices_dm(folder: Path, suffix: str = ".dm3") -> tuple[Path, np.ndarray]:
    data = volume((5, 18, 22)).astype(np.uint16) * 50
    folder.mkdir(parents=True, exist_ok=True)
    for i, plane in enumerate(data):
        write_dm(folder / f"img_{i}{suffix}", plane, scale=2.5, units="nm")
    return folder, data[None]


def folders_of_slices(root: Path) -> tuple[Path, dict[str, np.ndarray]]:
    image = volume((4, 16, 20))
    labels = (image > 120).astype(np.uint8) * 3
    slices_png(root / "em", image)
    slices_png(root / "cell labels", labels)
    return root, {"em": image[None], "cell_labels": labels[None]}


def pyramidal_ome_tiff(path: Path) -> tuple[Path, np.ndarray]:
    data = volume((4, 64, 64)).astype(np.uint16)
    with tifffile.TiffWriter(path, bigtiff=False) as tif:
        options = {"photometric": "minisblack", "tile": (32, 32)}
        meta = {"axes": "ZYX", "PhysicalSizeX": 0.5, "PhysicalSizeY": 0.5, "PhysicalSizeZ": 2.0}
        tif.write(data, subifds=1, metadata=meta, **options)
        tif.write(data[:, ::2, ::2], subfiletype=1, **options)
    return path, data[None]


def czi(path: Path) -> tuple[Path, np.ndarray]:
    from pylibCZIrw import czi as pyczi

    data = np.stack([volume((3, 20, 24), seed=s).astype(np.uint16) for s in (1, 2)])  # c z y x
    with pyczi.create_czi(str(path), exist_ok=True) as document:
        for c in range(2):
            for z in range(3):
                document.write(data=data[c, z], plane={"Z": z, "C": c, "T": 0})
        document.write_metadata(scale_x=0.2e-6, scale_y=0.2e-6, scale_z=1e-6)
    return path, data


def nifti(path: Path) -> tuple[Path, np.ndarray]:
    import nibabel

    data = volume((7, 12, 10)).astype(np.int16)  # z y x
    image = nibabel.Nifti1Image(data.transpose(2, 1, 0), affine=np.diag([0.8, 0.9, 1.5, 1]))
    image.header.set_zooms((0.8, 0.9, 1.5))
    image.header.set_xyzt_units("mm")
    nibabel.save(image, str(path))
    return path, data[None]


def raw(path: Path, order: str = "F") -> tuple[Path, np.ndarray]:
    data = volume((5, 9, 11)).astype(np.uint16) * 3  # z y x
    (data if order == "F" else data.transpose(2, 1, 0)).tofile(path)
    return path, data[None]


def knossos(root: Path) -> tuple[Path, np.ndarray]:
    """Two cubes along x, one missing cube implied by the boundary (zeros)."""
    shape_xyz = (200, 100, 130)
    data = np.zeros(shape_xyz[::-1], np.uint8)
    for cx in range(2):
        cube = volume((128, 128, 128), seed=cx)
        folder = root / "mag1" / f"x{cx:04d}" / "y0000" / "z0000"
        folder.mkdir(parents=True)
        (folder / f"exp_mag1_x{cx:04d}_y0000_z0000.raw").write_bytes(cube.tobytes())
        part = cube[:, :100, : 200 - cx * 128]
        data[:128, :, cx * 128 : cx * 128 + part.shape[2]] = part
    (root / "knossos.conf").write_text(
        'experiment name "exp";\nboundary x 200;\nboundary y 100;\nboundary z 130;\n'
        "scale x 10.0;\nscale y 10.0;\nscale z 25.0;\n"
    )
    return root, data[None]


def wkw_dataset(root: Path) -> tuple[Path, np.ndarray]:
    """A WEBKNOSSOS dataset with one WKW layer (as older WEBKNOSSOS versions wrote)."""
    import json

    import wkw

    data = volume((10, 40, 36))  # z y x
    mag = root / "color" / "1"
    mag.mkdir(parents=True)
    with wkw.Dataset.create(str(mag), wkw.Header(np.uint8, block_len=8, file_len=4)) as dataset:
        dataset.write((0, 0, 0), data.transpose(2, 1, 0))
    properties = {
        "id": {"name": "old", "team": "x"},
        "scale": {"factor": [11.0, 11.0, 25.0], "unit": "nanometer"},
        "dataLayers": [
            {
                "name": "color",
                "category": "color",
                "boundingBox": {"topLeft": [0, 0, 0], "width": 36, "height": 40, "depth": 10},
                "elementClass": "uint8",
                "dataFormat": "wkw",
                "mags": [{"mag": [1, 1, 1], "path": "./color/1"}],
            }
        ],
    }
    (root / "datasource-properties.json").write_text(json.dumps(properties))
    return root, data[None]


def n5_tensorstore(root: Path) -> tuple[Path, np.ndarray]:
    """A multiscale N5 container written by tensorstore: s0 at 4×5×40 nm (``resolution``)."""
    import tensorstore as ts

    data = volume((6, 20, 24)).astype(np.uint16) * 7  # z y x
    root.mkdir(parents=True)
    (root / "attributes.json").write_text('{"n5": "2.5.0"}')
    for level, step in (("s0", 1), ("s1", 2)):
        part = data[:, ::step, ::step]
        metadata = {
            "dimensions": list(part.shape[::-1]),  # N5: x first
            "blockSize": [8, 8, 4],
            "dataType": "uint16",
            "compression": {"type": "gzip"},
            "resolution": [4.0 * step, 5.0 * step, 40.0],
            "units": ["nm", "nm", "nm"],
            "downsamplingFactors": [step, step, 1],
        }
        spec = {"driver": "n5", "kvstore": {"driver": "file", "path": str(root / level)}}
        store = ts.open({**spec, "metadata": metadata}, create=True).result()
        store[...] = part.transpose(2, 1, 0)
    return root, data[None]


def precomputed_tensorstore(root: Path, kind: str = "image") -> tuple[Path, np.ndarray]:
    """A Neuroglancer precomputed volume written by tensorstore, offset by (2, 3, 1)."""
    import tensorstore as ts

    dtype = np.uint32 if kind == "segmentation" else np.uint8
    data = volume((5, 18, 22)).astype(dtype)  # z y x
    spec = {
        "driver": "neuroglancer_precomputed",
        "kvstore": {"driver": "file", "path": str(root)},
        "multiscale_metadata": {"data_type": np.dtype(dtype).name, "num_channels": 1, "type": kind},
        "scale_metadata": {
            "resolution": [4, 5, 40], "size": [22, 18, 5], "voxel_offset": [2, 3, 1],
            "chunk_size": [16, 16, 4],
            "encoding": "compressed_segmentation" if kind == "segmentation" else "raw",
        },
    }  # fmt: skip
    store = ts.open(spec, create=True).result()
    store[...] = data.transpose(2, 1, 0)[..., None]  # x, y, z, channel
    return root, data[None]
