"""Optional dependencies: imported where a feature needs them, with an error naming the extra.

The default install serves SQLite and a local folder with granian. PostgreSQL,
dask.distributed, uvicorn and the vendor formats (CZI, DM3/DM4) are extras, so
that a lab that uses none of them installs none of them.
"""

from __future__ import annotations

import importlib
from types import ModuleType

from voxhub.errors import Unavailable


class MissingExtra(Unavailable):
    code = "missing_extra"


def optional(module: str, extra: str, feature: str) -> ModuleType:
    """``import module``, or MissingExtra telling which ``pip install 'voxhub[extra]'`` adds it."""
    try:
        return importlib.import_module(module)
    except ImportError:
        raise MissingExtra(
            f"{feature} needs the optional package {module.split('.')[0]!r}: "
            f"pip install 'voxhub[{extra}]'"
        ) from None


__all__ = ["MissingExtra", "optional"]
