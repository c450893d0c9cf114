"""OpenMSI HDF5 files (BASTet's format) as (x, y, mz) cubes with metadata and analyses.

Layout read here::

    /entry_#/experiment_identifier       string
    /entry_#/instrument/{name, mz, ...}  instrument metadata and m/z axis
    /entry_#/methods/ (older: sample/)   sample and method metadata
    /entry_#/data_#/data_#               the cube, one or more copies (layouts)
    /entry_#/data_#/{mz, format}         m/z axis, "full_cube" layout
    /entry_#/analysis_#/                 analysis_identifier, analysis_type,
                                         parameter/, dependency/<name>/{main_name,
                                         parameter_name, selection, data_name},
                                         and any further datasets as outputs

Older files store ``/entry_#/data_#`` directly as the 3D dataset with the
axis in ``instrument/mz``; both are read.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import h5py
import numpy as np

from voxhub.errors import NotFound, UnreadableInput
from voxhub.formats.bounds import ANY_CODEC, DEFLATE, UNCOMPRESSED, check_declared
from voxhub.formats.msi_source import GuardedArray, MsiAnalysis, MsiDependency, MsiSource

SUFFIXES = (".h5", ".hdf5", ".omsi")
_ENTRY = re.compile(r"^entry_(\d+)$")
_DATA = re.compile(r"^data_(\d+)$")
_ANALYSIS = re.compile(r"^analysis_(\d+)$")
_ANALYSIS_STANDARD = {"analysis_identifier", "analysis_type", "parameter", "dependency", "runinfo"}
# Metadata datasets larger than this are described by shape, not copied.
_MAX_METADATA_VALUES = 1024


def _checked(dataset: h5py.Dataset, path: Path) -> h5py.Dataset:
    """``dataset``, once its declared size is shown to fit in the file."""
    filters = {None: UNCOMPRESSED, "gzip": DEFLATE}
    ratio = filters.get(dataset.compression, ANY_CODEC)
    check_declared(
        path, dataset.shape, dataset.dtype, path.stat().st_size, ratio=ratio,
        what=f"dataset {dataset.name}",
    )  # fmt: skip
    return dataset


def _numbered(group: h5py.Group, pattern: re.Pattern[str]) -> list[tuple[int, str]]:
    found = [(int(m.group(1)), name) for name in group if (m := pattern.match(name))]
    return sorted(found)


def matches(path: Path) -> bool:
    if not (path.is_file() and path.suffix.lower() in SUFFIXES and h5py.is_hdf5(path)):
        return False
    try:
        with h5py.File(path, "r") as f:
            return bool(_numbered(f, _ENTRY))
    except OSError:
        return False


def _value(dataset: h5py.Dataset) -> Any:
    """A small dataset as plain Python (strings decoded); a large one by its shape."""
    if dataset.size > _MAX_METADATA_VALUES:
        return {"shape": list(dataset.shape), "dtype": str(dataset.dtype)}
    value = dataset[()]
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, np.ndarray):
        if value.dtype.kind in "SO":
            return [
                v.decode("utf-8", "replace") if isinstance(v, bytes) else str(v)
                for v in value.ravel()
            ]
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    return value


def _group_dict(group: h5py.Group | None) -> dict[str, Any]:
    if group is None:
        return {}
    out: dict[str, Any] = {}
    for name, item in group.items():
        out[name] = _value(item) if isinstance(item, h5py.Dataset) else _group_dict(item)
    return out


def _text(group: h5py.Group, name: str, default: str = "") -> str:
    item = group.get(name)
    if not isinstance(item, h5py.Dataset):
        return default
    value = _value(item)
    return value[0] if isinstance(value, list) and value else str(value)


def _analyses(entry: h5py.Group, path: Path) -> tuple[MsiAnalysis, ...]:
    out = []
    for index, name in _numbered(entry, _ANALYSIS):
        group = entry[name]
        dependencies = []
        for dep in (group.get("dependency") or {}).values():
            if isinstance(dep, h5py.Group):
                dependencies.append(
                    MsiDependency(
                        parameter=_text(dep, "parameter_name"),
                        target=_text(dep, "main_name"),
                        dataset=_text(dep, "data_name") or None,
                        selection=_text(dep, "selection") or None,
                    )
                )
        outputs = {
            key: GuardedArray(_checked(item, path), path)
            for key, item in group.items()
            if key not in _ANALYSIS_STANDARD and isinstance(item, h5py.Dataset)
        }
        out.append(
            MsiAnalysis(
                index=index,
                identifier=_text(group, "analysis_identifier", name),
                type=_text(group, "analysis_type"),
                parameters=_group_dict(group.get("parameter")),
                dependencies=tuple(dependencies),
                outputs=outputs,
            )
        )
    return tuple(out)


def list_data(path: Path) -> list[tuple[int, int]]:
    """The (experiment, data) index pairs of the cubes in the file."""
    with _open(path) as f:
        return [
            (e, d)
            for e, entry_name in _numbered(f, _ENTRY)
            for d, _ in _numbered(f[entry_name], _DATA)
        ]


def _open(path: Path) -> h5py.File:
    try:
        return h5py.File(path, "r")
    except OSError as err:
        raise UnreadableInput(f"{path}: not a readable HDF5 file ({err})") from None


def _cubes(node: h5py.Group | h5py.Dataset, path: Path) -> list[h5py.Dataset]:
    if isinstance(node, h5py.Dataset):
        return [_checked(node, path)]
    fmt = _text(node, "format", "full_cube")
    if fmt not in ("full_cube", "1"):
        raise UnreadableInput(
            f"{path}: {node.name} uses the {fmt!r} layout; only full_cube is read"
        )
    copies = [node[name] for _, name in _numbered(node, _DATA)]
    copies = [_checked(c, path) for c in copies if isinstance(c, h5py.Dataset)]
    if not copies:
        raise UnreadableInput(f"{path}: {node.name} holds no data_# dataset")
    return copies


def open_source(path: Path, *, exp_index: int = 0, data_index: int = 0) -> MsiSource:
    """Open cube ``/entry_{exp_index}/data_{data_index}`` with its context."""
    path = Path(path)
    if not path.is_file():
        raise UnreadableInput(f"{path}: no such file")
    f = _open(path)
    try:
        entry = f.get(f"entry_{exp_index}")
        if not isinstance(entry, h5py.Group):
            have = ", ".join(str(i) for i, _ in _numbered(f, _ENTRY)) or "none"
            raise NotFound(f"{path}: no experiment {exp_index} (has: {have})")
        node = entry.get(f"data_{data_index}")
        if node is None:
            have = ", ".join(str(i) for i, _ in _numbered(entry, _DATA)) or "none"
            raise NotFound(f"{path}: experiment {exp_index} has no data {data_index} (has: {have})")
        copies = _cubes(node, path)
        for copy in copies:
            if copy.ndim != 3 or copy.shape != copies[0].shape:
                raise UnreadableInput(f"{path}: {copy.name} is not an (x, y, mz) cube")
        instrument = entry.get("instrument")
        mz_node = node.get("mz") if isinstance(node, h5py.Group) else None
        if mz_node is None and isinstance(instrument, h5py.Group):
            mz_node = instrument.get("mz")
        if not isinstance(mz_node, h5py.Dataset):
            raise UnreadableInput(f"{path}: {node.name} has no m/z axis (mz dataset)")
        mz = np.asarray(_checked(mz_node, path)[()], dtype=np.float64).reshape(-1)
        methods = entry.get("methods")
        sample = entry.get("sample")
        source = MsiSource(
            path=path,
            data=GuardedArray(copies[0], path),
            mz=mz,
            instrument=_group_dict(instrument),
            sample=_group_dict(sample if sample is not None else methods),
            method=_group_dict(methods if methods is not None else sample),
            analyses=_analyses(entry, path),
            experiment=_text(entry, "experiment_identifier") or None,
            copies=tuple(GuardedArray(c, path) for c in copies[1:]),
            extra={"exp_index": exp_index, "data_index": data_index},
            closer=f.close,
        )
    except (OSError, KeyError, ValueError, TypeError) as err:
        f.close()
        raise UnreadableInput(f"{path}: cannot read OpenMSI layout ({err})") from None
    except BaseException:
        f.close()
        raise
    return source


__all__ = ["SUFFIXES", "list_data", "matches", "open_source"]
