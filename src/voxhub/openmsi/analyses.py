"""Stored analyses of a dataset: listing, addressing and computing them, with provenance.

An analysis is a folder ``<dataset>/analyses/<position>/`` (arrays and
``provenance.json``, see ``voxhub.arrays.msi.results``) and a row in
``msi_analyses``. Folders that reached the data folder some other way (an
import, a copied dataset) are registered the first time they are looked for.
New results are written in staging and published at once through the
dataset's ``DataStore`` (a rename in the data folder; on S3 the objects and a
marker written last), so a failed analysis leaves nothing behind. Listing and
opening them goes through the same store, so S3-hosted datasets have their
analyses too.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from zarr.storage import StorePath

from voxhub.arrays.errors import BadMetadata
from voxhub.arrays.msi.cube import CubeView
from voxhub.arrays.msi.results import (
    ANALYSES,
    PROVENANCE,
    Input,
    Provenance,
    open_output,
    parse_provenance,
    read_provenance,
    result_positions,
    software_versions,
    write_provenance,
    write_results,
)
from voxhub.arrays.msi.store import MsiLayout, MsiStore
from voxhub.arrays.progress import ProgressFn
from voxhub.catalog.index import DatasetEntry
from voxhub.db.msi_models import MsiAnalysis
from voxhub.errors import Conflict
from voxhub.hub import Hub
from voxhub.openmsi.analysis_kinds import get_kind
from voxhub.openmsi.errors import AnalysisNotFound, BadParameter
from voxhub.openmsi.targets import Target
from voxhub.storage.errors import AlreadyExists
from voxhub.storage.local import staging_folder
from voxhub.storage.store import DataStore, LocalDataStore

log = logging.getLogger("voxhub.openmsi")


@dataclass(frozen=True)
class AnalysisInfo:
    """An analysis row detached from its session, plus where its arrays are."""

    position: int
    identifier: str
    type: str
    parameters: dict[str, Any]
    inputs: list[dict[str, Any]]
    outputs: list[str]
    primary: str | None
    axes: dict[str, str]
    software: dict[str, str]
    created: datetime
    job_id: int | None
    folder: Path | StorePath  # on disk, or its place in the dataset's bucket

    @classmethod
    def of(cls, row: MsiAnalysis, entry: DatasetEntry) -> AnalysisInfo:
        return cls(
            position=row.position,
            identifier=row.identifier,
            type=row.type,
            parameters=dict(row.parameters),
            inputs=list(row.inputs),
            outputs=list(row.outputs),
            primary=row.primary_output,
            axes=dict(row.axes),
            software=dict(row.software),
            created=row.created,
            job_id=row.job_id,
            folder=_folder(entry, row.position),
        )

    def cube_outputs(self) -> list[str]:
        """Outputs with three axes, the primary one first (``viewerOption`` picks among them)."""
        cubes = [name for name in self.outputs if name in self.axes or name == self.primary]
        return sorted(cubes, key=lambda name: name != self.primary)


def _stored(entry: DatasetEntry) -> tuple[DataStore, str]:
    """The dataset's store and its analyses' key (``<org>/<name>/analyses``)."""
    if entry.storage is not None:
        return entry.storage, f"{entry.key}/{ANALYSES}"
    # no store of the hub's (held elsewhere): its folder, as the catalog names it
    return LocalDataStore(entry.path.parent, entry.path.parent), f"{entry.path.name}/{ANALYSES}"


def _folder(entry: DatasetEntry, position: int) -> Path | StorePath:
    storage, root = _stored(entry)
    key = f"{root}/{position}"
    return storage.local_path(key) or StorePath(storage.zarr_store, key)


def _positions(entry: DatasetEntry) -> list[int]:
    """Positions holding a provenance record, ascending."""
    storage, root = _stored(entry)
    local = storage.local_path(root)
    if local is not None:
        return result_positions(local.parent)
    names = [n for n in storage.list_dir(root) if n.isdigit()]
    return sorted(int(n) for n in names if storage.exists(f"{root}/{n}/{PROVENANCE}"))


def _provenance(entry: DatasetEntry, position: int) -> Provenance:
    storage, root = _stored(entry)
    local = storage.local_path(f"{root}/{position}")
    if local is not None:
        return read_provenance(local)
    key = f"{root}/{position}/{PROVENANCE}"
    return parse_provenance(storage.read(key), key.rsplit("/", 1)[0])


def _row(entry: DatasetEntry, position: int, record: Provenance, job_id: int | None) -> MsiAnalysis:
    return MsiAnalysis(
        dataset_id=entry.id,
        position=position,
        identifier=record.identifier,
        type=record.type,
        parameters=dict(record.parameters),
        inputs=[i.__dict__ for i in record.inputs],
        outputs=list(record.outputs),
        primary_output=record.primary,
        axes=dict(record.axes),
        software=dict(record.software),
        job_id=job_id,
    )


def sync(session: Session, entry: DatasetEntry) -> list[MsiAnalysis]:
    """The dataset's analysis rows by position, after registering folders not yet indexed."""
    rows = list(
        session.scalars(
            select(MsiAnalysis)
            .where(MsiAnalysis.dataset_id == entry.id)
            .order_by(MsiAnalysis.position)
        )
    )
    known = {row.position for row in rows}
    identifiers = {row.identifier for row in rows}
    added = False
    for position in _positions(entry):
        if position in known:
            continue  # indexed already: its record is not read again
        try:
            record = _provenance(entry, position)
        except BadMetadata as exc:  # one broken folder must not hide the others
            log.warning("%s: analysis %d skipped: %s", entry.path, position, exc)
            continue
        if record.identifier in identifiers:
            log.warning("%s: analysis %d repeats identifier %r", entry.path, position, record)
            continue
        session.add(_row(entry, position, record, None))
        identifiers.add(record.identifier)
        added = True
    if not added:
        return rows
    session.flush()
    return sync(session, entry)


def list_analyses(hub: Hub, entry: DatasetEntry) -> list[AnalysisInfo]:
    with hub.transaction() as session:
        return [AnalysisInfo.of(row, entry) for row in sync(session, entry)]


def find_analysis(
    hub: Hub, entry: DatasetEntry, index: int | None, identifier: str | None
) -> AnalysisInfo:
    """The analysis at ``anaIndex`` (position) or with ``anaIdentifier``."""
    found = list_analyses(hub, entry)
    for info in found:
        if (index is not None and info.position == index) or (
            index is None and info.identifier == identifier
        ):
            return info
    asked = f"anaIndex {index}" if index is not None else f"anaIdentifier {identifier!r}"
    have = ", ".join(f"{i.position}:{i.identifier}" for i in found) or "none"
    where = f"{entry.organization}/{entry.name}"
    raise AnalysisNotFound(f"{asked}: no such analysis in {where} (has: {have})")


def output_target(info: AnalysisInfo, name: str | None, viewer_option: int = 0) -> Target:
    """An output of an analysis as a query target (``name`` None: by ``viewerOption``)."""
    if name is None:
        cubes = info.cube_outputs()
        if not cubes:
            raise BadParameter(
                f"anaDataName: analysis {info.identifier!r} has no cube to view; "
                f"name one of its outputs ({', '.join(info.outputs)}) with qcube"
            )
        if not 0 <= viewer_option < len(cubes):
            raise BadParameter(f"viewerOption: must lie in 0..{len(cubes) - 1}")
        name = cubes[viewer_option]
    if name not in info.outputs:
        raise AnalysisNotFound(
            f"anaDataName: analysis {info.identifier!r} has no output {name!r} "
            f"(has: {', '.join(info.outputs)})"
        )
    described = {"anaIndex": info.position, "anaIdentifier": info.identifier, "anaDataName": name}
    output = open_output(info.folder, name)
    if isinstance(output, MsiStore):
        view = CubeView(output.replicas)
        label = output.metadata.axis_label
        return Target(view, output.axis, label, {**described, "shape": list(view.shape)})
    return Target(output, None, "index", {**described, "shape": list(output.shape)})


def _input_of(target: Target) -> Input:
    d = target.description
    if "anaIdentifier" in d:
        return Input("msidata", f"analysis:{d['anaIdentifier']}", output=d["anaDataName"])
    return Input("msidata", f"data:{d['dataIndex']}")


def check_analysable(target: Target) -> None:
    if not target.is_cube:
        raise BadParameter("anaDataName: analyses run on cubes (three axes), not on this output")


def run_analysis(
    hub: Hub,
    entry: DatasetEntry,
    target: Target,
    kind_name: str,
    parameters: Mapping[str, Any] | None = None,
    *,
    identifier: str | None = None,
    job_id: int | None = None,
    progress: ProgressFn | None = None,
) -> AnalysisInfo:
    """Compute analysis ``kind_name`` on ``target`` and store it with its provenance."""
    kind = get_kind(kind_name)
    check_analysable(target)
    params = kind.check(parameters, tuple(target.array.shape))
    existing = list_analyses(hub, entry)
    if identifier is not None and any(i.identifier == identifier for i in existing):
        raise Conflict(f"identifier: an analysis {identifier!r} already exists")
    assert target.axis is not None
    result = kind.compute(target.array, target.axis, params, progress)
    record = Provenance(
        identifier=identifier or "",
        type=kind.name,
        parameters=params,
        inputs=(_input_of(target),),
        outputs=tuple(result.outputs),
        software=software_versions(),
        primary=result.primary,
        axes=result.labels,
    )
    layout = MsiLayout(zarr_format=hub.settings.zarr_format)
    storage, root = _stored(entry)
    with staging_folder(hub.settings.staging) as staging:
        built = staging / "result"
        write_results(built, record, result.outputs, axes=result.axes, layout=layout)
        for _attempt in range(20):  # another analysis may take the position first
            taken = [i.position for i in list_analyses(hub, entry)]
            taken += [int(name) for name in storage.list_dir(root) if name.isdigit()]
            position = max(taken, default=-1) + 1
            named = replace(record, identifier=identifier or f"{kind.name}_{position}")
            write_provenance(built, named)
            try:
                storage.publish(built, f"{root}/{position}")
            except AlreadyExists:
                continue
            break
        else:
            raise Conflict("could not find a free analysis position; try again")
    with hub.transaction() as session:
        row = _row(entry, position, named, job_id)
        session.add(row)
        session.flush()
        info = AnalysisInfo.of(row, entry)
    if progress is not None:
        progress(1, 1)
    return info


__all__ = [
    "AnalysisInfo",
    "check_analysable",
    "find_analysis",
    "list_analyses",
    "output_target",
    "run_analysis",
    "sync",
]
