"""Bounding boxes checked against the real arrays at every mag."""

from __future__ import annotations

import pytest
import zarr

from voxhub.formats.bounds import check_against_data
from voxhub.formats.properties import BadProperties, parse_properties
from voxhub.storage.errors import UnsafePath

AXES = {"c": 0, "z": 1, "y": 2, "x": 3}


@pytest.fixture
def dataset(tmp_path):
    # x=30, y=20, z=10 at mag 1; 15, 10, 10 at mag 2-2-1
    zarr.create_array(str(tmp_path / "color/1"), shape=(1, 10, 20, 30), dtype="uint8")
    zarr.create_array(str(tmp_path / "color/2-2-1"), shape=(1, 10, 10, 15), dtype="uint8")
    return tmp_path


def properties(width=30, height=20, depth=10, top_left=(0, 0, 0), mags=None):
    mags = mags or [
        {"mag": [1, 1, 1], "path": "./color/1", "axisOrder": AXES},
        {"mag": [2, 2, 1], "path": "./color/2-2-1", "axisOrder": AXES},
    ]
    layer = {
        "name": "color",
        "category": "color",
        "elementClass": "uint8",
        "dataFormat": "zarr3",
        "boundingBox": {
            "topLeft": list(top_left),
            "width": width,
            "height": height,
            "depth": depth,
        },
        "mags": mags,
    }
    return parse_properties({"scale": [1, 1, 1], "dataLayers": [layer]})


def test_a_box_within_the_data_passes(dataset):
    check_against_data(properties(), dataset)
    check_against_data(properties(width=10, top_left=(20, 0, 0)), dataset)


@pytest.mark.parametrize(
    ("box", "message"),
    [
        ({"width": 31}, "x=31"),
        ({"height": 10, "top_left": (0, 11, 0)}, "y=21"),
        ({"depth": 11}, "z=11"),
        ({"top_left": (-1, 0, 0), "width": 5}, "negative"),
    ],
)
def test_a_box_outside_the_data_is_refused(dataset, box, message):
    with pytest.raises(BadProperties, match=message):
        check_against_data(properties(**box), dataset)


def test_coarser_mags_are_checked_too(dataset):
    small = [{"mag": [2, 2, 1], "path": "./color/2-2-1", "axisOrder": AXES}]
    check_against_data(properties(mags=small), dataset)
    zarr.create_array(str(dataset / "color/4"), shape=(1, 2, 2, 2), dtype="uint8", overwrite=True)
    short = [{"mag": [4, 4, 4], "path": "./color/4", "axisOrder": AXES}]
    with pytest.raises(BadProperties, match="mag 4-4-4"):
        check_against_data(properties(mags=short), dataset)


def test_missing_arrays_and_escaping_paths(dataset):
    gone = [{"mag": [1, 1, 1], "path": "./color/8", "axisOrder": AXES}]
    with pytest.raises(BadProperties, match="no readable array"):
        check_against_data(properties(mags=gone), dataset)
    escape = [{"mag": [1, 1, 1], "path": "./../../etc", "axisOrder": AXES}]
    with pytest.raises(UnsafePath):
        check_against_data(properties(mags=escape), dataset)
    wrong_axes = [{"mag": [1, 1, 1], "path": "./color/1", "axisOrder": {"x": 7, "y": 2, "z": 1}}]
    with pytest.raises(BadProperties, match="axisOrder"):
        check_against_data(properties(mags=wrong_axes), dataset)


def test_remote_mags_are_not_opened(dataset):
    remote = [{"mag": [1, 1, 1], "path": "https://example.org/data.zarr/1"}]
    check_against_data(properties(width=10**6, mags=remote), dataset)
