"""A layer's (c, z, y, x) arrays seen as one OpenMSI cube (row, col, mz).

``CubeView`` maps row → y, col → x, mz → z of one channel (see
``voxhub.arrays.msi.store``) and reads through whichever of its replicas (the
same values chunked differently) touches the fewest bytes for each request.
It offers what ``voxhub.arrays.selection.read_selection`` and the operations
pipeline use: ``shape``, ``dtype``, ``chunks``, ``oindex``, ``vindex`` and basic
slicing.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import dask.array as da
import numpy as np

from voxhub.arrays.level import Indexer, LevelView

# Cube axis i (row, col, mz) lives on array axis _ARRAY_AXIS[i] of (c, z, y, x).
_ARRAY_AXIS = (2, 3, 1)


def _positions(key: Any, length: int) -> np.ndarray:
    if isinstance(key, int | np.integer):
        return np.array([int(key) % length])
    if isinstance(key, slice):
        return np.arange(*key.indices(length))
    return np.asarray(key, dtype=np.int64).reshape(-1)


def _chunks_touched(key: Any, length: int, chunk: int) -> int:
    """How many chunks of size ``chunk`` an axis key reads."""
    if isinstance(key, int | np.integer):
        return 1
    if isinstance(key, slice):
        start, stop, step = key.indices(length)
        if stop <= start:
            return 0
        if step == 1 or step < chunk:
            return (stop - 1) // chunk - start // chunk + 1
    return int(np.unique(_positions(key, length) // chunk).size)


class CubeView:
    """One channel of (c, z, y, x) replicas as a (row, col, mz) array."""

    def __init__(self, replicas: Sequence[Any], channel: int = 0) -> None:
        if not replicas:
            raise ValueError("a cube needs at least one array")
        # every replica is read as (c, z, y, x), whatever order it is stored in
        self.replicas = tuple(r if isinstance(r, LevelView) else LevelView(r) for r in replicas)
        shapes = {tuple(r.shape) for r in self.replicas}
        if len(shapes) != 1:
            raise ValueError(f"replicas must share one (c, z, y, x) shape, got {shapes}")
        nc, nz, ny, nx = self.replicas[0].shape
        if not 0 <= channel < nc:
            raise ValueError(f"channel {channel} does not exist (the layer has {nc})")
        self.channel = channel
        self.shape = (int(ny), int(nx), int(nz))
        self.dtype = np.dtype(self.replicas[0].dtype)
        self.ndim = 3
        self.oindex = Indexer(self, points=False)
        self.vindex = Indexer(self, points=True)

    @property
    def chunks(self) -> tuple[int, int, int]:
        """The first replica's chunk shape in cube order."""
        return self.chunks_of(self.replicas[0])

    @staticmethod
    def chunks_of(replica: Any) -> tuple[int, int, int]:
        chunks = replica.chunks
        return (int(chunks[2]), int(chunks[3]), int(chunks[1]))

    def bytes_touched(self, key: Sequence[Any], replica: Any) -> int:
        """Uncompressed bytes of the chunks of ``replica`` an outer read of ``key`` decodes."""
        chunks = self.chunks_of(replica)
        count = math.prod(
            _chunks_touched(k, n, c) for k, n, c in zip(key, self.shape, chunks, strict=True)
        )
        return count * math.prod(chunks) * int(self.dtype.itemsize)

    def choose(self, key: Sequence[Any]) -> Any:
        """The replica that reads the fewest bytes for ``key`` (ties: the first)."""
        if len(self.replicas) == 1:
            return self.replicas[0]
        return min(self.replicas, key=lambda replica: self.bytes_touched(key, replica))

    def _array_key(self, key: Sequence[Any]) -> tuple[Any, ...]:
        row, col, mz = key
        return (self.channel, mz, row, col)

    def _normalise(self, key: Any) -> tuple[Any, ...]:
        key = key if isinstance(key, tuple) else (key,)
        if any(k is Ellipsis for k in key):
            at = key.index(Ellipsis)
            key = key[:at] + (slice(None),) * (3 - len(key) + 1) + key[at + 1 :]
        return tuple(key) + (slice(None),) * (3 - len(key))

    def read_outer(self, key: Any) -> np.ndarray:
        """Orthogonal selection: ints, slices or integer arrays per cube axis."""
        key = self._normalise(key)
        replica = self.choose(key)
        # The read comes back as (z, y, x) minus dropped axes; cube order is (y, x, z).
        in_array_order = ((2, key[2]), (0, key[0]), (1, key[1]))
        kept = [axis for axis, k in in_array_order if not isinstance(k, int | np.integer)]
        order = np.argsort(kept)
        return np.asarray(replica.read_outer(self._array_key(key), order))

    def read_points(self, coords: Any) -> np.ndarray:
        """Vectorised (point) selection: one broadcastable integer array per cube axis."""
        row, col, mz = (np.asarray(c) for c in self._normalise(coords))
        row, col, mz = np.broadcast_arrays(row, col, mz)
        best, cost = self.replicas[0], None
        for replica in self.replicas:
            cr, cc, cm = self.chunks_of(replica)
            touched = np.unique(np.stack([row // cr, col // cc, mz // cm]).reshape(3, -1), axis=1)
            here = touched.shape[1] * cr * cc * cm
            if cost is None or here < cost:
                best, cost = replica, here
        channel = np.full(row.shape, self.channel)
        return np.asarray(best.vindex[channel, mz, row, col])

    def __getitem__(self, key: Any) -> np.ndarray:
        return self.read_outer(key)

    def to_dask(self) -> da.Array:
        """A lazy cube whose blocks come from the image replica (for chunk-wise reductions)."""
        lazy: da.Array = da.from_array(self, chunks=self.chunks, asarray=True, fancy=False)
        return lazy


__all__ = ["CubeView"]
