"""The OpenMSI-compatible query service: what ``/openmsi`` answers, without the HTTP.

A voxhub dataset plays an OpenMSI *file* with one *experiment*; its data
items (``dataIndex``) are its layers' channels, each read as a cube
``(row, col, mz)`` = the layer's ``(y, x, z)`` (``targets``); stored analyses
are addressed by ``anaIndex``/``anaIdentifier`` (``analyses``). ``queries``
computes qslice/qspectrum/qcube/qmz, ``metadata`` answers qmetadata,
``encode`` turns results into JSON/PNG/HDF5/NPY, ``importing`` and ``jobs``
bring MSI files in and compute analyses in the background.
"""

from voxhub.openmsi.address import Address, resolve
from voxhub.openmsi.analyses import AnalysisInfo, find_analysis, list_analyses, run_analysis
from voxhub.openmsi.analysis_kinds import KINDS as ANALYSIS_KINDS
from voxhub.openmsi.queries import QueryLimits, qcube, qmz, qslice, qspectrum
from voxhub.openmsi.targets import Target, data_items

__all__ = [
    "ANALYSIS_KINDS",
    "Address",
    "AnalysisInfo",
    "QueryLimits",
    "Target",
    "data_items",
    "find_analysis",
    "list_analyses",
    "qcube",
    "qmz",
    "qslice",
    "qspectrum",
    "resolve",
    "run_analysis",
]
