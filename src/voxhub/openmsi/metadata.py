"""qmetadata: file lists filtered by ``can()``, and D3-ready trees of datasets and analyses.

Trees are nested dicts ``{nameKey: ..., childKey: [...]}`` as D3's hierarchy
layouts read them; nodes at ``depth`` or deeper keep their children under
``"_" + childKey`` (collapsed), as OpenMSI does.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from voxhub.access.policy import ACTIONS, can
from voxhub.access.principal import Principal
from voxhub.catalog.index import DatasetEntry
from voxhub.hub import Hub
from voxhub.openmsi.address import Address
from voxhub.openmsi.analyses import AnalysisInfo, find_analysis, list_analyses
from voxhub.openmsi.errors import BadParameter, DataNotFound, MissingParameter
from voxhub.openmsi.targets import check_experiment, data_items, open_item

FILELISTS = {
    "filelistView": "view",
    "filelistEdit": "edit",
    "filelistManage": "manage",
    "filelistRawData": "admin",
}
TREES = ("file", "experiment", "experimentFull", "analysis", "instrument", "sample", "provenance")
MTYPES = (*FILELISTS, *TREES)


@dataclass(frozen=True)
class TreeStyle:
    name_key: str = "name"
    child_key: str = "children"
    depth: int | None = None

    def node(self, name: str, level: int, children: list[dict] | None = None, **info: Any) -> dict:
        out: dict[str, Any] = {self.name_key: name, **info}
        if children is not None:
            open_ = self.depth is None or self.depth < 0 or level < self.depth
            out[self.child_key if open_ else "_" + self.child_key] = children
        return out


def check_mtype(mtype: str | None) -> str:
    if mtype is None:
        raise MissingParameter(f"mtype: one of {', '.join(MTYPES)} is needed")
    if mtype not in MTYPES:
        raise BadParameter(f"mtype: expected one of {', '.join(MTYPES)}, got {mtype!r}")
    return mtype


def filelist(hub: Hub, principal: Principal, mtype: str) -> dict[str, dict[str, Any]]:
    """Datasets the principal may view/edit/manage (or owns: administers), with its rights."""
    action = FILELISTS[mtype]
    out: dict[str, dict[str, Any]] = {}
    for entry in sorted(hub.index.all(), key=lambda e: (e.organization, e.name)):
        if not can(principal, action, entry):  # type: ignore[arg-type]
            continue
        rights = [a for a in ACTIONS if can(principal, a, entry)]
        info: dict[str, Any] = {"permissions": rights, "status": "managed", "state": entry.status}
        if mtype == "filelistRawData":
            info["sources"] = _sources(entry)
        out[f"{entry.organization}/{entry.name}"] = info
    return out


def _sources(entry: DatasetEntry) -> list[dict[str, Any]]:
    """The files the dataset's MSI layers were imported from."""
    found = []
    for item in data_items(entry):
        try:
            target = open_item(entry, item)
        except Exception:  # a broken layer must not hide the rest of the list
            continue
        if target.metadata is not None and target.metadata.source:
            found.append({"layer": item.layer.name, **dict(target.metadata.source)})
    return found


def _values_tree(style: TreeStyle, name: str, values: Mapping[str, Any], level: int) -> dict:
    """A metadata mapping as a tree: groups become nodes, leaves carry ``value``."""
    children = []
    for key, value in values.items():
        if isinstance(value, Mapping):
            children.append(_values_tree(style, str(key), value, level + 1))
        else:
            children.append(style.node(str(key), level + 1, value=value))
    return style.node(name, level, children, type="group")


def _data_node(style: TreeStyle, entry: DatasetEntry, index: int, level: int, full: bool) -> dict:
    item = data_items(entry)[index]
    target = open_item(entry, item)
    children: list[dict] = []
    meta = target.metadata
    if full and meta is not None:
        children = [
            _values_tree(style, "instrument", meta.instrument, level + 1),
            _values_tree(style, "sample", meta.sample, level + 1),
            _values_tree(style, "method", meta.method, level + 1),
            _values_tree(style, "source", meta.source, level + 1),
        ]
    name = item.layer.name if item.layer.num_channels <= 1 else f"{item.layer.name}:{item.channel}"
    described = {k: v for k, v in target.description.items() if k != "layer"}
    return style.node(
        name,
        level,
        children,
        type="data",
        layer=item.layer.name,
        label_spectra=target.axis_label,
        **described,
    )


def _analysis_node(style: TreeStyle, info: AnalysisInfo, level: int, full: bool) -> dict:
    outputs = [
        style.node(name, level + 1, type="analysis_data", anaDataName=name) for name in info.outputs
    ]
    extra: dict[str, Any] = {}
    if full:
        extra = {
            "parameters": info.parameters,
            "inputs": info.inputs,
            "software": info.software,
            "created": info.created.isoformat(),
            "primary": info.primary,
        }
    return style.node(
        info.identifier,
        level,
        outputs,
        type="analysis",
        anaIndex=info.position,
        anaIdentifier=info.identifier,
        analysisType=info.type,
        **extra,
    )


def _experiment(hub: Hub, entry: DatasetEntry, style: TreeStyle, level: int, full: bool) -> dict:
    data = [_data_node(style, entry, i, level + 1, full) for i in range(len(data_items(entry)))]
    analyses = [_analysis_node(style, a, level + 1, full) for a in list_analyses(hub, entry)]
    return style.node(
        "experiment 0",
        level,
        data + analyses,
        type="experiment",
        expIndex=0,
        identifier=entry.name,
        voxelSize=list(entry.voxel_size),
        unit=entry.unit,
    )


def tree(
    hub: Hub, entry: DatasetEntry, mtype: str, address: Address, style: TreeStyle
) -> dict[str, Any]:
    """The qmetadata tree of ``mtype`` for ``entry`` (and the address, where it matters)."""
    check_experiment(address.exp_index)
    if mtype == "file":
        experiment = _experiment(hub, entry, style, 1, full=False)
        name = f"{entry.organization}/{entry.name}"
        return style.node(name, 0, [experiment], type="file", status=entry.status)
    if mtype in ("experiment", "experimentFull"):
        return _experiment(hub, entry, style, 0, full=mtype == "experimentFull")
    if mtype == "analysis":
        if not address.is_analysis:
            raise MissingParameter("anaIndex: mtype=analysis needs anaIndex or anaIdentifier")
        info = find_analysis(hub, entry, address.ana_index, address.ana_identifier)
        return _analysis_node(style, info, 0, full=True)
    if mtype == "provenance":
        return provenance(hub, entry, address, style)
    index = address.data_index or 0
    if not 0 <= index < len(data_items(entry)):
        raise DataNotFound(f"dataIndex: data {index} not found")
    meta = open_item(entry, data_items(entry)[index]).metadata
    if meta is None:  # not an MSI layer: the dataset's own description
        facts = {"voxelSize": list(entry.voxel_size), "unit": entry.unit}
        return _values_tree(style, mtype, facts, 0)
    values = meta.instrument if mtype == "instrument" else {**meta.sample, **meta.method}
    return _values_tree(style, mtype, values, 0)


def provenance(hub: Hub, entry: DatasetEntry, address: Address, style: TreeStyle) -> dict:
    """Where an analysis (or a data item) came from, inputs as children, recursively."""
    analyses = {a.identifier: a for a in list_analyses(hub, entry)}
    if address.is_analysis:
        start = find_analysis(hub, entry, address.ana_index, address.ana_identifier)
        return _provenance_of(style, entry, analyses, f"analysis:{start.identifier}", 0, set())
    return _provenance_of(style, entry, analyses, f"data:{address.data_index or 0}", 0, set())


def _provenance_of(
    style: TreeStyle,
    entry: DatasetEntry,
    analyses: dict[str, AnalysisInfo],
    target: str,
    level: int,
    seen: set[str],
) -> dict:
    kind, _, key = target.partition(":")
    if kind == "analysis" and key in analyses and target not in seen:
        info = analyses[key]
        inputs = [
            {
                **_provenance_of(style, entry, analyses, i["target"], level + 1, seen | {target}),
                "parameter": i.get("parameter"),
                "selection": i.get("selection"),
                "output": i.get("output"),
            }
            for i in info.inputs
        ]
        return style.node(
            info.identifier,
            level,
            inputs,
            type="analysis",
            anaIndex=info.position,
            analysisType=info.type,
            parameters=info.parameters,
            outputs=info.outputs,
            software=info.software,
            created=info.created.isoformat(),
        )
    if kind == "data" and key.isdigit() and int(key) < len(data_items(entry)):
        item = data_items(entry)[int(key)]
        meta = open_item(entry, item).metadata
        source = dict(meta.source) if meta is not None else {}
        return style.node(
            item.layer.name, level, [], type="data", dataIndex=item.index, source=source
        )
    return style.node(target, level, [], type="unknown")


__all__ = ["FILELISTS", "MTYPES", "TreeStyle", "check_mtype", "filelist", "provenance", "tree"]
