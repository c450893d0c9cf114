"""MSI layers on disk: two chunk layouts of one cube, read through ``CubeView`` as numpy would."""

from __future__ import annotations

import numpy as np
import pytest
import zarr
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ome_zarr_models.v04.image import Image as Image04
from ome_zarr_models.v05.image import Image as Image05

from voxhub.arrays.errors import BadMetadata
from voxhub.arrays.layer import open_layer
from voxhub.arrays.msi.cube import CubeView
from voxhub.arrays.msi.results import Input, Provenance, list_results, open_output, write_results
from voxhub.arrays.msi.store import (
    LEVEL,
    SPECTRA,
    MsiLayout,
    MsiMetadata,
    MsiStore,
    open_msi_store,
    write_msi_cube,
)
from voxhub.arrays.selection import SelectionLimits, plan_selection, read_selection, select
from voxhub.errors import InvalidInput

CUBE = np.random.default_rng(7).integers(0, 60000, (9, 7, 70)).astype(np.uint16)
AXIS = np.linspace(200.0, 900.0, 70)
LAYOUT = MsiLayout(image_chunk=(16, 4, 4), spectrum_chunk=(32, 2, 2), block_bytes=4000)


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> MsiStore:
    path = tmp_path_factory.mktemp("msi") / "msi"
    meta = MsiMetadata(instrument={"name": "orbitrap"}, sample={"tissue": "liver"})
    written = write_msi_cube(path, CUBE, AXIS, name="msi", metadata=meta, layout=LAYOUT)
    assert written.shape_xyz == (7, 9, 70)  # x = cols, y = rows, z = m/z
    assert written.max_value == CUBE.max()
    return open_msi_store(path)


def test_both_replicas_hold_the_cube_and_axis_and_metadata_travel(store):
    assert store.shape == CUBE.shape
    for replica in store.replicas:
        # cube[r, k, m] == array[0, m, r, k]
        assert np.array_equal(replica[0], np.moveaxis(CUBE, 2, 0))
    assert [r.chunks for r in store.replicas] == [(1, 16, 4, 4), (1, 32, 2, 2)]
    assert np.array_equal(store.axis, AXIS)
    assert store.metadata.instrument == {"name": "orbitrap"}
    assert store.metadata.sample == {"tissue": "liver"}


@pytest.mark.parametrize("zarr_format", [2, 3])
def test_the_group_is_valid_ome_zarr_with_an_mz_axis(tmp_path, zarr_format):
    layout = MsiLayout((16, 4, 4), (32, 2, 2), zarr_format=zarr_format)
    write_msi_cube(tmp_path / "msi", CUBE, AXIS, name="msi", layout=layout)
    group = zarr.open_group(str(tmp_path / "msi"), mode="r")
    model = (Image05 if zarr_format == 3 else Image04).from_zarr(group)
    axes = model.attributes.ome.multiscales[0].axes if zarr_format == 3 else None
    if axes is not None:
        assert [a.name for a in axes] == ["c", "mz", "y", "x"]
    layer = open_layer(tmp_path / "msi")  # voxhub's own reader sees one level
    assert [m.to_layer_name() for m in layer.levels] == [LEVEL]
    assert np.array_equal(open_msi_store(tmp_path / "msi").replicas[1][0, :, 3, 4], CUBE[3, 4])


def test_reads_pick_the_replica_touching_fewer_bytes(store):
    view = CubeView(store.replicas)
    image, spectra = store.replicas
    # replicas are read through (c, z, y, x) views of the stored arrays
    assert view.choose((slice(None), slice(None), slice(10, 12))).array is image  # few m/z
    assert view.choose((3, 4, slice(None))).array is spectra  # one spectrum
    assert view.choose((slice(2, 4), slice(0, 2), slice(None))).array is spectra
    one_spectrum = (3, 4, slice(None))
    assert view.bytes_touched(one_spectrum, spectra) < view.bytes_touched(one_spectrum, image)


def test_plain_layers_read_as_cubes_with_z_as_mz(tmp_path):
    volume = np.arange(2 * 5 * 4 * 3, dtype=np.int32).reshape(2, 5, 4, 3)  # c, z, y, x
    array = zarr.create_array(
        str(tmp_path / "a"), shape=volume.shape, chunks=(1, 2, 2, 2), dtype="i4"
    )
    array[...] = volume
    view = CubeView([array], channel=1)
    assert view.shape == (4, 3, 5)
    assert np.array_equal(view[:, :, :], np.transpose(volume[1], (1, 2, 0)))
    with pytest.raises(ValueError, match="channel 2"):
        CubeView([array], channel=2)


def axis_selection(length: int) -> st.SearchStrategy[str]:
    index = st.integers(-length, length - 1)
    bound = st.one_of(st.none(), st.integers(-length, length))
    step = st.one_of(st.none(), st.integers(-3, 3).filter(lambda s: s != 0))
    ranges = st.tuples(bound, bound, step).map(
        lambda t: (
            ":".join("" if v is None else str(v) for v in t[:2])
            + ("" if t[2] is None else f":{t[2]}")
        )
    )
    lists = st.lists(index, min_size=1, max_size=5).map(lambda v: "[" + ",".join(map(str, v)) + "]")
    return st.one_of(index.map(str), ranges, lists)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.tuples(*(axis_selection(n) for n in CUBE.shape)))
def test_random_selections_read_like_numpy(store, selection):
    """Outer and point selections through the chosen replica equal numpy on the same cube."""
    limits = SelectionLimits(max_elements=10**6)
    try:
        expected = select(CUBE, selection, limits=limits)
    except InvalidInput:
        return  # out of range or empty: the same plan refuses both
    view = CubeView(store.replicas)
    plan = plan_selection(selection, view.shape, limits=limits)
    assert np.array_equal(read_selection(view, plan), expected)


def test_bad_input_is_refused(tmp_path):
    with pytest.raises(InvalidInput, match="the axis has 3 values"):
        write_msi_cube(tmp_path / "a", CUBE, AXIS[:3], name="a")
    with pytest.raises(InvalidInput, match="non-empty"):
        write_msi_cube(tmp_path / "b", CUBE[:0], AXIS[:0], name="b")
    with pytest.raises(InvalidInput, match="three positive"):
        MsiLayout(image_chunk=(0, 4, 4))
    zarr.open_group(str(tmp_path / "plain"), mode="w")
    with pytest.raises(BadMetadata, match="not an MSI layer"):
        open_msi_store(tmp_path / "plain")


def test_results_keep_outputs_and_provenance(tmp_path):
    record = Provenance(
        identifier="peaks",
        type="findpeaks_global",
        parameters={"height": 3.0},
        inputs=(Input("msidata", "data:0"),),
        outputs=(),
        software={"voxhub": "test"},
        primary="peak_cube",
        axes={"peak_cube": "m/z"},
    )
    outputs = {"peak_cube": CUBE[:, :, :3].astype(np.float32), "peak_mz": AXIS[:3]}
    folder = tmp_path / "analyses" / "0"
    written = write_results(folder, record, outputs, axes={"peak_cube": AXIS[:3]}, layout=LAYOUT)
    assert written.outputs == ("peak_cube", "peak_mz")
    [(position, again)] = list_results(tmp_path)
    assert position == 0 and again == written
    cube = open_output(folder, "peak_cube")
    assert isinstance(cube, MsiStore) and np.array_equal(cube.axis, AXIS[:3])
    assert cube.metadata.axis_label == "m/z"
    assert np.array_equal(CubeView(cube.replicas)[:, :, :], outputs["peak_cube"])
    assert np.array_equal(open_output(folder, "peak_mz")[:], AXIS[:3])
    with pytest.raises(InvalidInput, match="output name"):
        write_results(tmp_path / "x", record, {"../escape": AXIS})
    assert SPECTRA == "spectra"


def test_a_small_memory_budget_writes_image_chunks_in_parts(tmp_path):
    """Steps narrower than an image tile (float cubes, wide images) still write every value."""
    cube = np.random.default_rng(3).random((9, 7, 70)).astype(np.float64)
    layout = MsiLayout(image_chunk=(16, 8, 8), spectrum_chunk=(32, 2, 2), block_bytes=600)
    progress = []
    write_msi_cube(
        tmp_path / "m",
        cube,
        AXIS,
        name="m",
        layout=layout,
        progress=lambda done, total: progress.append((done, total)),
    )
    store = open_msi_store(tmp_path / "m")
    for replica in store.replicas:
        assert np.array_equal(replica[0], np.moveaxis(cube, 2, 0))
    assert progress[-1][0] == progress[-1][1] > 20  # many narrow steps, each reported
