"""The trash keeps the folder and the catalog in step, even when the transaction fails."""

from __future__ import annotations

import numpy as np
import pytest
from tests.helpers import add_dataset

from voxhub.access.principal import system_principal
from voxhub.catalog.datasets import find_dataset
from voxhub.catalog.levels import open_level
from voxhub.catalog.trash import delete_dataset, get_entry, list_entries, purge, restore
from voxhub.db.models import Dataset

OPERATOR = system_principal("tests")
pytestmark = pytest.mark.storages  # the data folder and S3 (moto)


def test_a_failed_transaction_puts_the_folder_back(hub):
    add_dataset(hub, "lab", "em")
    store = hub.storage
    with pytest.raises(RuntimeError), hub.transaction() as session:
        entry = delete_dataset(session, OPERATOR, find_dataset(session, "lab", "em"), "em", store)
        assert not store.is_published("lab/em") and store.in_trash(entry.path)
        place = entry.path
        raise RuntimeError("something later in the same request failed")
    assert store.is_published("lab/em") and "color" in store.list_dir("lab/em")
    assert store.read("lab/em/color/zarr.json") is not None
    with hub.transaction() as session:
        assert session.query(Dataset).filter_by(name="em").one()
        assert list_entries(session, None) == []
    assert not store.in_trash(place)


def test_delete_restore_and_purge_move_the_bytes_with_the_catalog(hub):
    data = add_dataset(hub, "lab", "em")
    store = hub.storage
    with hub.transaction() as session:
        entry = delete_dataset(session, OPERATOR, find_dataset(session, "lab", "em"), "em", store)
        entry_id = entry.id
    assert not store.is_published("lab/em") and list(store.datasets()) == []
    with hub.transaction() as session:
        restore(session, OPERATOR, get_entry(session, entry_id), store)
    hub.index.refresh(force=True)
    level = open_level(hub.index.get("lab", "em").layers["color"], "1")
    assert np.array_equal(level[0], data)
    with hub.transaction() as session:
        entry = delete_dataset(session, OPERATOR, find_dataset(session, "lab", "em"), "em", store)
        place = entry.path
        purge(session, OPERATOR, entry, store)
    assert not store.in_trash(place) and not store.is_published("lab/em")


def test_a_dataset_whose_folder_is_already_gone_can_still_be_deleted(hub):
    add_dataset(hub, "lab", "em")
    hub.storage.remove("lab/em")
    with hub.transaction() as session:
        entry = delete_dataset(
            session, OPERATOR, find_dataset(session, "lab", "em"), "em", hub.storage
        )
        assert entry.snapshot["organization"] == "lab"
    with hub.transaction() as session:
        assert session.query(Dataset).count() == 0
