"""Importers and file formats: everything that turns files into voxhub layers."""

from voxhub.formats.ingest import DataRoot, import_layer
from voxhub.formats.msi_source import MsiAnalysis, MsiDependency, MsiSource
from voxhub.formats.properties import DatasourceProperties, read_properties, write_properties
from voxhub.formats.registry import detect, open_any, register
from voxhub.formats.source import VolumeSource

__all__ = [
    "DataRoot",
    "DatasourceProperties",
    "MsiAnalysis",
    "MsiDependency",
    "MsiSource",
    "VolumeSource",
    "detect",
    "import_layer",
    "open_any",
    "read_properties",
    "register",
    "write_properties",
]
