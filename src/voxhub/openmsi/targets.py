"""What an OpenMSI request reads: a dataset's data item or an analysis output, with its axes.

A voxhub dataset is one OpenMSI *file* holding one *experiment*
(``expIndex=0``). Its *data items* (``dataIndex``) are the channels of its
layers in order: one per MSI layer, one per channel of any other layer.
Every item reads as a cube (row, col, mz) = the layer's (y, x, z) — an EM
volume's z plays the role of m/z — through ``CubeView``, using both chunk
layouts of MSI layers. Layers are opened through the dataset's ``DataStore``
(the data folder or S3) and cached per process, keyed by a stamp of their
metadata (mtime, ETag) so a re-import is seen at once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np
import zarr
from zarr.storage import StorePath

from voxhub.arrays.msi.cube import CubeView
from voxhub.arrays.msi.store import MsiMetadata, MsiStore, is_msi_group, open_msi_store
from voxhub.catalog.index import DatasetEntry, LayerEntry
from voxhub.catalog.levels import layer_mags, open_level
from voxhub.openmsi.errors import DataNotFound
from voxhub.storage.store import DataStore

PIXEL_LABELS = ("pixel index X", "pixel index Y")


@dataclass(frozen=True)
class Target:
    """An array to query: a (row, col, mz) ``CubeView`` or any other array, and its axes."""

    array: Any
    axis: np.ndarray | None  # values along the last (m/z) axis of a cube
    axis_label: str = "m/z"
    description: dict[str, Any] = field(default_factory=dict)
    metadata: MsiMetadata | None = None

    @property
    def is_cube(self) -> bool:
        return isinstance(self.array, CubeView)


@dataclass(frozen=True)
class DataItem:
    """One addressable cube of a dataset: a layer and a channel."""

    index: int
    layer: LayerEntry
    channel: int


def data_items(entry: DatasetEntry) -> list[DataItem]:
    """The dataset's data items in ``dataIndex`` order."""
    items: list[DataItem] = []
    for layer in entry.layers.values():
        for channel in range(max(1, layer.num_channels)):
            items.append(DataItem(len(items), layer, channel))
    return items


GROUP_DOCUMENTS = ("zarr.json", ".zattrs", ".zgroup")


def _stamp(storage: DataStore, key: str) -> str | None:
    """Changes whenever the layer group's metadata is rewritten (mtime on disk, ETag on
    S3); None when the layer has no group of its own (a remote layer)."""
    stamps = [storage.stamp(f"{key}/{name}") for name in GROUP_DOCUMENTS]
    return "|".join(s or "" for s in stamps) if any(stamps) else None


@lru_cache(maxsize=128)
def _msi_store(storage: DataStore, key: str, _stamp: str) -> MsiStore | None:
    """The layer's MSI store (both chunk layouts), or None for any other layer. Opened
    through the dataset's ``DataStore``: a folder on disk, or the keys of an S3 bucket."""
    location = storage.local_path(key) or StorePath(storage.zarr_store, key)
    group = zarr.open_group(store=location if isinstance(location, StorePath) else str(location),
                            mode="r")  # fmt: skip
    return open_msi_store(location) if is_msi_group(dict(group.attrs)) else None


def _layer_msi(layer: LayerEntry) -> MsiStore | None:
    if layer.storage is None:
        return None
    stamp = _stamp(layer.storage, layer.key)
    return _msi_store(layer.storage, layer.key, stamp) if stamp is not None else None


def open_item(entry: DatasetEntry, item: DataItem) -> Target:
    """The cube of one data item, with its axis (m/z values, or z positions)."""
    store = _layer_msi(item.layer)
    if store is not None:
        replicas: tuple = store.replicas
    else:  # any other layer: its finest level, in whatever axis order it is stored
        replicas = (open_level(item.layer, layer_mags(item.layer)[0]),)
    view = CubeView(replicas, item.channel)
    described = {
        "dataIndex": item.index,
        "layer": item.layer.name,
        "channel": item.channel,
        "shape": list(view.shape),
        "dtype": str(view.dtype),
    }
    if store is not None:
        meta = store.metadata
        return Target(view, store.axis, meta.axis_label, {**described, "msi": True}, meta)
    z_size = entry.voxel_size[2] if len(entry.voxel_size) == 3 else 1.0
    axis = np.arange(view.shape[2], dtype=np.float64) * float(z_size)
    return Target(view, axis, f"z ({entry.unit})", {**described, "msi": False})


def check_experiment(exp_index: int | None) -> None:
    if exp_index is not None and exp_index != 0:
        raise DataNotFound(f"expIndex: experiment {exp_index} not found (a dataset holds only 0)")


def resolve_data(entry: DatasetEntry, exp_index: int | None, data_index: int) -> Target:
    """``expIndex``/``dataIndex`` of ``entry`` as a query target."""
    check_experiment(exp_index)
    items = data_items(entry)
    if not 0 <= data_index < len(items):
        raise DataNotFound(
            f"dataIndex: data {data_index} not found in {entry.organization}/{entry.name} "
            f"(it has {len(items)}: 0..{len(items) - 1})"
        )
    return open_item(entry, items[data_index])


__all__ = [
    "PIXEL_LABELS",
    "DataItem",
    "Target",
    "check_experiment",
    "data_items",
    "open_item",
    "resolve_data",
]
