"""The one path check: layer names and mag paths stay inside their dataset folder."""

import os

import pytest

from voxhub.formats.paths import check_layer_paths, mag_location, refuse_links
from voxhub.formats.properties import parse_properties
from voxhub.storage.errors import UnsafePath


def described(*mag_paths: str | None, layer: str = "color"):
    mags = [{"mag": [2**i] * 3, **({"path": p} if p else {})} for i, p in enumerate(mag_paths)]
    box = {"topLeft": [0, 0, 0], "width": 4, "height": 4, "depth": 4}
    return parse_properties({
        "scale": [1, 1, 1],
        "dataLayers": [{"name": layer, "category": "color", "boundingBox": box,
                        "elementClass": "uint8", "mags": mags}],
    })  # fmt: skip


@pytest.mark.parametrize(
    "relative, expected",
    [("./color/1", "color/1"), ("1", "color/1"), ("./other/2-2-1", "other/2-2-1"),
     ("sub/./1", "color/sub/1"), (".", "")],
)  # fmt: skip
def test_paths_resolve_in_the_dataset_or_layer_folder(tmp_path, relative, expected):
    assert mag_location(tmp_path, "color", relative) == tmp_path / expected


@pytest.mark.parametrize(
    "relative",
    ["./../../orgA/secret/color/1", "../x", "a/../../b", "/etc/passwd", "C:/x", "a\\..\\b",
     "a\x00b", ""],
)  # fmt: skip
def test_paths_that_could_leave_are_refused(tmp_path, relative):
    with pytest.raises(UnsafePath):
        mag_location(tmp_path, "color", relative)
    with pytest.raises(UnsafePath):
        check_layer_paths(described(relative or "x/.."))


@pytest.mark.parametrize("name", ["..", "../color", "a/b", ".hidden", ""])
def test_layer_names_are_single_segments(name):
    with pytest.raises(UnsafePath, match="layer name"):
        mag_location(__import__("pathlib").Path("/d"), name, "1")


def test_mags_without_path_and_urls(tmp_path):
    check_layer_paths(described(None, "https://example.org/data.zarr/2"), tmp_path)
    assert mag_location(tmp_path, "color", "https://example.org/a") == "https://example.org/a"
    with pytest.raises(UnsafePath, match="scheme"):
        mag_location(tmp_path, "color", "file:///etc")


def test_operator_symlinks_are_followed_uploaded_ones_refused(tmp_path):
    dataset = tmp_path / "ds"
    elsewhere = tmp_path / "other-disk" / "color"
    (elsewhere / "1").mkdir(parents=True)
    dataset.mkdir()
    os.symlink(elsewhere, dataset / "color")
    properties = described("./color/1")
    check_layer_paths(properties, dataset)  # placed by an operator: fine
    with pytest.raises(UnsafePath, match="symbolic link"):
        check_layer_paths(properties, dataset, links=False)
    with pytest.raises(UnsafePath, match="symbolic link"):
        refuse_links(dataset)


def test_an_inner_link_is_refused_for_uploads(tmp_path):
    (tmp_path / "color" / "real").mkdir(parents=True)
    os.symlink(tmp_path / "color" / "real", tmp_path / "color" / "1")
    with pytest.raises(UnsafePath, match="symbolic link"):
        check_layer_paths(described("1"), tmp_path, links=False)
    (tmp_path / "color" / "1").unlink()
    (tmp_path / "color" / "1").mkdir()
    check_layer_paths(described("1"), tmp_path, links=False)
    refuse_links(tmp_path)
