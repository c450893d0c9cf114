"""ARC folders as contracts: the layout, reading and every change.

Layout::

    isa.investigation.xlsx
    studies/<id>/isa.study.xlsx, isa.datamap.xlsx, README.md, resources/, protocols/
    assays/<id>/isa.assay.xlsx, isa.datamap.xlsx, README.md, dataset/, protocols/
    workflows/, runs/

Nothing here touches a disk. Reading an ARC is: its file paths →
:meth:`ARC.read_contracts` → (fulfilled elsewhere) → :meth:`ARC.from_contracts`.
Each change method updates the model and returns the contracts that bring
the folder in line; :mod:`voxhub.isa.fulfil` performs them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from voxhub.isa.contracts import Contract, DTOType, Operation, SpreadsheetDTO, TextDTO
from voxhub.isa.errors import IsaConflict, IsaReadError
from voxhub.isa.model import ArcAssay, ArcInvestigation, ArcStudy
from voxhub.isa.xlsx import (
    read_assay,
    read_investigation,
    read_study,
    write_assay,
    write_investigation,
    write_study,
)
from voxhub.isa.xlsx.datamap import read_datamap, write_datamap

INVESTIGATION_FILE = "isa.investigation.xlsx"
DATAMAP_FILE = "isa.datamap.xlsx"
TOP_FOLDERS = ("studies", "assays", "workflows", "runs")
GITKEEP = ".gitkeep"


def _parts(path: str) -> list[str]:
    return path.split("/")


class ARC:
    """An investigation together with the file paths its folder holds."""

    def __init__(self, investigation: ArcInvestigation, file_paths: Iterable[str] = ()) -> None:
        self.investigation = investigation
        self.file_paths = set(file_paths)
        # Studies with a folder that the investigation file does not list (ArcCommander's
        # 'study init' / 'study unregister'); the investigation file keeps not listing them.
        self.unlisted_studies: set[str] = set()

    # -- reading --------------------------------------------------------------
    @staticmethod
    def read_contracts(file_paths: Iterable[str]) -> list[Contract]:
        """READ contracts for the ISA files among an ARC's paths."""
        contracts = []
        for path in sorted(file_paths):
            parts = _parts(path)
            if path == INVESTIGATION_FILE:
                contracts.append(Contract.read(path, DTOType.ISA_INVESTIGATION))
            elif len(parts) == 3 and parts[0] == "studies" and parts[2] == "isa.study.xlsx":
                contracts.append(Contract.read(path, DTOType.ISA_STUDY))
            elif len(parts) == 3 and parts[0] == "assays" and parts[2] == "isa.assay.xlsx":
                contracts.append(Contract.read(path, DTOType.ISA_ASSAY))
            elif len(parts) == 3 and parts[0] in ("studies", "assays") and parts[2] == DATAMAP_FILE:
                contracts.append(Contract.read(path, DTOType.ISA_DATAMAP))
        return contracts

    @classmethod
    def from_contracts(cls, contracts: Sequence[Contract], file_paths: Iterable[str] = ()) -> ARC:
        """Assemble the model from fulfilled READ contracts.

        A study or assay file wins over its description in the investigation;
        study registrations are the union of both.
        """
        data = {}
        for c in contracts:
            if isinstance(c.dto, SpreadsheetDTO) and c.dto.data is not None:
                data[c.path] = c.dto.data
        if INVESTIGATION_FILE not in data:
            raise IsaReadError(INVESTIGATION_FILE, None, "missing: this folder is not an ARC")
        inv_file = read_investigation(data[INVESTIGATION_FILE], INVESTIGATION_FILE)
        inv = inv_file.investigation
        datamaps = {p: read_datamap(d, p) for p, d in data.items() if p.endswith(DATAMAP_FILE)}
        assay_files = {
            _parts(p)[1]: read_assay(d, p, _parts(p)[1])
            for p, d in sorted(data.items())
            if p.startswith("assays/") and not p.endswith(DATAMAP_FILE)
        }
        study_files = {
            _parts(p)[1]: read_study(d, p, _parts(p)[1])
            for p, d in sorted(data.items())
            if p.startswith("studies/") and not p.endswith(DATAMAP_FILE)
        }
        for folder, assay in assay_files.items():
            if assay.identifier != folder:
                raise IsaReadError(
                    f"assays/{folder}/isa.assay.xlsx",
                    "Assay Identifier",
                    f"identifier '{assay.identifier}' differs from its folder '{folder}'",
                )
            inv.add_assay(assay)
        for folder, block in study_files.items():
            if block.study.identifier != folder:
                raise IsaReadError(
                    f"studies/{folder}/isa.study.xlsx",
                    "Study Identifier",
                    f"identifier '{block.study.identifier}' differs from its folder '{folder}'",
                )
        blocks = list(inv_file.studies)
        listed = {b.study.identifier for b in blocks}
        unlisted = {f for f in study_files if f not in listed}
        blocks += [b for f, b in study_files.items() if f in unlisted]
        for block in blocks:
            sid = block.study.identifier
            file_block = study_files.get(sid)
            study = file_block.study if file_block is not None else block.study
            registrations = [a for a in block.assays]
            if file_block is not None and file_block is not block:
                known = {a.identifier for a in registrations}
                registrations += [a for a in file_block.assays if a.identifier not in known]
            if inv.try_get_study(sid) is not None:
                raise IsaReadError(INVESTIGATION_FILE, None, f"study '{sid}' is listed twice")
            inv.add_study(study)
            for described in registrations:
                if inv.try_get_assay(described.identifier) is None:
                    inv.add_assay(described)
                if described.identifier not in study.registered_assay_identifiers:
                    inv.register_assay(sid, described.identifier)
        for study in inv.studies:
            study.datamap = datamaps.get(study.datamap_file_name, study.datamap)
        for assay in inv.assays:
            assay.datamap = datamaps.get(assay.datamap_file_name, assay.datamap)
        arc = cls(inv, file_paths)
        arc.unlisted_studies = unlisted
        return arc

    # -- whole-ARC writes ------------------------------------------------------
    def write_contracts(self) -> list[Contract]:
        """Bring a folder in line with the whole model: ISA files (CREATE, or UPDATE where they
        exist, merging into them), and READMEs and folder keepers where missing."""
        exists = self.file_paths.__contains__
        contracts = [self._investigation_contract(create=not exists(INVESTIGATION_FILE))]
        contracts += [
            Contract.create(f"{f}/{GITKEEP}", DTOType.PLAIN_TEXT, TextDTO()) for f in TOP_FOLDERS
        ]
        for study in self.investigation.studies:
            contracts += self._study_contracts(study, create=not exists(study.file_name))
        for assay in self.investigation.assays:
            contracts += self._assay_contracts(assay, create=not exists(assay.file_name))
        return self._only_new_scaffolding(contracts)

    # -- changes ----------------------------------------------------------------
    def add_study(self, study: ArcStudy) -> list[Contract]:
        self.investigation.add_study(study)
        return self._only_new_scaffolding(
            self._study_contracts(study, create=True) + [self._investigation_contract(create=False)]
        )

    def init_study(self, study: ArcStudy) -> list[Contract]:
        """Add a study's folder without listing it in the investigation file."""
        self.investigation.add_study(study)
        self.unlisted_studies.add(study.identifier)
        return self._only_new_scaffolding(self._study_contracts(study, create=True))

    def register_study(self, identifier: str) -> list[Contract]:
        """List a study (with a folder) in the investigation file."""
        self.investigation.get_study(identifier)
        if identifier not in self.unlisted_studies:
            raise IsaConflict(f"study '{identifier}' is already registered in the investigation")
        self.unlisted_studies.discard(identifier)
        return [self._investigation_contract(create=False)]

    def unregister_study(self, identifier: str) -> list[Contract]:
        """Drop a study from the investigation file; its folder stays."""
        self.investigation.get_study(identifier)
        if identifier in self.unlisted_studies:
            raise IsaConflict(f"study '{identifier}' is not registered in the investigation")
        self.unlisted_studies.add(identifier)
        return [self._investigation_contract(create=False)]

    def add_assay(self, assay: ArcAssay, study_identifier: str) -> list[Contract]:
        """Add an assay registered to a study, creating the study when it does not exist."""
        inv = self.investigation
        if inv.try_get_assay(assay.identifier) is not None:
            raise IsaConflict(f"assay '{assay.identifier}' already exists")
        new_study = inv.try_get_study(study_identifier) is None
        if new_study:
            inv.add_study(ArcStudy(study_identifier))
        inv.add_assay(assay, [study_identifier])
        study = inv.get_study(study_identifier)
        contracts = self._assay_contracts(assay, create=True)
        contracts += self._study_contracts(study, create=new_study)
        contracts.append(self._investigation_contract(create=False))
        return self._only_new_scaffolding(contracts)

    def init_assay(self, assay: ArcAssay) -> list[Contract]:
        """Add an assay's folder, registered in no study yet."""
        self.investigation.add_assay(assay)
        return self._only_new_scaffolding(self._assay_contracts(assay, create=True))

    def move_assay(self, assay_identifier: str, source: str, target: str) -> list[Contract]:
        """Register an assay in ``target`` instead of ``source``."""
        inv = self.investigation
        to = inv.get_study(target)
        if assay_identifier in to.registered_assay_identifiers:
            raise IsaConflict(f"assay '{assay_identifier}' is already registered in '{target}'")
        inv.unregister_assay(source, assay_identifier)
        inv.register_assay(target, assay_identifier)
        return [
            self._study_file(inv.get_study(source), create=False),
            self._study_file(to, create=False),
            self._investigation_contract(create=False),
        ]

    def register_assay(self, study_identifier: str, assay_identifier: str) -> list[Contract]:
        self.investigation.register_assay(study_identifier, assay_identifier)
        study = self.investigation.get_study(study_identifier)
        return [self._study_file(study, create=False), self._investigation_contract(create=False)]

    def unregister_assay(self, study_identifier: str, assay_identifier: str) -> list[Contract]:
        self.investigation.unregister_assay(study_identifier, assay_identifier)
        study = self.investigation.get_study(study_identifier)
        return [self._study_file(study, create=False), self._investigation_contract(create=False)]

    def update_study(self, identifier: str) -> list[Contract]:
        study = self.investigation.get_study(identifier)
        return [
            self._study_file(study, create=False),
            *self._datamap_contracts(study),
            self._investigation_contract(create=False),
        ]

    def update_assay(self, identifier: str) -> list[Contract]:
        """The assay file plus those describing the assay: its studies' and the investigation."""
        inv = self.investigation
        assay = inv.get_assay(identifier)
        contracts = [self._assay_file(assay, create=False), *self._datamap_contracts(assay)]
        contracts += [self._study_file(s, create=False) for s in inv.studies_of(identifier)]
        contracts.append(self._investigation_contract(create=False))
        return contracts

    def update_investigation(self) -> list[Contract]:
        return [self._investigation_contract(create=False)]

    def remove_study(self, identifier: str) -> list[Contract]:
        """Delete the study folder and drop the study from the investigation."""
        self.investigation.remove_study(identifier)
        self.unlisted_studies.discard(identifier)
        self.file_paths = {p for p in self.file_paths if not p.startswith(f"studies/{identifier}/")}
        return [
            Contract.delete(f"studies/{identifier}"),
            self._investigation_contract(create=False),
        ]

    def remove_assay(self, identifier: str) -> list[Contract]:
        """Delete the assay folder and every registration of the assay."""
        inv = self.investigation
        studies = inv.studies_of(identifier)
        inv.remove_assay(identifier)
        self.file_paths = {p for p in self.file_paths if not p.startswith(f"assays/{identifier}/")}
        contracts = [Contract.delete(f"assays/{identifier}")]
        contracts += [self._study_file(s, create=False) for s in studies]
        contracts.append(self._investigation_contract(create=False))
        return contracts

    # -- contract builders --------------------------------------------------------
    def _investigation_contract(self, create: bool) -> Contract:
        inv: ArcInvestigation = self.investigation
        if self.unlisted_studies:
            inv = _Listed(inv, self.unlisted_studies)  # type: ignore[assignment]
        dto = SpreadsheetDTO(
            build=lambda existing: write_investigation(inv, existing, INVESTIGATION_FILE)
        )
        make = Contract.create if create else Contract.update
        return make(INVESTIGATION_FILE, DTOType.ISA_INVESTIGATION, dto)

    def _study_file(self, study: ArcStudy, create: bool) -> Contract:
        inv = self.investigation

        def build(existing: bytes | None) -> bytes:
            assays = [inv.get_assay(a) for a in study.registered_assay_identifiers]
            return write_study(study, assays, existing, study.file_name)

        make = Contract.create if create else Contract.update
        return make(study.file_name, DTOType.ISA_STUDY, SpreadsheetDTO(build=build))

    def _assay_file(self, assay: ArcAssay, create: bool) -> Contract:
        dto = SpreadsheetDTO(build=lambda existing: write_assay(assay, existing, assay.file_name))
        make = Contract.create if create else Contract.update
        return make(assay.file_name, DTOType.ISA_ASSAY, dto)

    def _datamap_contracts(self, node: ArcStudy | ArcAssay) -> list[Contract]:
        """The datamap file made, brought up to date, or (the model has none) deleted."""
        path = node.datamap_file_name
        datamap = node.datamap
        if datamap is None:
            return [Contract.delete(path)] if path in self.file_paths else []
        dto = SpreadsheetDTO(build=lambda existing: write_datamap(datamap, existing, path))
        make = Contract.update if path in self.file_paths else Contract.create
        return [make(path, DTOType.ISA_DATAMAP, dto)]

    def _study_contracts(self, study: ArcStudy, create: bool) -> list[Contract]:
        base = f"studies/{study.identifier}"
        return [
            self._study_file(study, create),
            *self._datamap_contracts(study),
            Contract.create(f"{base}/resources/{GITKEEP}", DTOType.PLAIN_TEXT, TextDTO()),
            Contract.create(f"{base}/README.md", DTOType.MARKDOWN, TextDTO(_readme(study))),
            Contract.create(f"{base}/protocols/{GITKEEP}", DTOType.PLAIN_TEXT, TextDTO()),
        ]

    def _assay_contracts(self, assay: ArcAssay, create: bool) -> list[Contract]:
        base = f"assays/{assay.identifier}"
        return [
            self._assay_file(assay, create),
            *self._datamap_contracts(assay),
            Contract.create(f"{base}/dataset/{GITKEEP}", DTOType.PLAIN_TEXT, TextDTO()),
            Contract.create(f"{base}/README.md", DTOType.MARKDOWN, TextDTO(_readme(assay))),
            Contract.create(f"{base}/protocols/{GITKEEP}", DTOType.PLAIN_TEXT, TextDTO()),
        ]

    def _only_new_scaffolding(self, contracts: list[Contract]) -> list[Contract]:
        """Drop CREATE contracts for non-ISA files already there (a README is the user's)."""
        kept = []
        for c in contracts:
            scaffolding = c.dto_type in (DTOType.PLAIN_TEXT, DTOType.MARKDOWN)
            if scaffolding and c.path in self.file_paths:
                continue
            kept.append(c)
            if c.operation is Operation.DELETE:
                self.file_paths.discard(c.path)
            else:
                self.file_paths.add(c.path)
        return kept


class _Listed:
    """The investigation as its file lists it: without the unlisted studies."""

    def __init__(self, investigation: ArcInvestigation, unlisted: set[str]) -> None:
        self._investigation = investigation
        self._unlisted = frozenset(unlisted)

    def __getattr__(self, name: str) -> object:
        return getattr(self._investigation, name)

    @property
    def studies(self) -> tuple[ArcStudy, ...]:
        return tuple(s for s in self._investigation.studies if s.identifier not in self._unlisted)


def _readme(node: ArcStudy | ArcAssay) -> str:
    title = f": {node.title}" if node.title else ""
    return f"# {node.identifier}{title}\n"


__all__ = ["ARC", "DATAMAP_FILE", "GITKEEP", "INVESTIGATION_FILE", "TOP_FOLDERS"]
