"""The trash keeps the folder and the catalog in step, even when the transaction fails."""

from __future__ import annotations

import pytest
from tests.helpers import add_dataset

from voxhub.access.principal import system_principal
from voxhub.catalog.datasets import find_dataset
from voxhub.catalog.trash import delete_dataset, list_entries
from voxhub.db.models import Dataset

OPERATOR = system_principal("tests")


def test_a_failed_transaction_puts_the_folder_back(hub):
    add_dataset(hub, "lab", "em")
    folder = hub.settings.binary_data / "lab/em"
    with pytest.raises(RuntimeError), hub.transaction() as session:
        delete_dataset(
            session, OPERATOR, find_dataset(session, "lab", "em"), "em", hub.settings.data
        )
        assert not folder.exists()
        raise RuntimeError("something later in the same request failed")
    assert (folder / "color").is_dir()
    with hub.transaction() as session:
        assert session.query(Dataset).filter_by(name="em").one()
        assert list_entries(session, None) == []
    assert list((hub.settings.data / ".trash/lab").iterdir()) == []


def test_a_dataset_whose_folder_is_already_gone_can_still_be_deleted(hub):
    add_dataset(hub, "lab", "em")
    import shutil

    shutil.rmtree(hub.settings.binary_data / "lab/em")
    with hub.transaction() as session:
        entry = delete_dataset(
            session, OPERATOR, find_dataset(session, "lab", "em"), "em", hub.settings.data
        )
        assert entry.snapshot["organization"] == "lab"
    with hub.transaction() as session:
        assert session.query(Dataset).count() == 0
