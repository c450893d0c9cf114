"""ISA-XLSX in the ARC layout: investigation, study and assay workbooks."""

from voxhub.isa.xlsx.assay import read_assay, write_assay
from voxhub.isa.xlsx.investigation import InvestigationFile, read_investigation, write_investigation
from voxhub.isa.xlsx.study import StudyBlock, read_study, write_study
from voxhub.isa.xlsx.workbook import Workbook

__all__ = [
    "InvestigationFile",
    "StudyBlock",
    "Workbook",
    "read_assay",
    "read_investigation",
    "read_study",
    "write_assay",
    "write_investigation",
    "write_study",
]
