"""Datasets placed by hand in binaryData/<org>/<dataset> are found, inferred, and lost."""

import os
import shutil

import dask.array as da
import numpy as np
import pytest
from sqlalchemy import select
from tests.helpers import add_dataset, volume

from voxhub.arrays.layer import LayerLayout
from voxhub.arrays.pyramid import write_pyramid
from voxhub.catalog.scan import scan
from voxhub.db.models import Dataset


def run_scan(hub):
    with hub.transaction() as session:
        return scan(session, hub.storage)


def statuses(hub):
    with hub.transaction() as session:
        return {d.name: d.status for d in session.scalars(select(Dataset))}


def test_dataset_with_properties_is_registered(hub, tmp_path):
    add_dataset(hub, "lab", "em")
    target = hub.settings.binary_data / "lab" / "copy"
    shutil.copytree(hub.settings.binary_data / "lab" / "em", target)
    report = run_scan(hub)
    assert "lab/copy" in report.active
    assert statuses(hub)["copy"] == "active"


def test_bare_ome_zarr_layers_are_inferred(hub):
    folder = hub.settings.binary_data / "lab" / "bare"
    layout = LayerLayout(chunk_zyx=(8, 16, 16), zarr_format=2)
    write_pyramid(
        da.from_array(volume((6, 20, 20))[None]),
        folder / "raw",
        name="raw",
        voxel_size=(4, 4, 8),
        layout=layout,
    )
    labels = (volume((6, 20, 20)) > 120).astype(np.uint32)[None]
    write_pyramid(
        da.from_array(labels),
        folder / "cells",
        name="cells",
        voxel_size=(4, 4, 8),
        method="mode",
        layout=layout,
    )
    run_scan(hub)
    hub.index.refresh(force=True)
    entry = hub.index.get("lab", "bare")
    assert entry is not None and entry.voxel_size == (4.0, 4.0, 8.0)
    assert entry.layers["raw"].category == "color"
    assert entry.layers["cells"].category == "segmentation"
    assert entry.layers["raw"].data_format == "zarr"
    assert entry.layers["raw"].bounding_box["width"] == 20


def test_vanished_dataset_is_marked_missing_and_comes_back(hub, tmp_path):
    add_dataset(hub, "lab", "em")
    folder = hub.settings.binary_data / "lab" / "em"
    moved = tmp_path / "elsewhere"
    folder.rename(moved)
    report = run_scan(hub)
    assert report.missing == ["lab/em"] and statuses(hub)["em"] == "missing"
    os.symlink(moved, folder)  # symlinked dataset folders work
    run_scan(hub)
    assert statuses(hub)["em"] == "active"


def test_symlinked_layer_folder(hub, tmp_path):
    add_dataset(hub, "lab", "em")
    folder = hub.settings.binary_data / "lab" / "em"
    (folder / "color").rename(tmp_path / "color-real")
    os.symlink(tmp_path / "color-real", folder / "color")
    run_scan(hub)
    hub.index.refresh(force=True)
    entry = hub.index.get("lab", "em")
    assert entry.status == "active" and "color" in entry.layers


def test_unreadable_folder_is_reported_not_fatal(hub):
    add_dataset(hub, "lab", "em")
    broken = hub.settings.binary_data / "lab" / "broken"
    broken.mkdir()
    (broken / "datasource-properties.json").write_text("{not json")
    (hub.settings.binary_data / "lab" / "empty").mkdir()
    report = run_scan(hub)
    assert "not valid JSON" in report.errors["lab/broken"]
    assert "lab/empty" in report.errors
    assert statuses(hub)["em"] == "active"


def test_rescan_of_unchanged_folders_does_not_move_the_epoch(hub):
    from voxhub.db.session import read_epoch

    add_dataset(hub, "lab", "em")
    run_scan(hub)
    with hub.transaction() as session:
        before = read_epoch(session)
    run_scan(hub)
    with hub.transaction() as session:
        assert read_epoch(session) == before


def test_a_folder_whose_paths_leave_it_is_an_error_not_registered(hub):
    import json

    add_dataset(hub, "orgA", "secret")
    add_dataset(hub, "lab", "em")
    document = json.loads((hub.settings.binary_data / "lab/em/datasource-properties.json")
                          .read_text())  # fmt: skip
    document["dataLayers"][0]["mags"][0]["path"] = "./../../orgA/secret/color/1"
    placed = hub.settings.binary_data / "lab" / "placed"
    placed.mkdir()
    (placed / "datasource-properties.json").write_text(json.dumps(document))
    report = run_scan(hub)
    assert "leaves the dataset folder" in report.errors["lab/placed"]
    assert "placed" not in statuses(hub)
    assert statuses(hub)["em"] == "active"


def test_a_folder_the_catalog_refuses_is_marked_error_and_the_rest_registered(hub, caplog):
    """One bad dataset must never stop the scan (and with it `voxhub serve`) from starting."""
    import json

    add_dataset(hub, "lab", "em")
    bad = hub.settings.binary_data / "lab" / "bad"
    shutil.copytree(hub.settings.binary_data / "lab" / "em", bad)
    run_scan(hub)
    document = json.loads((bad / "datasource-properties.json").read_text())
    document["dataLayers"][0]["name"] = "no good/name"  # parses, but the path check refuses it
    (bad / "datasource-properties.json").write_text(json.dumps(document))
    good = hub.settings.binary_data / "lab" / "good"
    shutil.copytree(hub.settings.binary_data / "lab" / "em", good)
    report = run_scan(hub)
    assert "lab/good" in report.active and "lab/bad" in report.errors
    assert statuses(hub) == {"em": "active", "bad": "error", "good": "active"}
    assert "lab/bad" in caplog.text


def test_segment_ids_above_2_63_in_a_placed_folder_register_exactly(hub):
    """Such an id overflowed SQLite's INTEGER and the failed scan kept `voxhub serve` down."""
    import json

    add_dataset(hub, "lab", "em")
    placed = hub.settings.binary_data / "lab" / "labels"
    shutil.copytree(hub.settings.binary_data / "lab" / "em", placed)
    document = json.loads((placed / "datasource-properties.json").read_text())
    document["dataLayers"][0].update(category="segmentation", largestSegmentId=2**63 + 5)
    (placed / "datasource-properties.json").write_text(json.dumps(document))
    report = run_scan(hub)
    assert "lab/labels" in report.active, report.errors
    hub.index.refresh(force=True)
    assert hub.index.get("lab", "labels").layers["color"].largest_segment_id == 2**63 + 5


@pytest.mark.storages
def test_published_datasets_are_found_and_vanished_ones_marked_missing(hub):
    import dask.array as da

    from voxhub.formats.ingest import import_layer
    from voxhub.formats.source import VolumeSource

    data = da.from_array(volume((6, 20, 20))[None])
    source = VolumeSource(hub.settings.data, tuple(data.shape), data.dtype, dask=data)
    import_layer(hub.data_root, source, organization="lab", dataset="found")  # not registered
    report = run_scan(hub)
    assert report.active == ["lab/found"] and statuses(hub) == {"found": "active"}
    hub.storage.remove("lab/found")
    report = run_scan(hub)
    assert report.missing == ["lab/found"] and statuses(hub) == {"found": "missing"}
