"""Publishing layers: staging, atomic publish, add-layer, and nothing left on failure."""

import json

import dask.array as da
import numpy as np
import pytest
import tifffile
import zarr
from tests.helpers import volume

from voxhub.arrays.layer import LayerLayout
from voxhub.arrays.pyramid import write_pyramid
from voxhub.errors import Conflict, InvalidInput, UnreadableInput
from voxhub.formats.ingest import DataRoot, import_layer
from voxhub.formats.properties import read_properties
from voxhub.formats.registry import open_any
from voxhub.storage.errors import UnsafePath

LAYOUT = LayerLayout(chunk_zyx=(8, 16, 16))


@pytest.fixture
def root(tmp_path):
    return DataRoot(tmp_path / "binaryData", tmp_path / ".staging")


def stack(tmp_path, data, name="stack.tif"):
    tifffile.imwrite(tmp_path / name, data, photometric="minisblack")
    return open_any(tmp_path / name)


def test_new_dataset_is_published_with_properties(tmp_path, root):
    data = volume((10, 40, 30))
    props = import_layer(
        root,
        stack(tmp_path, data),
        organization="lab",
        dataset="em",
        voxel_size=(4, 4, 40),
        layout=LAYOUT,
    )
    folder = root.binary_data / "lab" / "em"
    on_disk = read_properties(folder)
    assert on_disk == props
    assert on_disk.id == {"name": "em", "team": "lab"}
    layer = on_disk.layer("color")
    assert layer.bounding_box.size_xyz == (30, 40, 10)
    assert [m.path for m in layer.mags][0] == "./color/1"
    assert all(m.axis_order == {"c": 0, "z": 1, "y": 2, "x": 3} for m in layer.mags)
    assert json.loads((folder / "zarr.json").read_text())["node_type"] == "group"
    assert np.array_equal(zarr.open_array(str(folder / "color" / "1"))[0], data)
    assert list(root.staging.iterdir()) == []


def test_segmentation_gets_largest_segment_id(tmp_path, root):
    labels = np.zeros((4, 16, 16), np.uint32)
    labels[1, 2, 3] = 77
    props = import_layer(
        root,
        stack(tmp_path, labels),
        organization="lab",
        dataset="seg",
        layer="segmentation",
        category="segmentation",
        layout=LAYOUT,
    )
    assert props.layer("segmentation").largest_segment_id == 77


def test_add_layer_to_existing_dataset(tmp_path, root):
    import_layer(
        root,
        stack(tmp_path, volume((4, 16, 16))),
        organization="lab",
        dataset="em",
        voxel_size=(5, 5, 5),
        layout=LAYOUT,
    )
    labels = (volume((4, 16, 16)) > 100).astype(np.uint16)
    props = import_layer(
        root,
        stack(tmp_path, labels, "l.tif"),
        organization="lab",
        dataset="em",
        layer="mask",
        category="segmentation",
        add_to_existing=True,
        layout=LAYOUT,
    )
    assert [layer.name for layer in props.data_layers] == ["color", "mask"]
    assert props.scale.factor == (5, 5, 5)  # inherited from the dataset
    assert read_properties(root.binary_data / "lab" / "em") == props
    with pytest.raises(Conflict):
        import_layer(
            root,
            stack(tmp_path, labels, "l2.tif"),
            organization="lab",
            dataset="em",
            layer="mask",
            add_to_existing=True,
            layout=LAYOUT,
        )


def test_existing_dataset_is_not_overwritten(tmp_path, root):
    source = stack(tmp_path, volume((4, 16, 16)))
    import_layer(root, source, organization="lab", dataset="em", layout=LAYOUT)
    with pytest.raises(Conflict, match="already exists"):
        import_layer(root, source, organization="lab", dataset="em", layout=LAYOUT)


def test_failed_import_leaves_nothing(tmp_path, root):
    data = volume((16, 64, 64))
    path = tmp_path / "cut.tif"
    # Compressed and garbled in a late page: it opens, and fails while it is read.
    tifffile.imwrite(path, data, compression="zlib")
    with tifffile.TiffFile(path) as tif:
        offset = tif.pages[12].dataoffsets[0]
    raw = bytearray(path.read_bytes())
    raw[offset : offset + 64] = b"\xff" * 64
    path.write_bytes(raw)
    source = open_any(path)
    with pytest.raises(UnreadableInput):
        import_layer(root, source, organization="lab", dataset="broken", layout=LAYOUT)
    assert not (root.binary_data / "lab" / "broken").exists()
    assert list(root.staging.iterdir()) == []


@pytest.mark.parametrize("name", ["../escape", "a/b", "", ".hidden", "x" * 200])
def test_unsafe_names_are_refused(tmp_path, root, name):
    with pytest.raises(UnsafePath):
        import_layer(
            root,
            stack(tmp_path, volume((2, 8, 8))),
            organization="lab",
            dataset=name,
            layout=LAYOUT,
        )


def test_float_segmentation_is_refused(tmp_path, root):
    with pytest.raises(InvalidInput, match="integer"):
        import_layer(
            root,
            stack(tmp_path, np.zeros((2, 8, 8), np.float32)),
            organization="lab",
            dataset="f",
            category="segmentation",
            layout=LAYOUT,
        )


def test_reimport_of_ome_zarr_v2(tmp_path, root):
    data = volume((6, 20, 20))
    write_pyramid(
        da.from_array(data[None]),
        tmp_path / "v2",
        name="v2",
        voxel_size=(2, 2, 3),
        layout=LayerLayout(chunk_zyx=(4, 8, 8), zarr_format=2),
    )
    props = import_layer(
        root, open_any(tmp_path / "v2"), organization="lab", dataset="again", layout=LAYOUT
    )
    assert props.scale.factor == (2, 2, 3)
    assert np.array_equal(zarr.open_array(str(root.binary_data / "lab/again/color/1"))[0], data)
