import pytest

from voxhub.formats.properties import BadProperties, parse_properties

LAYER = {
    "name": "color",
    "category": "color",
    "boundingBox": {"topLeft": [0, 0, 0], "width": 10, "height": 10, "depth": 5},
    "elementClass": "uint8",
    "dataFormat": "zarr3",
    "mags": [{"mag": [1, 1, 1], "path": "./color/1"}],
}


def test_legacy_scale_list_is_accepted():
    props = parse_properties(
        {"id": {"name": "d", "team": "o"}, "scale": [11, 11, 24], "dataLayers": [LAYER]}
    )
    assert props.scale.factor == (11, 11, 24) and props.scale.unit == "nanometer"


def test_round_trip_keeps_camel_case_keys():
    doc = {
        "id": {"name": "d", "team": "o"},
        "scale": {"factor": [1, 1, 1], "unit": "nanometer"},
        "dataLayers": [LAYER],
    }
    out = parse_properties(doc).to_json()
    assert out["dataLayers"][0]["boundingBox"]["topLeft"] == [0, 0, 0]
    assert out["dataLayers"][0]["elementClass"] == "uint8"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"elementClass": "uint7"}, "elementClass"),
        ({"category": "colour"}, "category"),
        ({"dataFormat": "png"}, "dataFormat"),
    ],
)
def test_bad_layers_name_the_field(change, message):
    doc = {"scale": [1, 1, 1], "dataLayers": [{**LAYER, **change}]}
    with pytest.raises(BadProperties, match=message):
        parse_properties(doc)


def test_duplicate_layer_names_are_refused():
    with pytest.raises(BadProperties, match="duplicate layer names: color"):
        parse_properties({"scale": [1, 1, 1], "dataLayers": [LAYER, LAYER]})
