"""The fields of an investigation, study or assay as flat ``option: value`` pairs.

``update`` (only the options given, or every field with
``--replacewithemptyvalues``) and ``edit`` (in the user's editor) both go
through these, for all three.
"""

from typing import Any

from voxhub.cli.arc._base import (
    DESCRIPTION,
    RELEASE,
    SUBMISSION,
    TITLE,
    edit_fields,
    given,
    option,
    term,
    term_options,
)
from voxhub.cli.arc.entries import Flat
from voxhub.isa import ArcAssay
from voxhub.isa.xlsx.assay import parse_platform

DATED = (TITLE, DESCRIPTION, SUBMISSION, RELEASE)  # investigation and study fields
_DATED_ATTRS = {
    "title": "title",
    "description": "description",
    "submissiondate": "submission_date",
    "publicreleasedate": "public_release_date",
}
ASSAY_FIELDS = (
    TITLE,
    DESCRIPTION,
    *term_options("measurementtype", "Measurement type"),
    *term_options("technologytype", "Technology type"),
    option("technologyplatform", help="Technology platform, e.g. 'Orbitrap (MS:1000484)'."),
)
_TERMS = ("measurementtype", "technologytype")


def flat_of(node: Any) -> Flat:
    if isinstance(node, ArcAssay):
        flat = {"title": node.title, "description": node.description}
        for name in _TERMS:
            oa = getattr(node, name.replace("type", "_type"))
            flat[name] = oa.name if oa else ""
            flat[f"{name}termaccessionnumber"] = oa.term_accession if oa else ""
            flat[f"{name}termsourceref"] = oa.term_source_ref if oa else ""
        platform = node.technology_platform
        flat["technologyplatform"] = str(platform) if platform and not platform.is_empty else ""
        return flat
    return {k: getattr(node, a) for k, a in _DATED_ATTRS.items()}


def apply_flat(node: Any, flat: Flat) -> None:
    """Set the node's fields from (some of) its flat fields."""
    if not isinstance(node, ArcAssay):
        for key, value in flat.items():
            setattr(node, _DATED_ATTRS[key], value)
        return
    full = {**flat_of(node), **flat}
    node.title, node.description = full["title"], full["description"]
    for name in _TERMS:
        oa = term(full[name], full[f"{name}termaccessionnumber"], full[f"{name}termsourceref"])
        setattr(node, name.replace("type", "_type"), None if oa.is_empty else oa)
    platform = full["technologyplatform"]
    node.technology_platform = parse_platform(platform) if platform else None


def new_node(cls: type[Any], identifier: str, values: dict[str, Any]) -> Any:
    """A new study or assay with the fields given."""
    node = cls(identifier)
    update_node(node, values, False)
    return node


def update_node(node: Any, values: dict[str, Any], replace: bool) -> None:
    apply_flat(node, given(values, replace))


def edit_node(node: Any, what: str) -> None:
    apply_flat(node, edit_fields(flat_of(node), what))
