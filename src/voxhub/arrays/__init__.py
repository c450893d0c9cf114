"""Arrays: NGFF metadata, mags and pyramids, boxes, OpenMSI selections and operations.

A pure library (no HTTP, no SQL): ``from voxhub.arrays import select, run_operations``.
"""

from voxhub.arrays import zarrcodecs
from voxhub.arrays.box import Box, read_box
from voxhub.arrays.errors import BadBox, BadMag, BadMetadata, BadOperation, BadSelection
from voxhub.arrays.layer import LayerLayout, OpenLayer, create_layer, open_layer
from voxhub.arrays.level import AxisMap, LevelView
from voxhub.arrays.mag import Mag, pyramid_mags
from voxhub.arrays.ngff import Multiscale, Ngff04, Ngff05, detect_format
from voxhub.arrays.operations import OperationLimits, Pipeline, parse_operations, run_operations
from voxhub.arrays.pyramid import WrittenLayer, write_pyramid
from voxhub.arrays.selection import (
    Index,
    IndexList,
    Range,
    Selection,
    SelectionLimits,
    SelectionPlan,
    parse_multiaxis,
    parse_selection,
    plan_selection,
    read_selection,
    select,
)

zarrcodecs.install()  # every chunk zarr-python decodes is bounded by its shape

__all__ = [
    "AxisMap",
    "BadBox",
    "BadMag",
    "BadMetadata",
    "BadOperation",
    "BadSelection",
    "Box",
    "Index",
    "IndexList",
    "LayerLayout",
    "LevelView",
    "Mag",
    "Multiscale",
    "Ngff04",
    "Ngff05",
    "OpenLayer",
    "OperationLimits",
    "Pipeline",
    "Range",
    "Selection",
    "SelectionLimits",
    "SelectionPlan",
    "WrittenLayer",
    "create_layer",
    "detect_format",
    "open_layer",
    "parse_multiaxis",
    "parse_operations",
    "parse_selection",
    "plan_selection",
    "pyramid_mags",
    "read_box",
    "read_selection",
    "run_operations",
    "select",
    "write_pyramid",
]
