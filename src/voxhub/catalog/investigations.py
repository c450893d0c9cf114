"""ISA investigations in the catalog: stored whole, imported and exported as ISA-JSON or ARC zip."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar, Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from voxhub.db.isa_models import AssayDataLink, Investigation
from voxhub.db.models import Dataset, Organization, utcnow
from voxhub.errors import Conflict, InvalidInput, NotFound
from voxhub.isa import ARC, ArcInvestigation, Comment, isajson, read_arc_zip, write_arc_zip

IsaFormat = Literal["isa-json", "arc-zip"]
MAX_UPLOAD = 512 * 2**20


@dataclass(frozen=True)
class InvestigationRef:
    """What ``can()`` needs about an investigation."""

    kind: ClassVar[str] = "investigation"
    id: int
    organization_id: int
    is_public: bool


def ref(row: Investigation) -> InvestigationRef:
    return InvestigationRef(row.id, row.organization_id, row.is_public)


def model_of(row: Investigation) -> ArcInvestigation:
    return isajson.loads(row.isa_json, source=f"investigation {row.identifier}")


def parse_upload(data: bytes, fmt: IsaFormat) -> ArcInvestigation:
    """An uploaded ISA-JSON document or ARC zip as a model; errors name file and place."""
    if len(data) > MAX_UPLOAD:
        raise InvalidInput(f"the upload is larger than {MAX_UPLOAD // 2**20} MiB")
    if fmt == "arc-zip":
        return read_arc_zip(data, "upload.zip").investigation
    return isajson.loads(data, source="upload.json")


# The assay comment that carries a link to a voxhub dataset in exports (ISA-JSON
# and ARC): ARCtrl and every ISA reader keep assay comments as they are.
LINK_COMMENT = "voxhub dataset"


def export(row: Investigation, fmt: IsaFormat, links: Sequence[tuple[str, str]] = ()) -> bytes:
    """The investigation as ISA-JSON or ARC zip; ``links`` are (assay, dataset URL) pairs
    (the caller's visible ones), exported as ``Comment [voxhub dataset]`` of their assay."""
    model = model_of(row)
    for assay_id, url in links:
        assay = model.try_get_assay(assay_id)
        if assay is not None:
            assay.comments.append(Comment(LINK_COMMENT, url))
    if fmt == "arc-zip":
        return write_arc_zip(ARC(model))
    return isajson.dumps(model, indent=2).encode()


def find(session: Session, organization: str, identifier: str) -> Investigation:
    row = session.scalar(
        select(Investigation)
        .join(Organization, Organization.id == Investigation.organization_id)
        .where(Organization.name == organization, Investigation.identifier == identifier)
    )
    if row is None:
        raise NotFound(f"investigation {organization}/{identifier} not found")
    return row


def save_new(
    session: Session, organization: Organization, model: ArcInvestigation, public: bool = False
) -> Investigation:
    exists = session.scalar(
        select(Investigation.id).where(
            Investigation.organization_id == organization.id,
            Investigation.identifier == model.identifier,
        )
    )
    if exists is not None:
        raise Conflict(f"investigation {organization.name}/{model.identifier} already exists")
    row = Investigation(
        organization_id=organization.id,
        identifier=model.identifier,
        title=model.title,
        is_public=public,
        isa_json=isajson.dumps(model, notes=True),  # stored whole: with voxhub's notes
    )
    session.add(row)
    session.flush()
    return row


def replace(row: Investigation, model: ArcInvestigation) -> None:
    """Store a new version; the identifier is the URL's and may not change here."""
    if model.identifier != row.identifier:
        raise InvalidInput(
            f"the document is investigation {model.identifier!r}, not {row.identifier!r}"
        )
    row.title = model.title
    row.isa_json = isajson.dumps(model, notes=True)
    row.updated = utcnow()


def drop_links_of_removed_assays(
    session: Session, row: Investigation, model: ArcInvestigation
) -> None:
    """A new version without an assay takes that assay's dataset links with it."""
    kept = set(model.assay_identifiers)
    for item in session.scalars(
        select(AssayDataLink).where(AssayDataLink.investigation_id == row.id)
    ):
        if item.assay not in kept:
            session.delete(item)
    session.flush()


def link(
    session: Session, row: Investigation, assay: str, dataset: Dataset, layer: str
) -> AssayDataLink:
    if model_of(row).try_get_assay(assay) is None:
        raise NotFound(f"investigation {row.identifier} has no assay {assay!r}")
    if layer and layer not in {item.name for item in dataset.layers}:
        raise NotFound(f"dataset {dataset.name} has no layer {layer!r}")
    existing = session.scalar(
        select(AssayDataLink).where(
            AssayDataLink.investigation_id == row.id,
            AssayDataLink.assay == assay,
            AssayDataLink.dataset_id == dataset.id,
            AssayDataLink.layer == layer,
        )
    )
    if existing is not None:
        return existing
    created = AssayDataLink(
        investigation_id=row.id, assay=assay, dataset_id=dataset.id, layer=layer
    )
    session.add(created)
    session.flush()
    return created


def links(session: Session, row: Investigation) -> list[tuple[AssayDataLink, str, str]]:
    """Each link with its dataset's organization and name."""
    rows = session.execute(
        select(AssayDataLink, Organization.name, Dataset.name)
        .join(Dataset, Dataset.id == AssayDataLink.dataset_id)
        .join(Organization, Organization.id == Dataset.organization_id)
        .where(AssayDataLink.investigation_id == row.id)
        .order_by(AssayDataLink.id)
    ).all()
    return [(item, org, name) for item, org, name in rows]
