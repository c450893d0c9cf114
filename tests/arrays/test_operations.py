"""OpenMSI data-operation pipelines: documented examples, the allow-list and errors."""

from __future__ import annotations

import json

import numpy as np
import pytest
import zarr
from tests.msi_helpers import NORMALIZED_MAX_PROJECTION, POSITIVE

from voxhub.arrays.errors import BadOperation
from voxhub.arrays.operations import (
    DUAL,
    REDUCTIONS,
    SINGLE,
    AsType,
    Constant,
    DivideMax,
    DualTransform,
    MinusMinDivideMax,
    Nested,
    OperationLimits,
    Pipeline,
    Reduction,
    SelectValues,
    SingleTransform,
    Step,
    Threshold,
    parse_operations,
    run_operations,
    step_from_dict,
)
from voxhub.errors import InvalidInput

# --- OpenMSI's documented examples ---------------------------------------------


def documented_cube() -> np.ndarray:
    data = np.arange(50).reshape(5, 5, 2)
    data[data < 15] = 0
    return data


def test_normalised_max_projection_gives_the_documented_result():
    result = run_operations(documented_cube(), json.dumps(NORMALIZED_MAX_PROJECTION))
    # Max projection: 0 for the first 7 pixels, then 15, 17, ..., 49. The 5th
    # percentile of those 18 positive values is 15 + 0.85 * 2 = 16.7; after the
    # subtraction the positive values are 0.3, 2.3, ..., 32.3 and their 95th
    # percentile is 0.3 + 15.2 * 2 = 30.7.
    projection = np.array([0] * 7 + list(range(15, 50, 2)), dtype=float).reshape(5, 5)
    expected = np.clip((projection - 16.7) / 30.7, 0, 1)
    np.testing.assert_allclose(result, expected)
    assert result.shape == (5, 5)
    assert result[4, 4] == 1.0 and result[0, 0] == 0.0
    assert result[1, 3] == pytest.approx((17 - 16.7) / 30.7)


def test_min_dim_skips_a_reduction_on_data_with_fewer_axes():
    image = documented_cube().max(axis=-1)
    project = [{"reduction": "max", "axis": -1, "min_dim": 3}]
    np.testing.assert_array_equal(run_operations(image, project), image)
    np.testing.assert_array_equal(run_operations(documented_cube(), project), image)


def test_variables_example_from_the_documentation():
    # "Version 2 (explicit data references)": percentiles from the max projection.
    ops = [
        {"reduction": "max", "x1": "data", "axis": -1, "min_dim": 3, "variable": "reduce_max"},
        {"reduction": "percentile", "q": 5, "x1": "reduce_max", "variable": "plow"},
        {"reduction": "percentile", "q": 95, "x1": "reduce_max"},
        {"transformation": "arithmetic", "operation": "subtract", "x2": "plow"},
        {"transformation": "astype", "dtype": "float", "variable": "phigh_as_float"},
        {
            "transformation": "arithmetic",
            "operation": "subtract",
            "x1": "reduce_max",
            "x2": "plow",
        },
        {"transformation": "arithmetic", "operation": "divide", "x2": "phigh_as_float"},
        {"transformation": "scale", "operation": "clip", "a_min": 0, "a_max": 1},
    ]
    cube = documented_cube()
    projection = cube.max(axis=-1)
    low, high = np.percentile(projection, 5), np.percentile(projection, 95)
    expected = np.clip((projection - low) / (high - low), 0, 1)
    np.testing.assert_allclose(run_operations(cube, ops), expected)


def test_threshold_then_max_projection():
    cube = np.arange(125).reshape(5, 5, 5)
    ops = [{"transformation": "threshold", "threshold": 60}, {"reduction": "max", "axis": 2}]
    expected = np.where(cube < 60, 0, cube).max(axis=2)
    np.testing.assert_array_equal(run_operations(cube, ops), expected)


def test_subtract_min_divide_by_float_max():
    a = np.arange(10) + 5
    ops = [
        {
            "transformation": "dualDataTransform",
            "operation": "subtract",
            "x1": "data",
            "x2": [{"reduction": "min"}],
        },
        {
            "transformation": "dualDataTransform",
            "operation": "divide",
            "x2": [{"reduction": "max"}, {"transformation": "astype", "dtype": "float"}],
        },
    ]
    np.testing.assert_allclose(run_operations(a, ops), np.arange(10) / 9)


def test_threshold_by_nested_median_and_default_percentile():
    a = np.arange(10)
    ops = [{"transformation": "threshold", "threshold": [{"reduction": "median"}]}]
    np.testing.assert_array_equal(run_operations(a, ops), np.where(a < 4.5, 0, a))
    a = np.arange(1, 101)
    out = run_operations(a, [{"transformation": "threshold"}])
    assert (out == 0).sum() == 5  # bottom 5 % set to 0


# --- the allow-list, function by function -------------------------------------

ARRAY = np.arange(1, 25, dtype=float).reshape(2, 3, 4)
EXTRA = {
    "percentile": {"q": 30},
    "append": {"values": [1, 2]},
    "swapaxes": {"axis1": 0, "axis2": 2},
    "diagonal": {"offset": 0},
    "transpose": {"axes": [2, 0, 1]},
}


@pytest.mark.parametrize("name", sorted(REDUCTIONS))
def test_every_reduction_runs(name):
    data = ARRAY.astype(int) if name == "bincount" else ARRAY
    if name in ("diag", "diagflat", "corrcoef", "diag_indices"):
        data = ARRAY[0, :3, :3]
    kwargs = EXTRA.get(name, {})
    got = run_operations(data, [{"reduction": name, **kwargs}])
    assert isinstance(got, np.ndarray)


@pytest.mark.parametrize(
    ("name", "axis", "expected"),
    [
        ("max", 2, ARRAY.max(axis=2)),
        ("sum", None, ARRAY.sum()),
        ("mean", 0, ARRAY.mean(axis=0)),
        ("median", -1, np.median(ARRAY, axis=-1)),
        ("std", 1, ARRAY.std(axis=1)),
        ("ptp", 2, np.ptp(ARRAY, axis=2)),
        ("argmax", 1, ARRAY.argmax(axis=1)),
        ("cumsum", 0, ARRAY.cumsum(axis=0)),
        ("diff", 2, np.diff(ARRAY, axis=2)),
        ("count_nonzero", 1, np.count_nonzero(ARRAY > 5, axis=1)),
    ],
)
def test_reductions_match_numpy(name, axis, expected):
    data = ARRAY > 5 if name == "count_nonzero" else ARRAY
    step = {"reduction": name} if axis is None else {"reduction": name, "axis": axis}
    np.testing.assert_allclose(run_operations(data, [step]), expected)


def test_percentile_list_and_area_near_peak():
    got = run_operations(ARRAY, [{"reduction": "percentile", "q": [10, 90], "axis": 2}])
    np.testing.assert_allclose(got, np.percentile(ARRAY, [10, 90], axis=2))
    cube = np.zeros((1, 2, 6))
    cube[0, 0] = [0, 1, 5, 2, 1, 0]
    cube[0, 1] = [9, 1, 1, 0, 0, 3]
    got = run_operations(cube, [{"reduction": "area_near_peak", "halfpeakwidth": 1}])
    np.testing.assert_allclose(got, [[8, 10]])


@pytest.mark.parametrize("name", sorted(SINGLE))
def test_every_single_data_transform_runs(name):
    data = np.arange(1, 7).reshape(2, 3)
    kwargs = {
        "swapaxes": {"axis1": 0, "axis2": 1},
        "clip": {"a_min": 2, "a_max": 4},
        "hypot": {"x2": 3},
    }.get(name, {})
    if name in ("arccos", "arcsin", "arctanh"):
        data = data / 10
    out = run_operations(
        data, [{"transformation": "singleDataTransform", "operation": name, **kwargs}]
    )
    assert out.size == data.size


def test_log_and_sqrt_are_sign_symmetric():
    data = np.array([-100.0, 0.0, 10.0, 1000.0])
    got = run_operations(data, [{"transformation": "scale", "operation": "log10"}])
    np.testing.assert_allclose(got, [-2, 0, 1, 3])
    got = run_operations(np.array([4.0, 9.0]), [{"transformation": "scale", "operation": "sqrt"}])
    np.testing.assert_allclose(got, [2, 3])


@pytest.mark.parametrize("name", sorted(DUAL))
def test_every_dual_data_transform_matches_numpy(name):
    x1 = np.array([[6, 7, 12], [3, 2, 9]])
    x2 = np.array([[2, 3, 4], [1, 1, 2]])
    ops = [{"transformation": "arithmetic", "operation": name, "x2": x2.tolist()}]
    got = run_operations(x1, ops)
    if name == "bitwise_not":
        expected = x1 & ~x2
    else:
        expected = getattr(np, name)(x1, x2)
    np.testing.assert_allclose(got, expected)


def test_normalisations_per_piece():
    cube = np.random.default_rng(1).random((3, 4, 5)) * 10
    got = run_operations(cube, [{"transformation": "minusMinDivideMax", "axes": [0, 1]}])
    for i in range(3):
        for j in range(4):
            spectrum = cube[i, j]
            np.testing.assert_allclose(got[i, j], (spectrum - spectrum.min()) / np.ptp(spectrum))
    got = run_operations(cube, [{"transformation": "divideMax", "axes": 2}])
    np.testing.assert_allclose(got, cube / cube.max(axis=(0, 1), keepdims=True))
    got = run_operations(cube, [{"transformation": "scale", "operation": "sqrt", "axes": [2]}])
    np.testing.assert_allclose(got, np.sqrt(cube))
    zeros = run_operations(np.zeros(3), [{"transformation": "divideMax"}])
    np.testing.assert_array_equal(zeros, np.zeros(3))
    flat = run_operations(np.full(3, 7), [{"transformation": "minusMinDivideMax"}])
    np.testing.assert_array_equal(flat, np.zeros(3))


def test_select_values_by_selection_text_and_by_indices():
    got = run_operations(ARRAY, [{"reduction": "select_values", "selection": "1|0:2|[3,0]"}])
    np.testing.assert_array_equal(got, ARRAY[1, 0:2][:, [3, 0]])
    got = run_operations(
        np.array([5, 6, 7, 8]),
        [{"reduction": "select_values", "selection": {"reduction": "argmax", "x1": [3, 1]}}],
    )
    np.testing.assert_array_equal(got, 5)


# --- steps as dataclasses -------------------------------------------------------

STEPS: list[Step] = [
    Reduction("percentile", axis=1, kwargs={"q": 5}, variable="p5"),
    Reduction("max", x1=[{"reduction": "min", "axis": 0}]),
    SelectValues("1:3|[0,2]"),
    SelectValues(POSITIVE["selection"]),
    DualTransform("subtract", x2=[{"reduction": "min"}], kind="arithmetic"),
    DualTransform("cov", x1="data", x2=[[1, 2], [3, 4]], kwargs={"ddof": 0}),
    SingleTransform("clip", kwargs={"a_min": 0, "a_max": [{"reduction": "max"}]}, kind="scale"),
    DivideMax(axes=[2]),
    MinusMinDivideMax(),
    Threshold(Constant(3)),
    Threshold(),
    AsType("uint16", axes=(0, 1)),
]


@pytest.mark.parametrize("step", STEPS, ids=lambda s: type(s).__name__)
def test_steps_round_trip(step):
    as_dict = step.to_dict()
    assert json.loads(json.dumps(as_dict)) == as_dict
    assert step_from_dict(as_dict) == step
    assert Step.from_dict(as_dict) == step


def test_pipeline_round_trips_through_json():
    pipeline = parse_operations(NORMALIZED_MAX_PROJECTION)
    assert parse_operations(pipeline.to_json()) == pipeline
    assert isinstance(pipeline.steps[1].x2, Nested)
    assert len(pipeline) == 4
    assert parse_operations(None) == Pipeline() == parse_operations("  ")
    np.testing.assert_array_equal(run_operations(ARRAY, ""), ARRAY)


def test_steps_validate_when_built():
    with pytest.raises(BadOperation, match="unknown reduction"):
        Reduction("eval")
    with pytest.raises(BadOperation, match="takes no axis"):
        Reduction("transpose", axis=1)
    with pytest.raises(BadOperation, match="not allowed"):
        AsType("object")
    with pytest.raises(BadOperation, match="unknown dualDataTransform"):
        DualTransform("__add__")
    with pytest.raises(BadOperation, match="variable"):
        DivideMax(variable="data")


# --- errors name the step and the reason ------------------------------------------


@pytest.mark.parametrize(
    ("ops", "message"),
    [
        ("[{", r"^operations: not valid JSON"),
        ('"max"', r"^operations: expected a list of steps"),
        ([1], r"^operations\[0\]: a step must be an object"),
        ([{"reduction": "max"}, {"reduction": "eval"}], r"^operations\[1\]: unknown reduction"),
        ([{"transformation": "exec"}], r"^operations\[0\]: unknown transformation 'exec'"),
        ([{"reduction": "max", "transformation": "scale"}], r"exactly one of"),
        ([{}], r"exactly one of"),
        ([{"reduction": "max", "axes": 1}], r"max takes no parameter 'axes'"),
        ([{"reduction": "percentile"}], r"percentile needs parameter 'q'"),
        ([{"reduction": "percentile", "q": 101}], r"operations\[0\]\.q: percentiles lie"),
        ([{"reduction": "std", "ddof": True}], r"expected an integer"),
        ([{"transformation": "arithmetic"}], r"needs an 'operation'"),
        ([{"transformation": "scale", "operation": "system"}], r"unknown singleDataTransform"),
        ([{"transformation": "divideMax", "foo": 1}], r"divideMax takes no key 'foo'"),
        ([{"transformation": "astype", "dtype": "object"}], r"operations\[0\]: dtype"),
        ([{"transformation": "threshold", "threshold": "nope"}], r"unknown variable 'nope'"),
        (
            [{"transformation": "arithmetic", "operation": "add", "x2": [{"reduction": "nope"}]}],
            r"^operations\[0\]\.x2\[0\]: unknown reduction",
        ),
        ([{"transformation": "arithmetic", "operation": "add", "x2": [1, {"a": 1}]}], "mixes"),
        ([{"transformation": "arithmetic", "operation": "add", "x2": [[1, 2], [3]]}], "rectang"),
        ([{"transformation": "arithmetic", "operation": "add", "x2": 10**30}], "64 bits"),
        ([{"reduction": "max", "variable": "data"}], "variable"),
        ([{"reduction": "select_values", "selection": "1:x"}], r"operations\[0\]: selection"),
    ],
)
def test_bad_pipelines_are_refused_before_running(ops, message):
    with pytest.raises(BadOperation, match=message) as err:
        parse_operations(ops)
    assert err.value.code == "bad_operation"
    assert isinstance(err.value, InvalidInput)


@pytest.mark.parametrize(
    ("ops", "message"),
    [
        ([{"reduction": "max", "axis": 3}], r"^operations\[0\]: axis 3 is out of range"),
        (
            [
                {"reduction": "max"},
                {"transformation": "arithmetic", "operation": "add", "x2": [1, 2]},
                {"transformation": "arithmetic", "operation": "add", "x1": "data", "x2": [1, 2, 3]},
            ],
            r"^operations\[2\]: add failed: operands could not be broadcast",
        ),
        ([{"transformation": "threshold", "axes": [5]}], r"axes entry 5 is out of range"),
        ([{"reduction": "select_values", "selection": "9"}], r"out of range"),
        (
            [{"reduction": "select_values", "selection": [{"reduction": "max", "axis": 0}]}],
            r"boolean mask or integer indices",
        ),
        ([{"reduction": "swapaxes", "axis1": 0, "axis2": 7}], r"swapaxes failed"),
    ],
)
def test_shape_errors_name_the_step(ops, message):
    pipeline = parse_operations(ops)
    with pytest.raises(BadOperation, match=message):
        pipeline.run(ARRAY)


def test_limits():
    small = OperationLimits(max_input_elements=10)
    with pytest.raises(BadOperation, match="input has 24 elements, more than the limit of 10"):
        run_operations(ARRAY, [{"transformation": "divideMax"}], limits=small)
    tiny = OperationLimits(max_input_elements=10, max_streamed_elements=20)
    with pytest.raises(BadOperation, match="more than the limit of 20"):
        run_operations(ARRAY, [{"reduction": "max"}], limits=tiny)
    with pytest.raises(BadOperation, match="result has 576 elements"):
        run_operations(
            np.arange(24), [{"reduction": "diagflat"}], limits=OperationLimits(max_elements=100)
        )
    with pytest.raises(BadOperation, match="more than 3 steps"):
        parse_operations([{"reduction": "max"}] * 4, limits=OperationLimits(max_steps=3))
    deep: dict = {"reduction": "max"}
    for _ in range(5):
        deep = {"reduction": "max", "x1": deep}
    with pytest.raises(BadOperation, match="nested deeper than 3"):
        parse_operations([deep], limits=OperationLimits(max_depth=3))
    with pytest.raises(BadOperation, match="longer than 20 characters"):
        parse_operations(
            json.dumps(NORMALIZED_MAX_PROJECTION), limits=OperationLimits(max_json_length=20)
        )
    with pytest.raises(BadOperation, match="more than 3 numbers"):
        parse_operations(
            [{"transformation": "threshold", "threshold": [1, 2, 3, 4]}],
            limits=OperationLimits(max_constant_length=3),
        )
    with pytest.raises(BadOperation, match="ran longer than"):
        run_operations(ARRAY, [{"reduction": "max"}], limits=OperationLimits(max_seconds=-1))
    with pytest.raises(BadOperation, match="more than 5"):
        run_operations(
            ARRAY,
            [{"transformation": "threshold", "axes": [1, 2]}],
            limits=OperationLimits(max_chunks=5),
        )


def test_large_inputs_are_reduced_chunk_by_chunk(tmp_path):
    cube = np.random.default_rng(2).random((8, 6, 50))
    arr = zarr.create_array(
        store=str(tmp_path / "c.zarr"), shape=cube.shape, chunks=(3, 3, 16), dtype="f8"
    )
    arr[...] = cube
    limits = OperationLimits(max_input_elements=1000)
    ops = [{"reduction": "max", "axis": 2}, {"transformation": "minusMinDivideMax"}]
    expected = run_operations(cube, ops)
    np.testing.assert_allclose(run_operations(arr, ops, limits=limits), expected)
    np.testing.assert_allclose(
        run_operations(arr, [{"reduction": "mean", "axis": -1}], limits=limits), cube.mean(-1)
    )
    # Steps after the streamed one keep their own index in messages.
    with pytest.raises(BadOperation, match=r"^operations\[1\]: axis 5"):
        run_operations(
            arr, [{"reduction": "sum", "axis": 0}, {"reduction": "max", "axis": 5}], limits=limits
        )
    # A later reference to the whole input needs it in memory: refused.
    uses_input = ops + [{"transformation": "arithmetic", "operation": "add", "x2": "data"}]
    with pytest.raises(BadOperation, match="input has 2400 elements"):
        run_operations(arr, uses_input, limits=limits)
    with pytest.raises(BadOperation, match="input has 2400 elements"):
        run_operations(arr, [{"reduction": "median", "axis": 2}], limits=limits)


def test_parameter_name_is_used_in_messages():
    with pytest.raises(BadOperation, match=r"^operations2\[0\]"):
        parse_operations([{"reduction": "nope"}], param="operations2")


def test_pipelines_may_name_inputs_the_caller_sets():
    """qspectrum's operationsMerge refers to ``spectrum1`` and ``spectrum2``."""
    merge = [
        {"transformation": "arithmetic", "operation": "add", "x1": "spectrum1", "x2": "spectrum2"}
    ]
    with pytest.raises(BadOperation, match="unknown variable 'spectrum1'"):
        parse_operations(merge)
    pipeline = parse_operations(merge, param="operationsMerge", inputs=("spectrum1", "spectrum2"))
    a, b = np.arange(4), np.arange(4) * 10
    np.testing.assert_array_equal(
        pipeline.run(np.zeros(1), variables={"spectrum1": a, "spectrum2": b}), a + b
    )
    with pytest.raises(ValueError, match="spectrum2"):
        pipeline.run(np.zeros(1), variables={"spectrum1": a})
    assert not pipeline.can_stream((10**9,))
    assert parse_operations([{"reduction": "max", "axis": 0}]).can_stream((10**9,))


def test_integer_parameters_are_bounded_when_parsed_and_by_the_data_shape():
    with pytest.raises(BadOperation, match=r"^operations\[0\]\.n: 1000000000 is out of range"):
        parse_operations([{"reduction": "diff", "n": 10**9}])
    with pytest.raises(BadOperation, match=r"^operations\[1\]\.decimals: .* out of range"):
        parse_operations(
            [
                {"reduction": "max"},
                {"transformation": "scale", "operation": "around", "decimals": 10**6},
            ]
        )
    with pytest.raises(BadOperation, match=r"^operations\[0\]\.axes: expected a list of at most"):
        parse_operations([{"reduction": "transpose", "axes": [2**70, 0]}])
    cube = np.ones((2, 3, 5))
    # Within the parse-time cap, but longer than the axis the step works on.
    with pytest.raises(BadOperation, match=r"^operations\[0\]: diff: n=6 is more than 5"):
        run_operations(cube, [{"reduction": "diff", "n": 6}])
    with pytest.raises(BadOperation, match=r"halfpeakwidth=6 is more than 5 \(the m/z length"):
        run_operations(cube, [{"reduction": "area_near_peak", "halfpeakwidth": 6}])
    np.testing.assert_array_equal(
        run_operations(cube, [{"reduction": "diff", "n": 5}]), np.diff(cube, n=5)
    )


def test_intermediate_sizes_are_checked_before_allocating():
    small = OperationLimits(max_elements=1000)
    column = np.arange(40.0).reshape(40, 1)
    # (40, 1) * (40,) broadcasts to 1600 elements: refused before numpy allocates them.
    ops = [
        {"reduction": "squeeze", "variable": "flat"},
        {"transformation": "arithmetic", "operation": "multiply", "x1": "data", "x2": "flat"},
    ]
    with pytest.raises(BadOperation, match=r"^operations\[1\]: result has 1600 elements"):
        run_operations(column, ops, limits=small)
    with pytest.raises(BadOperation, match=r"^operations\[0\]: result has 3000 elements"):
        run_operations(np.ones((10, 10, 10)), [{"reduction": "argwhere"}], limits=small)
    q = list(range(0, 100, 10))
    with pytest.raises(BadOperation, match=r"^operations\[0\]: result has 2000 elements"):
        run_operations(
            np.ones((10, 20, 3)),
            [{"reduction": "percentile", "q": q, "axis": 2}],
            limits=OperationLimits(max_elements=999),
        )
    threshold = [{"transformation": "threshold", "threshold": {"reduction": "squeeze"}}]
    with pytest.raises(BadOperation, match=r"threshold: result has 1600 elements"):
        run_operations(column, threshold, limits=small)
