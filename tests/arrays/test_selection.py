"""The OpenMSI selection grammar, checked against numpy indexing."""

from __future__ import annotations

import ast
import itertools
import re

import dask.array as da
import h5py
import numpy as np
import pytest
import zarr
from hypothesis import given, settings
from hypothesis import strategies as st

from voxhub.arrays.errors import BadSelection
from voxhub.arrays.selection import (
    Index,
    IndexList,
    Range,
    SelectionLimits,
    parse_multiaxis,
    parse_selection,
    plan_selection,
    read_selection,
    select,
)
from voxhub.errors import InvalidInput

CUBE = np.arange(6 * 5 * 7, dtype=np.int32).reshape(6, 5, 7)


# --- parsing ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("3", Index(3)),
        ("-2", Index(-2)),
        (" 4 ", Index(4)),
        (":", Range()),
        ("1:4", Range(1, 4)),
        ("1:9:2", Range(1, 9, 2)),
        ("-3:", Range(-3, None)),
        (":-1", Range(None, -1)),
        ("::-1", Range(None, None, -1)),
        ("::", Range()),
        ("[1,2,3]", IndexList((1, 2, 3))),
        ("[3, -1, 3]", IndexList((3, -1, 3))),
        ("[0]", IndexList((0,))),
    ],
)
def test_parse_accepts_the_grammar(text, expected):
    assert parse_selection(text) == expected
    assert parse_selection(str(expected)) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "a",
        "1:2:3:4",
        "[]",
        "[1,]",
        "[[1]]",
        "1,2",
        "1:x",
        "--1",
        "+1",
        "1.5",
        "::0",
        "__import__('os')",
        "[1;2]",
        "1|2",
        "9" * 40,
    ],
)
def test_parse_rejects_malformed_text_naming_the_parameter(text):
    with pytest.raises(BadSelection) as err:
        parse_selection(text, param="mz")
    assert str(err.value).startswith("mz:")
    assert err.value.code == "bad_selection"
    assert isinstance(err.value, InvalidInput)


def test_parse_rejects_non_strings():
    with pytest.raises(BadSelection):
        parse_selection(1.5)  # type: ignore[arg-type]
    with pytest.raises(BadSelection):
        parse_selection(True)  # type: ignore[arg-type]
    assert parse_selection(7) == Index(7)


def test_parse_multiaxis():
    assert parse_multiaxis("1:3|[0,2]|4") == (Range(1, 3), IndexList((0, 2)), Index(4))
    with pytest.raises(BadSelection, match=r"axis 1"):
        parse_multiaxis("1|x")


# --- checking against a shape ---------------------------------------------


@pytest.mark.parametrize(
    ("selections", "message"),
    [
        (["6"], "out of range"),
        (["-7"], "out of range"),
        (["[0,6]"], "out of range"),
        (["2:2"], "selects nothing"),
        (["4:1"], "selects nothing"),
        (["0:10"], "beyond"),
        (["-9:"], "beyond"),
        (["[0,1]", "[0,1,2]"], "equal lengths"),
        (["1", "2", "3", "4"], "4 selections"),
    ],
)
def test_plan_rejects_bad_selections(selections, message):
    with pytest.raises(BadSelection, match=message):
        plan_selection(selections, CUBE.shape, params=["row", "col", "mz"])


def test_errors_name_the_parameter():
    with pytest.raises(BadSelection, match=r"^col: index 9"):
        plan_selection(["1", "9"], CUBE.shape, params=["row", "col", "mz"])


def test_limits_on_elements_and_list_length():
    limits = SelectionLimits(max_elements=50, max_list_length=3)
    with pytest.raises(BadSelection, match="more than the limit of 50"):
        plan_selection([":", ":"], CUBE.shape, params=["row", "col", "mz"], limits=limits)
    with pytest.raises(BadSelection, match="row: index list has 4 entries"):
        plan_selection(["[0,1,2,3]"], CUBE.shape, params=["row", "col", "mz"], limits=limits)
    plan = plan_selection(["[0,1,2]", "1"], CUBE.shape, limits=limits)
    assert plan.shape == (3, 7)


def test_plan_shapes_follow_openmsi_semantics():
    assert plan_selection(["1", "2"], CUBE.shape).shape == (7,)
    assert plan_selection(["1:3", "[4,0]", ":"], CUBE.shape).shape == (2, 2, 7)
    # Two lists select points, placed where the first list was.
    assert plan_selection([":", "[1,2]", "[0,3]"], CUBE.shape).shape == (6, 2)
    assert plan_selection(["[1,2,5]", "0:4", "[0,3,3]"], CUBE.shape).shape == (3, 4)
    plan = plan_selection(["[3,1,3]", "::-2"], CUBE.shape)
    assert plan.axes[0].indices().tolist() == [3, 1, 3]
    assert plan.axes[1].indices().tolist() == [4, 2, 0]


# --- reading ---------------------------------------------------------------


def reference(array: np.ndarray, keys: list) -> np.ndarray:
    """What a selection must return, built by looping over coordinates."""
    per_axis = []
    for key, length in zip(keys, array.shape, strict=True):
        if isinstance(key, int):
            per_axis.append(("index", [key]))
        elif isinstance(key, slice):
            per_axis.append(("range", list(range(length))[key]))
        else:
            per_axis.append(("list", list(key)))
    lists = [i for i, (kind, _) in enumerate(per_axis) if kind == "list"]
    if len(lists) < 2:
        out_shape = [len(v) for kind, v in per_axis if kind != "index"]
        values = [array[c] for c in itertools.product(*(v for _, v in per_axis))]
        return np.array(values, dtype=array.dtype).reshape(out_shape)
    npoints = len(per_axis[lists[0]][1])
    out_axes = []  # each entry: ("points",) or (axis index,)
    for i, (kind, _) in enumerate(per_axis):
        if kind == "range":
            out_axes.append(i)
        elif i == lists[0]:
            out_axes.append("points")
    sizes = [npoints if a == "points" else len(per_axis[a][1]) for a in out_axes]
    out = np.empty(sizes, dtype=array.dtype)
    for pos in itertools.product(*(range(n) for n in sizes)):
        point = pos[out_axes.index("points")]
        coord = []
        for i, (kind, values) in enumerate(per_axis):
            if kind == "index":
                coord.append(values[0])
            elif kind == "list":
                coord.append(values[point])
            else:
                coord.append(values[pos[out_axes.index(i)]])
        out[pos] = array[tuple(coord)]
    return out


CASES = [
    ["2", "3", "4"],
    ["1:4", "0:5:2", "[6,0,6]"],
    ["::-1", "[4,1]"],
    ["[5,0,2]", "-1", "-3:"],
    [":", "[1,2]", "[0,3]"],
    ["[1,2,5]", "0:4", "[0,3,3]"],
    ["[1,1,0]", "[4,0,4]", "[2,6,2]"],
    ["3", "[2,0]", "[6,1]"],
]


def keys_of(case):
    keys = []
    for text in case + [":"] * (3 - len(case)):
        sel = parse_selection(text)
        if isinstance(sel, Index):
            keys.append(sel.value)
        elif isinstance(sel, Range):
            keys.append(slice(sel.start, sel.stop, sel.step))
        else:
            keys.append(list(sel.values))
    return keys


@pytest.mark.parametrize("case", CASES)
def test_numpy_reads_match_reference(case):
    np.testing.assert_array_equal(select(CUBE, case), reference(CUBE, keys_of(case)))


@pytest.fixture
def zarr_cube(tmp_path):
    arr = zarr.create_array(
        store=str(tmp_path / "cube.zarr"), shape=CUBE.shape, chunks=(2, 2, 3), dtype=CUBE.dtype
    )
    arr[...] = CUBE
    return arr


@pytest.mark.parametrize("case", CASES)
def test_zarr_dask_and_h5py_reads_match_numpy(case, zarr_cube, tmp_path):
    expected = select(CUBE, case)
    np.testing.assert_array_equal(select(zarr_cube, case), expected)
    np.testing.assert_array_equal(select(da.from_array(CUBE, chunks=(2, 3, 4)), case), expected)
    with h5py.File(tmp_path / "cube.h5", "w") as f:
        f.create_dataset("cube", data=CUBE, chunks=(2, 2, 7))
        np.testing.assert_array_equal(select(f["cube"], case), expected)


def test_zarr_read_touches_only_the_needed_chunks(tmp_path):
    store = zarr.storage.LocalStore(str(tmp_path / "big.zarr"))
    big = zarr.create_array(store=store, shape=(40, 40, 4000), chunks=(4, 4, 100), dtype="u2")
    big[0:4, 0:4, :] = 1
    big[36:40, 36:40, 3900:] = 2
    logging = zarr.storage.LoggingStore(store)
    arr = zarr.open_array(store=logging, mode="r")
    out = select(arr, ["[39,0]", "[39,1]", "[3999,0]"])
    assert out.tolist() == [2, 1]
    # Two chunks plus three metadata documents, not the 40 000 chunks spanned.
    assert logging.counter["get"] <= 5


# --- property tests -----------------------------------------------------------


def reference_key(text: str):
    """An independent reading of accepted text: literals via ast, ranges via int()."""
    body = text.strip()
    if ":" in body:
        parts = [int(p) if p else None for p in body.split(":")]
        return slice(*parts) if len(parts) > 1 else slice(parts[0], None)
    # Python literals forbid leading zeros; int() (and the grammar) accept them.
    value = ast.literal_eval(re.sub(r"(?<!\d)0+(?=\d)", "", body.replace(" ", "")))
    return value if isinstance(value, int) else list(value)


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet="0123456789-:[], ", max_size=12), st.integers(1, 12))
def test_random_text_is_rejected_cleanly_or_matches_numpy(text, length):
    vector = np.arange(length) * 10
    try:
        sel = parse_selection(text, param="mz")
    except BadSelection:
        return
    assert parse_selection(str(sel)) == sel
    try:
        got = select(vector, [sel], params=["mz"])
    except BadSelection:
        return
    np.testing.assert_array_equal(got, vector[reference_key(text)])


bound = st.one_of(st.none(), st.integers(-14, 14))
range_text = st.tuples(bound, bound, st.one_of(st.none(), st.integers(-4, 4).filter(bool))).map(
    lambda t: (
        ":".join("" if v is None else str(v) for v in t[:2]) + ("" if t[2] is None else f":{t[2]}")
    )
)
list_text = st.lists(st.integers(-14, 14), min_size=1, max_size=5).map(
    lambda v: "[" + ",".join(map(str, v)) + "]"
)
axis_text = st.one_of(st.integers(-14, 14).map(str), range_text, list_text, st.just(":"))


@settings(max_examples=300, deadline=None)
@given(st.lists(axis_text, min_size=1, max_size=3))
def test_structured_selections_match_reference(texts):
    try:
        got = select(CUBE, texts)
    except BadSelection:
        return
    np.testing.assert_array_equal(got, reference(CUBE, keys_of(texts)))


@settings(max_examples=200, deadline=None)
@given(st.integers(-14, 14), st.integers(1, 12))
def test_in_range_indices_are_accepted_and_out_of_range_rejected(value, length):
    vector = np.arange(length)
    if -length <= value < length:
        assert select(vector, [str(value)]) == vector[value]
    else:
        with pytest.raises(BadSelection, match="out of range"):
            select(vector, [str(value)])


def test_read_selection_reuses_a_plan():
    plan = plan_selection(["0:2", "[3,1]"], CUBE.shape)
    np.testing.assert_array_equal(read_selection(CUBE, plan), CUBE[0:2][:, [3, 1]])
