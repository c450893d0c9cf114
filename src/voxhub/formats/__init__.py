"""Importers and file formats: everything that turns files into voxhub layers."""

from voxhub.formats.bounds import check_against_data
from voxhub.formats.dataset_import import import_dataset
from voxhub.formats.ingest import DataRoot, import_layer
from voxhub.formats.layers import ImportOptions, NamedSource, open_layers
from voxhub.formats.msi_source import MsiAnalysis, MsiDependency, MsiSource
from voxhub.formats.properties import DatasourceProperties, read_properties, write_properties
from voxhub.formats.registry import detect, open_any, register
from voxhub.formats.source import VolumeSource

__all__ = [
    "DataRoot",
    "DatasourceProperties",
    "ImportOptions",
    "MsiAnalysis",
    "MsiDependency",
    "MsiSource",
    "NamedSource",
    "VolumeSource",
    "check_against_data",
    "detect",
    "import_dataset",
    "import_layer",
    "open_any",
    "open_layers",
    "read_properties",
    "register",
    "write_properties",
]
