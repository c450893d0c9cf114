"""jsonstream writes the bytes json.dumps writes, with the long arrays made item by item."""

import io
import json

import pytest

from voxhub.isa import isajson
from voxhub.isa.jsonstream import LazyList, dump, dumps, materialize

from .sample import sample_investigation


def tree() -> dict:
    made = []

    def items():
        for i in range(300):
            made.append(i)
            yield {"n": i, "text": f"é{i}\n", "nested": {"a": [1, 2.5, None, True]}}

    return {
        "empty": {},
        "none": [],
        "spine": [{"lazy": LazyList(items, 300), "long": list(range(400)), "small": [1]}],
        "made": made,
    }


@pytest.mark.parametrize("indent", [None, 2, 4])
def test_same_bytes_as_json_dumps(indent):
    streamed = dumps(tree(), indent)
    expected = json.dumps(materialize(tree()), ensure_ascii=False, indent=indent)
    if indent is None:
        expected = json.dumps(materialize(tree()), ensure_ascii=False, separators=(",", ":"))
    assert streamed.decode() == expected


def test_lazy_items_are_made_while_written():
    data = tree()
    out = io.BytesIO()
    dump(data, out)
    assert data["made"] == list(range(300))  # made by the write, not before
    assert json.loads(out.getvalue())["spine"][0]["lazy"][299]["n"] == 299


@pytest.mark.parametrize("indent", [None, 2])
def test_isa_json_dump_equals_to_isa_json(indent):
    inv = sample_investigation()
    out = io.BytesIO()
    isajson.dump(inv, out, indent)
    assert json.loads(out.getvalue()) == isajson.to_isa_json(inv)
    assert isajson.dumps(inv, indent).encode() == out.getvalue()
