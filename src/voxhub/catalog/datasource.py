"""Reading and replacing a dataset's ``datasource-properties.json``, and syncing from disk.

A replacement is validated first (schema, element classes, duplicate layer
names, bounding boxes against the real arrays), then written atomically and
registered; a bad document changes nothing. When the file on disk was edited
by hand, ``disk_view`` shows the catalog's and the disk's version and an
RFC 6902 JSON Patch from one to the other; ``apply_disk`` takes the disk's.

The dataset is named by its ``DataStore`` and key, so the data folder and S3
share all of it: on S3 the file is one object, replaced by one PUT (readers
see the old document or the new one), and the arrays are opened through the
store to check the bounding boxes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonpatch
from sqlalchemy.orm import Session

from voxhub.access import audit
from voxhub.access.principal import Principal
from voxhub.catalog.datasets import label
from voxhub.catalog.register import describe, upsert_dataset
from voxhub.db.models import Dataset
from voxhub.errors import VoxhubError
from voxhub.formats.bounds import check_against_data, store_shapes
from voxhub.formats.ingest import DataRoot
from voxhub.formats.paths import check_layer_paths
from voxhub.formats.properties import PROPERTIES_FILE, DatasourceProperties, parse_properties
from voxhub.storage.store import DataStore


@dataclass(frozen=True)
class DiskView:
    catalog: dict[str, Any]
    disk: dict[str, Any] | None
    error: str | None
    diff: list[dict[str, Any]]

    @property
    def differs(self) -> bool:
        return self.error is not None or bool(self.diff)


def validate(document: Any, store: DataStore, key: str) -> DatasourceProperties:
    properties = parse_properties(document, PROPERTIES_FILE)
    check_layer_paths(properties)
    check_against_data(properties, store_shapes(store, key))
    return properties


def replace_properties(
    session: Session, actor: Principal, dataset: Dataset, document: Any, store: DataStore, key: str
) -> DatasourceProperties:
    """Validate, write the file and re-register the dataset from it."""
    properties = validate(document, store, key)
    DataRoot(Path(), Path(), store).write_properties(key, properties)
    upsert_dataset(session, dataset.organization.name, dataset.name, properties)
    audit.record(session, actor, "dataset.properties", label(dataset), dataset.organization_id)
    return properties


def disk_view(dataset: Dataset, store: DataStore, key: str) -> DiskView:
    catalog = dict(dataset.properties)
    try:
        disk = describe(store, key).to_json()
    except VoxhubError as exc:
        return DiskView(catalog, None, exc.detail, [])
    patch = jsonpatch.make_patch(catalog, disk)
    return DiskView(catalog, disk, None, json.loads(patch.to_string()))


def apply_disk(
    session: Session, actor: Principal, dataset: Dataset, store: DataStore, key: str
) -> DatasourceProperties:
    """Make the catalog match the folder (validated like a replacement)."""
    properties = describe(store, key)
    check_against_data(properties, store_shapes(store, key))
    upsert_dataset(session, dataset.organization.name, dataset.name, properties)
    audit.record(
        session, actor, "dataset.properties.apply", label(dataset), dataset.organization_id
    )
    return properties
