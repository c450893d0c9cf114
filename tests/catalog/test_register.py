"""Registering datasets: uint64 segment ids stored exactly, published only once accepted."""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path

import dask.array as da
import numpy as np
import pytest

from voxhub.catalog.register import registration
from voxhub.errors import Conflict
from voxhub.formats.dataset_import import import_dataset
from voxhub.formats.layers import NamedSource
from voxhub.formats.source import VolumeSource

TOP = 2**64 - 1  # the largest uint64 id, far above SQL's signed 2^63 - 1


def segmentation(hub, name, register):
    ids = np.zeros((4, 8, 8), dtype=np.uint64)
    ids[1, 2:5, 3:6] = 2**63 + 7
    ids[3, 6, 7] = TOP
    array = da.from_array(ids[None])
    source = VolumeSource(Path("memory"), tuple(array.shape), array.dtype, dask=array)  # type: ignore[arg-type]
    return import_dataset(
        hub.data_root, [NamedSource("segmentation", "segmentation", source)],
        organization="lab", dataset=name, voxel_size=(4.0, 4.0, 40.0), layout=hub.layout,
        register=register,
    )  # fmt: skip


def test_uint64_ids_above_2_63_are_stored_exactly(hub, client, admin_token):
    segmentation(hub, "ids", registration(hub.sessions, "lab", "ids"))
    hub.index.refresh(force=True)
    assert hub.index.get("lab", "ids").layers["segmentation"].largest_segment_id == TOP
    body = client.get(
        "/api/v1/datasets/lab/ids", headers={"Authorization": f"Bearer {admin_token}"}
    )
    assert body.json()["layers"][0]["largestSegmentId"] == TOP


@pytest.mark.parametrize("when", ["before publishing", "at commit"])
def test_nothing_is_published_when_the_catalog_refuses(hub, when):
    @contextmanager
    def refusing(_properties):
        if when == "before publishing":
            raise Conflict("the catalog refuses this dataset")
        yield
        raise Conflict("the commit failed")

    with pytest.raises(Conflict):
        segmentation(hub, "refused", refusing)
    assert not (hub.settings.binary_data / "lab" / "refused").exists()
    assert not any(hub.settings.staging.iterdir())  # the built dataset went with its staging folder


def test_rows_exist_before_the_folder_appears(hub):
    """The registration's transaction is open while the rename happens."""
    target = hub.settings.binary_data / "lab" / "ordered"
    seen = []
    inner = registration(hub.sessions, "lab", "ordered")

    @contextmanager
    def watching(properties):
        with inner(properties) as row:
            seen.append((row.id is not None, target.exists()))
            yield row
            seen.append((row.id is not None, target.exists()))

    segmentation(hub, "ordered", watching)
    assert seen == [(True, False), (True, True)]
