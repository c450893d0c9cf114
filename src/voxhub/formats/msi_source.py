"""What the MSI importers (imzML, OpenMSI HDF5) hand over: an (x, y, m/z) cube and its context."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import dask.array as da
import numpy as np

from voxhub.errors import UnreadableInput


class GuardedArray:
    """A chunk-readable array whose read errors become ``UnreadableInput`` naming the file.

    Wraps an h5py dataset or any object with ``shape``, ``dtype`` and basic
    ``__getitem__``; ``dask.array.from_array`` and the selection reader accept it.
    """

    def __init__(self, array: Any, path: Path) -> None:
        self.array = array
        self.path = path
        self.shape = tuple(int(n) for n in array.shape)
        self.dtype = np.dtype(array.dtype)
        self.ndim = len(self.shape)
        self.chunks = getattr(array, "chunks", None)

    def __getitem__(self, key: Any) -> np.ndarray:
        try:
            return np.asarray(self.array[key])
        except UnreadableInput:
            raise
        except (OSError, ValueError, KeyError) as err:
            raise UnreadableInput(f"{self.path}: cannot read data ({err})") from None

    def __len__(self) -> int:
        return self.shape[0]


@dataclass(frozen=True)
class MsiDependency:
    """An input an analysis was computed from (OpenMSI ``dependency`` group)."""

    parameter: str
    target: str
    dataset: str | None = None
    selection: str | None = None


@dataclass(frozen=True)
class MsiAnalysis:
    """A derived result stored with the data (OpenMSI ``analysis_#``)."""

    index: int
    identifier: str
    type: str
    parameters: dict[str, Any]
    dependencies: tuple[MsiDependency, ...]
    outputs: dict[str, GuardedArray]


@dataclass
class MsiSource:
    """An MSI cube of shape (x, y, mz) with its m/z axis and metadata.

    ``data`` reads any region through basic slicing without loading the rest;
    ``copies`` holds further layouts of the same data when the file has them.
    Call ``close()`` (or use ``with``) when done.
    """

    path: Path
    data: GuardedArray | Any
    mz: np.ndarray
    instrument: dict[str, Any] = field(default_factory=dict)
    sample: dict[str, Any] = field(default_factory=dict)
    method: dict[str, Any] = field(default_factory=dict)
    analyses: tuple[MsiAnalysis, ...] = ()
    experiment: str | None = None
    copies: tuple[Any, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)
    closer: Callable[[], None] | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if len(self.data.shape) != 3:
            raise UnreadableInput(f"{self.path}: MSI data must be 3D (x, y, mz)")
        if self.mz.ndim != 1 or len(self.mz) != self.data.shape[2]:
            raise UnreadableInput(
                f"{self.path}: m/z axis has {self.mz.size} values, the data {self.data.shape[2]}"
            )

    @property
    def shape(self) -> tuple[int, int, int]:
        return tuple(self.data.shape)

    @property
    def dtype(self) -> np.dtype:
        return np.dtype(self.data.dtype)

    def to_dask(self, chunks: tuple[int, int, int] | str = "auto") -> da.Array:
        """A lazy view whose blocks are read on demand."""
        return da.from_array(self.data, chunks=chunks, asarray=True, fancy=False)

    def close(self) -> None:
        if self.closer is not None:
            self.closer()
            self.closer = None

    def __enter__(self) -> MsiSource:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


__all__ = ["GuardedArray", "MsiAnalysis", "MsiDependency", "MsiSource"]
