"""ISA-JSON out of an ARC: the whole investigation, assays, or process sequences."""

import json
import os
from pathlib import Path
from typing import Any

import typer

from voxhub.cli.arc._base import flag, option
from voxhub.isa import ARC, IsaNotFound, isajson

OUTPUT = option("output", "-o", help="File to write (default: standard output).")
PROCESS_SEQUENCE = flag(
    "processsequence", "-ps", help="Only the process sequence (every process, flat)."
)


def _processes(node: dict[str, Any]) -> list[Any]:
    found = list(node.get("processSequence", []))
    for assay in node.get("assays", []):
        found += assay.get("processSequence", [])
    return found


def investigation_json(arc: ARC, process_sequence: bool, id_references: bool = False) -> Any:
    data = isajson.to_isa_json(arc.investigation, id_references)
    if process_sequence:
        return [p for study in data.get("studies", []) for p in _processes(study)]
    return data


def assay_json(arc: ARC, identifier: str | None, process_sequence: bool) -> Any:
    """One assay (or every one, as a list) as ISA-JSON, as its studies hold it."""
    if identifier is not None:
        arc.investigation.get_assay(identifier)
    data = isajson.to_isa_json(arc.investigation)
    found: dict[str, Any] = {}
    for study in data.get("studies", []):
        for assay in study.get("assays", []):
            name = assay.get("filename", "").split("/")[1:2]
            if name and (identifier is None or name[0] == identifier):
                found.setdefault(name[0], assay)
    if identifier is not None and identifier not in found:
        raise IsaNotFound(f"assay '{identifier}' is registered in no study: nothing to export")
    assays = list(found.values())
    if process_sequence:
        return [p for a in assays for p in a.get("processSequence", [])]
    return assays[0] if identifier is not None else assays


def write_bytes(data: bytes, output: str) -> None:
    """Write the file whole or not at all (a temporary file renamed into place)."""
    target = Path(output)
    tmp = target.with_name(f".{target.name}.tmp")
    try:
        tmp.write_bytes(data)
        os.replace(tmp, target)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise IsaNotFound(f"cannot write {output}: {exc.strerror}") from None
    typer.echo(f"wrote {output}")


def write_json(data: Any, output: str | None) -> None:
    text = json.dumps(data, ensure_ascii=False, indent=2)
    if output is None:
        typer.echo(text)
        return
    write_bytes((text + "\n").encode("utf-8"), output)
