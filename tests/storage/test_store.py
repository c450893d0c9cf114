"""The ``DataStore`` contract, run on the data folder and on S3 (moto): publishing is
all-or-nothing, never replaces, and what a dead writer left is cleaned up."""

from __future__ import annotations

import json
import socket
import subprocess

import numpy as np
import pytest
from tests.helpers import add_dataset

from voxhub.catalog.levels import open_level
from voxhub.errors import Conflict
from voxhub.jobs.leftovers import clean_leftovers
from voxhub.storage.errors import AlreadyExists, UnsafePath
from voxhub.storage.local import staging_folder
from voxhub.storage.store import check_key

pytestmark = pytest.mark.storages


def _built(hub, name="ds", files=None):
    """A finished dataset folder in local staging, as every writer makes one."""
    files = files or {"zarr.json": b"{}", "color/1/c/0/0/0": b"chunk", "color/zarr.json": b"[]"}
    context = staging_folder(hub.settings.staging)
    folder = context.__enter__() / name
    for relative, data in files.items():
        (folder / relative).parent.mkdir(parents=True, exist_ok=True)
        (folder / relative).write_bytes(data)
    return context, folder


def test_publish_makes_the_whole_folder_readable_at_once(hub):
    store = hub.storage
    context, folder = _built(hub)
    assert not store.is_published("lab/ds")
    store.publish(folder, "lab/ds")
    context.__exit__(None, None, None)
    assert store.is_published("lab/ds")
    assert store.read("lab/ds/color/1/c/0/0/0") == b"chunk"
    assert store.read("lab/ds/missing") is None
    assert store.exists("lab/ds/zarr.json") and not store.exists("lab/ds/nothing")
    assert "color" in store.list_dir("lab/ds")
    assert list(store.datasets()) == [("lab", "ds")]
    assert store.stamp("lab/ds/zarr.json") is not None and store.stamp("lab/ds/no") is None


def test_publish_never_replaces_a_dataset(hub):
    store = hub.storage
    first, folder = _built(hub)
    store.publish(folder, "lab/ds")
    first.__exit__(None, None, None)
    second, other = _built(hub, files={"zarr.json": b"other"})
    with pytest.raises(AlreadyExists):
        store.publish(other, "lab/ds")
    second.__exit__(None, None, None)
    assert store.read("lab/ds/zarr.json") == b"{}"


def test_remove_and_unpublish_leave_nothing(hub):
    store = hub.storage
    context, folder = _built(hub)
    store.publish(folder, "lab/ds")
    store.unpublish("lab/ds", folder)
    assert not store.is_published("lab/ds") and store.read("lab/ds/zarr.json") is None
    store.publish(folder, "lab/ds")
    context.__exit__(None, None, None)
    store.remove("lab/ds")
    assert not store.is_published("lab/ds") and list(store.datasets()) == []


@pytest.mark.parametrize("key", ["", "../x", "a//b", "a/./b", "a\\b", "a/\x00"])
def test_keys_that_could_leave_the_store_are_refused(hub, key):
    with pytest.raises(UnsafePath):
        check_key(key)
    with pytest.raises(UnsafePath):
        hub.storage.read(key)


def test_a_refused_registration_leaves_nothing_published(hub):
    class Refused(Exception):
        pass

    from contextlib import contextmanager

    import dask.array as da

    from voxhub.formats.ingest import import_layer
    from voxhub.formats.source import VolumeSource

    @contextmanager
    def refuse(properties):
        yield
        raise Refused("the catalog said no")

    data = da.zeros((1, 8, 16, 16), dtype="uint8")
    source = VolumeSource(hub.settings.data, tuple(data.shape), data.dtype, dask=data)
    with pytest.raises(Refused):
        import_layer(hub.data_root, source, organization="lab", dataset="gone", register=refuse)
    assert not hub.storage.is_published("lab/gone")
    assert hub.storage.read("lab/gone/datasource-properties.json") is None
    assert list(hub.storage.datasets()) == []


def test_an_imported_dataset_reads_the_same_from_either_store(hub):
    data = add_dataset(hub, "lab", "em")
    layer = hub.index.get("lab", "em").layers["color"]
    level = open_level(layer, "1")
    assert np.array_equal(level[0], data)
    with pytest.raises(Conflict):
        add_dataset(hub, "lab", "em")


def _dead_pid() -> int:
    child = subprocess.Popen(["true"])
    child.wait()
    return child.pid


def test_what_a_killed_writer_left_is_cleaned_at_start(hub, storage_backend):
    owner = {"host": socket.gethostname(), "pid": _dead_pid(), "job": None}
    if storage_backend == "local":  # a staging folder its dead owner never published
        context, folder = _built(hub)
        (folder.parent / ".owner.json").write_text(json.dumps(owner))
        leftover = folder.parent
    else:  # objects uploaded under the key, no marker, and the writer's staging record
        import obstore

        store = hub.storage
        store.write("lab/half/zarr.json", b"{}")
        store.write("lab/half/color/1/c/0/0/0", b"chunk")
        record = json.dumps({**owner, "target": "lab/half"}).encode()
        obstore.put(store.meta, ".staging/20260101T000000-dead.json", record)
    staging, _ = clean_leftovers(hub)
    assert staging == 1
    if storage_backend == "local":
        assert not leftover.exists()
    else:
        assert hub.storage.list_dir("lab") == []
        assert list(obstore.list(hub.storage.meta, ".staging/")) in ([], [[]])


def test_a_layer_added_later_is_published_with_its_properties(hub):
    import dask.array as da

    from voxhub.formats.ingest import import_layer
    from voxhub.formats.source import VolumeSource

    add_dataset(hub, "lab", "em")
    labels = (np.arange(8 * 16 * 16).reshape(1, 8, 16, 16) % 5).astype("uint16")
    data = da.from_array(labels)
    source = VolumeSource(hub.settings.data, labels.shape, data.dtype, dask=data)
    import_layer(hub.data_root, source, organization="lab", dataset="em", layer="seg",
                 category="segmentation", add_to_existing=True)  # fmt: skip
    layers = [layer.name for layer in hub.data_root.read_properties("lab/em").data_layers]
    assert layers == ["color", "seg"]
    assert np.array_equal(hub.storage.open_array("lab/em/seg/1")[:], labels)
    with pytest.raises(Conflict):
        import_layer(hub.data_root, source, organization="lab", dataset="em", layer="seg",
                     category="segmentation", add_to_existing=True)  # fmt: skip


def _staging_left(hub, storage_backend) -> list[str]:
    """What writers left in staging: local build folders, or S3 staging records."""
    if storage_backend == "local":
        staging = hub.settings.staging
        return sorted(p.name for p in staging.iterdir()) if staging.exists() else []
    import obstore

    return [m["path"] for batch in obstore.list(hub.storage.meta, ".staging/") for m in batch]


def test_two_writers_racing_for_one_name_leave_one_whole_dataset(hub, storage_backend):
    """Two imports of the same name at once: one is published whole (every object its
    own, none of the other's), the other is refused, and neither leaves anything behind."""
    import threading

    store = hub.storage
    files = {writer: {f"color/1/c/0/0/{i}": writer.encode() * (100 + i) for i in range(24)}
             for writer in ("a", "b")}  # fmt: skip
    barrier = threading.Barrier(2)
    outcomes: dict[str, str] = {}

    def write(writer: str) -> None:
        context, folder = _built(hub, files={"zarr.json": writer.encode(), **files[writer]})
        try:
            barrier.wait()
            store.publish(folder, "lab/raced")
            outcomes[writer] = "published"
        except AlreadyExists:
            outcomes[writer] = "refused"
        finally:
            context.__exit__(None, None, None)

    threads = [threading.Thread(target=write, args=(w,)) for w in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert sorted(outcomes.values()) == ["published", "refused"], outcomes
    winner = next(w for w, outcome in outcomes.items() if outcome == "published")
    assert list(store.datasets()) == [("lab", "raced")]
    assert store.read("lab/raced/zarr.json") == winner.encode()
    for name, data in files[winner].items():
        assert store.read(f"lab/raced/{name}") == data, name
    assert sorted(store.list_dir("lab/raced/color/1/c/0/0")) == sorted(
        name.rsplit("/", 1)[1] for name in files[winner]
    )
    assert _staging_left(hub, storage_backend) == []
    if storage_backend == "s3":  # nothing under the key but the dataset and its marker
        import obstore

        listed = [m["path"] for b in obstore.list(store.objects, "lab/raced/") for m in b]
        expected = {f"lab/raced/{n}" for n in ("zarr.json", *files[winner])}
        assert set(listed) - expected == {"lab/raced/.voxhub-published.json"}
