"""Analysis results on disk: output arrays plus a provenance record, one folder per analysis.

A dataset keeps its analyses under ``<dataset>/analyses/<index>/``::

    provenance.json      identifier, type, parameters, inputs, outputs,
                         software versions, time, the primary output
    <output>/            one Zarr node per output: an MSI layer group
                         (``voxhub.arrays.msi.store``) for three-axis outputs,
                         a plain array otherwise

The folder is self-describing so it survives being copied; the catalog
indexes the same record in SQL (``voxhub.db.msi_models``).
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import zarr
from zarr.storage import StorePath

from voxhub.arrays.errors import BadMetadata
from voxhub.arrays.msi.store import MsiLayout, MsiMetadata, open_msi_store, write_msi_cube
from voxhub.arrays.ngff import ZarrFormat
from voxhub.errors import InvalidInput

ANALYSES = "analyses"
PROVENANCE = "provenance.json"
_OUTPUT_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}$")


@dataclass(frozen=True)
class Input:
    """What an analysis read: ``target`` is ``data:<dataIndex>`` or ``analysis:<identifier>``."""

    parameter: str
    target: str
    selection: str | None = None
    output: str | None = None


@dataclass(frozen=True)
class Provenance:
    """Everything needed to say how an analysis result came about."""

    identifier: str
    type: str
    parameters: Mapping[str, Any]
    inputs: tuple[Input, ...]
    outputs: tuple[str, ...]
    software: Mapping[str, str]
    created: str = field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))
    primary: str | None = None  # the output qslice/qspectrum/qmz read by default
    axes: Mapping[str, str] = field(default_factory=dict)  # 3D output -> its axis label

    def to_json(self) -> dict[str, Any]:
        out = asdict(self)
        out["inputs"] = [asdict(i) for i in self.inputs]
        out["outputs"] = list(self.outputs)
        return out

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Provenance:
        try:
            return cls(
                identifier=str(data["identifier"]),
                type=str(data["type"]),
                parameters=dict(data.get("parameters") or {}),
                inputs=tuple(Input(**i) for i in data.get("inputs") or ()),
                outputs=tuple(str(o) for o in data.get("outputs") or ()),
                software=dict(data.get("software") or {}),
                created=str(data.get("created", "")),
                primary=data.get("primary"),
                axes=dict(data.get("axes") or {}),
            )
        except (KeyError, TypeError) as exc:
            raise BadMetadata(f"provenance record is malformed: {exc}") from None


def check_output_name(name: str) -> str:
    if not _OUTPUT_NAME.match(name):
        raise InvalidInput(f"output name {name!r}: use letters, digits, '_', '-' or '.'")
    return name


def _write_plain(path: Path, values: Any, zarr_format: ZarrFormat) -> None:
    data = np.asarray(values)
    if data.dtype.kind not in "biuf":
        raise InvalidInput(f"{path.name}: only numeric outputs are stored, not {data.dtype}")
    chunks = tuple(max(1, min(n, 4096 if data.ndim == 1 else 512)) for n in data.shape)
    array = zarr.create_array(
        store=str(path),
        shape=data.shape,
        dtype=data.dtype,
        chunks=chunks or "auto",  # a 0-d output has no chunk shape to give
        zarr_format=zarr_format,
        fill_value=0,
    )
    array[...] = data


def write_results(
    folder: Path,
    provenance: Provenance,
    outputs: Mapping[str, Any],
    *,
    axes: Mapping[str, np.ndarray] | None = None,
    layout: MsiLayout = MsiLayout(),
) -> Provenance:
    """Write ``outputs`` (name -> array) and the provenance record into a new ``folder``.

    Three-axis outputs (row, col, k) become MSI layer groups whose axis comes
    from ``axes[name]`` (default 0..k-1); everything else is a plain array.
    """
    folder.mkdir(parents=True, exist_ok=False)
    axes = axes or {}
    for name, values in outputs.items():
        check_output_name(name)
        target = folder / name
        if len(getattr(values, "shape", ())) == 3:
            axis = axes.get(name)
            axis = np.arange(values.shape[2], dtype=np.float64) if axis is None else axis
            label = provenance.axes.get(name, "index")
            metadata = MsiMetadata(axis_label=label)
            write_msi_cube(target, values, axis, name=name, metadata=metadata, layout=layout)
        else:
            _write_plain(target, values, layout.zarr_format)
    record = replace(provenance, outputs=tuple(outputs))
    write_provenance(folder, record)
    return record


def write_provenance(folder: Path, record: Provenance) -> None:
    """(Re)write the record of the results in ``folder``, atomically."""
    tmp = folder / f".{PROVENANCE}.tmp"
    tmp.write_text(json.dumps(record.to_json(), indent=2))
    tmp.replace(folder / PROVENANCE)


def read_provenance(folder: Path) -> Provenance:
    try:
        data = (folder / PROVENANCE).read_bytes()
    except OSError as exc:
        raise BadMetadata(f"{folder}: no readable {PROVENANCE} ({exc})") from None
    return parse_provenance(data, str(folder))


def result_positions(dataset_dir: Path) -> list[int]:
    """The positions of the analyses stored under ``<dataset>/analyses``, ascending."""
    root = dataset_dir / ANALYSES
    if not root.is_dir():
        return []
    return sorted(
        int(child.name)
        for child in root.iterdir()
        if child.name.isdigit() and (child / PROVENANCE).is_file()
    )


def list_results(dataset_dir: Path) -> list[tuple[int, Provenance]]:
    """Every ``(index, provenance)`` found under ``<dataset>/analyses``, by index."""
    return [
        (position, read_provenance(dataset_dir / ANALYSES / str(position)))
        for position in result_positions(dataset_dir)
    ]


def parse_provenance(data: bytes | None, where: str) -> Provenance:
    """The record of ``provenance.json`` read from any store (``None``: missing)."""
    try:
        if data is None:
            raise OSError("missing")
        return Provenance.from_json(json.loads(data))
    except (OSError, ValueError) as exc:
        raise BadMetadata(f"{where}: no readable {PROVENANCE} ({exc})") from None


def open_output(folder: Path | StorePath, name: str) -> Any:
    """An output as a zarr array, or for three-axis outputs its ``MsiStore``; ``folder``
    is the analysis folder on disk or its place in any zarr store (an S3 bucket)."""
    if isinstance(folder, StorePath):
        place = folder / check_output_name(name)
        try:
            found = zarr.open(store=place, mode="r")
        except (FileNotFoundError, ValueError, KeyError):
            raise BadMetadata(f"{folder.path}: output {name!r} is missing") from None
        return open_msi_store(place) if isinstance(found, zarr.Group) else found
    path = folder / check_output_name(name)
    if not path.exists():
        raise BadMetadata(f"{folder.name}: output {name!r} is missing on disk")
    node = zarr.open(store=str(path), mode="r")
    if isinstance(node, zarr.Group):
        return open_msi_store(path)
    return node


def software_versions(extra: Sequence[str] = ("numpy", "scipy", "zarr", "dask")) -> dict[str, str]:
    """The versions of voxhub and the libraries that computed a result."""
    from importlib.metadata import PackageNotFoundError, version

    out = {}
    for package in ("voxhub", *extra):
        try:
            out[package] = version(package)
        except PackageNotFoundError:
            out[package] = "unknown"
    out["python"] = ".".join(str(v) for v in sys.version_info[:3])
    return out


__all__ = [
    "ANALYSES",
    "PROVENANCE",
    "Input",
    "Provenance",
    "check_output_name",
    "list_results",
    "open_output",
    "parse_provenance",
    "read_provenance",
    "result_positions",
    "software_versions",
    "write_provenance",
    "write_results",
]
