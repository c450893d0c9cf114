"""OpenMSI data-operation pipelines: JSON lists of reductions and transformations.

from voxhub.arrays.operations import run_operations
image = run_operations(cube, '[{"reduction": "max", "axis": 2}]')
"""

from voxhub.arrays.operations.base import TRANSFORMATIONS, Step, step_from_dict
from voxhub.arrays.operations.functions import DUAL, REDUCTIONS, SINGLE
from voxhub.arrays.operations.isolate import run_isolated
from voxhub.arrays.operations.operands import (
    DEFAULT_LIMITS,
    Constant,
    DataRef,
    Nested,
    Operand,
    OperationLimits,
    VariableRef,
)
from voxhub.arrays.operations.pipeline import Pipeline, parse_operations, run_operations
from voxhub.arrays.operations.reductions import Reduction, SelectValues
from voxhub.arrays.operations.transforms import (
    AsType,
    DivideMax,
    DualTransform,
    MinusMinDivideMax,
    SingleTransform,
    Threshold,
)

__all__ = [
    "DEFAULT_LIMITS",
    "DUAL",
    "REDUCTIONS",
    "SINGLE",
    "TRANSFORMATIONS",
    "AsType",
    "Constant",
    "DataRef",
    "DivideMax",
    "DualTransform",
    "MinusMinDivideMax",
    "Nested",
    "Operand",
    "OperationLimits",
    "Pipeline",
    "Reduction",
    "SelectValues",
    "SingleTransform",
    "Step",
    "Threshold",
    "VariableRef",
    "parse_operations",
    "run_isolated",
    "run_operations",
    "step_from_dict",
]
