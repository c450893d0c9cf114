"""Calling ARCtrl 3.2 (in its own venv, ``make interop-arc``) and comparing its view with ours.

ARCtrl needs Python >= 3.12 and is installed in ``.venv-arctrl``; the tests run
``tests/isa/arctrl_tool.py`` there as a separate process and compare the JSON
it prints with :func:`our_dump` of voxhub's model.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from urllib.parse import unquote

from voxhub.isa import DataCell, FreeTextCell, TermCell, UnitizedCell

ROOT = Path(__file__).parents[2]
ARCTRL_PYTHON = ROOT / ".venv-arctrl" / "bin" / "python"
TOOL = Path(__file__).with_name("arctrl_tool.py")


def arctrl(*args: str) -> object:
    """Run one arctrl_tool command; its JSON output, accessions shortened."""
    assert ARCTRL_PYTHON.exists(), "run `make interop-arc` (make test does) to create .venv-arctrl"
    result = subprocess.run(
        [str(ARCTRL_PYTHON), "-W", "ignore", str(TOOL), *map(str, args)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return short(json.loads(result.stdout))


def _acc(text: str) -> str:
    """ARCtrl writes accessions as PURLs, bioregistry or OLS links; compare the short id."""
    if not text.startswith("http"):
        return text
    text = unquote(unquote(text))
    for prefix in (
        "http://purl.obolibrary.org/obo/",
        "https://purl.obolibrary.org/obo/",
        "https://bioregistry.io/",
    ):
        if prefix in text:
            return text.split(prefix, 1)[1].replace("_", ":", 1)
    return text


def short(tree):  # type: ignore[no-untyped-def]
    """Every accession in a dump as its short id."""
    if isinstance(tree, dict):
        return {k: short(v) for k, v in tree.items()}
    if isinstance(tree, list):
        return [short(v) for v in tree]
    if isinstance(tree, str):
        return _acc(tree)
    return tree


def _oa(oa):  # type: ignore[no-untyped-def]
    if oa is None:
        return None
    return [oa.name, oa.term_source_ref, oa.term_accession]


def _comments(comments):  # type: ignore[no-untyped-def]
    # An empty comment is no comment (an xlsx comment row gives every person its column).
    return [[c.name, c.value] for c in comments if c.value]


def _person(p):  # type: ignore[no-untyped-def]
    return {
        "orcid": p.orcid,
        "last": p.last_name,
        "first": p.first_name,
        "mid": p.mid_initials,
        "email": p.email,
        "phone": p.phone,
        "fax": p.fax,
        "address": p.address,
        "affiliation": p.affiliation,
        "roles": [_oa(r) for r in p.roles],
        "comments": _comments(p.comments),
    }


def _publication(p):  # type: ignore[no-untyped-def]
    return {
        "pubmed": p.pubmed_id,
        "doi": p.doi,
        "authors": p.authors,
        "title": p.title,
        "status": _oa(p.status),
        "comments": _comments(p.comments),
    }


def cell(c):  # type: ignore[no-untyped-def]
    if isinstance(c, TermCell):
        return ["term", *_oa(c.term)]
    if isinstance(c, FreeTextCell):
        return ["text", c.value]
    if isinstance(c, UnitizedCell):
        return ["unit", c.value, *_oa(c.unit)]
    assert isinstance(c, DataCell)
    return ["data", c.name, c.format, c.selector_format]


def table(t):  # type: ignore[no-untyped-def]
    return {
        "name": t.name,
        "columns": [
            [h.label, [cell(c) for c in col.cells]]
            for h, col in zip(t.headers, t.columns, strict=True)
        ],
    }


def _term(oa):  # type: ignore[no-untyped-def]
    # A datamap's empty term reads back from its file as an empty term, not as none.
    return _oa(oa) or ["", "", ""]


def _datamap(node):  # type: ignore[no-untyped-def]
    datamap = getattr(node, "datamap", None)
    if datamap is None:
        return None
    return [
        {
            "name": d.name,
            "format": d.format,
            "selector": d.selector_format,
            "explication": _term(d.explication),
            "unit": _term(d.unit),
            "object_type": _term(d.object_type),
            "label": d.label,
            "description": d.description,
            "generated_by": d.generated_by,
            "comments": _comments(d.comments),
        }
        for d in datamap.contexts
    ]


def our_dump(inv) -> dict:  # type: ignore[no-untyped-def]
    """voxhub's investigation in the shape of arctrl_tool's ``dump``."""
    return short(
        {
            "identifier": inv.identifier,
            "title": inv.title,
            "description": inv.description,
            "submission": inv.submission_date,
            "release": inv.public_release_date,
            "sources": [
                [s.name, s.file, s.version, s.description] for s in inv.ontology_source_references
            ],
            "publications": [_publication(p) for p in inv.publications],
            "contacts": [_person(p) for p in inv.contacts],
            "comments": _comments(inv.comments),
            "studies_registered": list(inv.study_identifiers),
            "studies": {
                s.identifier: {
                    "title": s.title,
                    "description": s.description,
                    "submission": s.submission_date,
                    "release": s.public_release_date,
                    "publications": [_publication(p) for p in s.publications],
                    "contacts": [_person(p) for p in s.contacts],
                    "design": [_oa(d) for d in s.design_descriptors],
                    "comments": _comments(s.comments),
                    "assays": list(s.registered_assay_identifiers),
                    "tables": [table(t) for t in s.tables],
                    "datamap": _datamap(s),
                }
                for s in inv.studies
            },
            "assays": {
                a.identifier: {
                    "title": a.title,
                    "description": a.description,
                    "measurement": _oa(a.measurement_type),
                    "technology": _oa(a.technology_type),
                    "platform": _oa(a.technology_platform),
                    "performers": [_person(p) for p in a.performers],
                    "comments": _comments(a.comments),
                    "tables": [table(t) for t in a.tables],
                    "datamap": _datamap(a),
                }
                for a in inv.assays
            },
        }
    )


def differences(a, b, path: str = "") -> list[str]:  # type: ignore[no-untyped-def]
    """Where two dumps differ, one line per difference (an empty list when equal)."""
    if type(a) is not type(b):
        return [f"{path}: {a!r} != {b!r}"]
    if isinstance(a, dict):
        out = []
        for key in list(a) + [k for k in b if k not in a]:
            out += differences(a.get(key), b.get(key), f"{path}/{key}")
        return out
    if isinstance(a, list) and len(a) == len(b):
        out = []
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            out += differences(x, y, f"{path}/{i}")
        return out
    return [] if a == b else [f"{path}: {a!r} != {b!r}"]
