"""One level of a layer seen in (c, z, y, x) order, whatever order it is stored in.

Layers reach voxhub stored in several axis orders: voxhub writes (c, z, y, x),
webknossos-libs writes Zarr v3 arrays as (c, x, y, z) and says so in the
``axisOrder`` of each mag in ``datasource-properties.json``, and an OME-Zarr
placed by hand may be a bare (z, y, x) or carry a time axis. ``AxisMap`` says
where c, z, y and x live in a stored array; ``LevelView`` wraps the array and
answers every read in (c, z, y, x), so no reader (box route, thumbnail,
OpenMSI, exports) indexes a raw array itself.

Axes a stored array lacks read as length 1; axes beyond c, z, y, x (``t``, or
unnamed ones) are pinned to index 0.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from voxhub.arrays.chunkread import fast_oindex
from voxhub.arrays.errors import BadMetadata, chunk_faults
from voxhub.arrays.mag import Mag

CANONICAL = ("c", "z", "y", "x")
# The order of an array of each rank when nothing names its axes (NGFF's order).
RANK_DEFAULT = {2: ("y", "x"), 3: ("z", "y", "x"), 4: ("c", "z", "y", "x")}


@dataclass(frozen=True)
class AxisMap:
    """The name of each stored axis, in stored order (e.g. ``("c", "x", "y", "z")``)."""

    names: tuple[str, ...]

    def __post_init__(self) -> None:
        known = [n for n in self.names if n in CANONICAL]
        if len(set(known)) != len(known) or "x" not in known or "y" not in known:
            raise BadMetadata(f"axes {list(self.names)}: need x and y, each axis at most once")

    @classmethod
    def default(cls, ndim: int) -> AxisMap:
        if ndim not in RANK_DEFAULT:
            raise BadMetadata(f"an array of rank {ndim} has no default axis order; name its axes")
        return cls(RANK_DEFAULT[ndim])

    @classmethod
    def from_axis_order(cls, order: Mapping[str, int], ndim: int) -> AxisMap:
        """From a WEBKNOSSOS ``axisOrder`` (axis name → stored index; negative counts back).

        A single unnamed axis is the channel axis when ``c`` is not given
        (WEBKNOSSOS leaves ``c`` out of 4-D orders); other unnamed axes are pinned.
        """
        names: list[str | None] = [None] * ndim
        for axis, index in order.items():
            position = index + ndim if index < 0 else index
            if not 0 <= position < ndim or names[position] is not None:
                raise BadMetadata(f"axisOrder {dict(order)} does not fit an array of rank {ndim}")
            names[position] = axis
        free = [i for i, n in enumerate(names) if n is None]
        if len(free) == 1 and "c" not in order:
            names[free[0]] = "c"
        return cls(tuple(n if n is not None else f"_{i}" for i, n in enumerate(names)))

    @classmethod
    def resolve(
        cls,
        ndim: int,
        axis_order: Mapping[str, int] | None = None,
        names: Sequence[str] | None = None,
    ) -> AxisMap:
        """``axisOrder`` when given, else the arrays's axis names when they fit, else by rank."""
        if axis_order:
            return cls.from_axis_order(axis_order, ndim)
        if names and len(names) == ndim and "x" in names and "y" in names:
            return cls(tuple(names))
        return cls.default(ndim)

    @property
    def is_canonical(self) -> bool:
        return self.names == CANONICAL

    def to_axis_order(self) -> dict[str, int]:
        return {n: i for i, n in enumerate(self.names) if n in CANONICAL}

    def canonical(self, values: Sequence[int], missing: int = 1) -> tuple[int, int, int, int]:
        """Stored-order ``values`` (a shape, chunks) in (c, z, y, x) order."""
        return tuple(  # type: ignore[return-value]
            int(values[self.names.index(a)]) if a in self.names else missing for a in CANONICAL
        )


def _whole(key: Any) -> bool:
    """Whether ``key`` selects the single entry of a length-1 axis, as a slice."""
    return isinstance(key, slice) and len(range(*key.indices(1))) == 1


def _normalise(key: Any) -> tuple[Any, ...]:
    key = key if isinstance(key, tuple) else (key,)
    if any(k is Ellipsis for k in key):
        at = key.index(Ellipsis)
        key = key[:at] + (slice(None),) * (4 - len(key) + 1) + key[at + 1 :]
    if len(key) > 4:
        raise IndexError(f"too many indices for a (c, z, y, x) level: {len(key)}")
    return tuple(key) + (slice(None),) * (4 - len(key))


def _is_int(key: Any) -> bool:
    return isinstance(key, int | np.integer)


class Indexer:
    """``oindex``/``vindex`` of any view that has ``read_outer`` and ``read_points``."""

    def __init__(self, view: Any, points: bool) -> None:
        self.view, self.points = view, points

    def __getitem__(self, key: Any) -> np.ndarray:
        read = self.view.read_points if self.points else self.view.read_outer
        return np.asarray(read(key))


class LevelView:
    """A stored level array read as (c, z, y, x), with its mag and voxel size.

    Offers what readers of a zarr array use — ``shape``, ``dtype``, ``chunks``,
    ``ndim``, ``[...]``, ``oindex`` and ``vindex`` — all in (c, z, y, x).
    ``end_xyz`` (in mag-1 voxels, usually the layer's bounding box end) trims
    the view: webknossos-libs pads its arrays to whole shards (1024³ for a
    small layer), and readers must not see the padding as data.
    """

    def __init__(
        self,
        array: Any,
        axes: AxisMap | None = None,
        mag: Mag = Mag(1, 1, 1),
        voxel_size: Sequence[float] = (1.0, 1.0, 1.0),
        end_xyz: Sequence[int] | None = None,
        remote: bool = False,
    ) -> None:
        self._array = array
        self.remote = remote  # chunks from a remote source: a corrupt one is its fault (502)
        self._confirm: Callable[[], LevelView | None] | None = None
        self.axes = axes or AxisMap.default(len(array.shape))
        if len(self.axes.names) != len(array.shape):
            raise BadMetadata(
                f"axes {list(self.axes.names)} do not fit an array of rank {len(array.shape)}"
            )
        self.mag = mag
        self.voxel_size = tuple(float(v) for v in voxel_size)
        shape = self.axes.canonical(array.shape)
        if end_xyz is not None:
            ends = [-(-e // m) for e, m in zip(end_xyz, mag.to_list(), strict=True)]
            c, z, y, x = shape
            shape = (c, min(z, ends[2]), min(y, ends[1]), min(x, ends[0]))
        self.shape = shape
        self.chunks = self.axes.canonical(array.chunks)
        self.dtype = np.dtype(array.dtype)
        self.ndim = 4
        self.oindex = Indexer(self, points=False)
        self.vindex = Indexer(self, points=True)

    @property
    def array(self) -> Any:
        """The stored array, once its metadata is confirmed (see ``speculate``)."""
        self.confirm()
        return self._array

    @property
    def speculative_array(self) -> Any:
        """The stored array before its metadata is confirmed: only to put requests in
        flight, never to answer values."""
        return self._array

    def speculate(self, confirm: Callable[[], LevelView | None]) -> None:
        """This view was opened with metadata that ``confirm`` checks before any value is
        read: it answers None when it held, else the view opened with the fresh metadata."""
        self._confirm = confirm

    def confirm(self) -> bool:
        """Check the metadata this view was opened with (once); True when it was stale and
        the view now reads the fresh array (its shape, dtype and chunks may differ)."""
        confirm, self._confirm = self._confirm, None
        if confirm is None:
            return False
        fresh = confirm()
        if fresh is None:
            return False
        self.__dict__.update(fresh.__dict__)
        return True

    @property
    def shape_xyz(self) -> tuple[int, int, int]:
        _, z, y, x = self.shape
        return (x, y, z)

    @property
    def nbytes(self) -> int:
        return int(np.prod(self.shape)) * int(self.dtype.itemsize)

    def __getitem__(self, key: Any) -> np.ndarray:
        return self.read_outer(key)

    def _bounded(self, key: Any) -> tuple[Any, ...]:
        """``key`` with slices made concrete and ints checked against this view's shape."""
        out = []
        for k, n in zip(_normalise(key), self.shape, strict=True):
            if isinstance(k, slice):
                k = slice(*k.indices(n))
            elif _is_int(k):
                if not -n <= k < n:
                    raise IndexError(f"index {k} is out of range for an axis of length {n}")
                k = int(k) % n
            else:
                k = np.asarray(k)
                if k.size and (k.min() < -n or k.max() >= n):
                    raise IndexError(f"an index is out of range for an axis of length {n}")
                k = np.where(k < 0, k + n, k)
            out.append(k)
        return tuple(out)

    def stored_key(self, key: Any) -> tuple[Any, ...]:
        """A (c, z, y, x) key checked against this view and put in the stored array's order."""
        return self._stored_key(self._bounded(key))

    def _stored_key(self, key: tuple[Any, ...]) -> tuple[Any, ...]:
        return tuple(key[CANONICAL.index(n)] if n in CANONICAL else 0 for n in self.axes.names)

    def read_outer(self, key: Any, order: Sequence[int] | None = None) -> np.ndarray:
        """Orthogonal selection in (c, z, y, x): ints, unit-step slices or index arrays.

        The result has the kept (non-integer) axes in (c, z, y, x) order, or in
        ``order`` (as for ``np.transpose``) when given. A chunk that cannot be decoded
        raises ``BadChunk`` (``RemoteBadChunk`` for a remote level).
        """
        self.confirm()
        with chunk_faults(self.remote):
            return self._read_outer(key, order)

    def _read_outer(self, key: Any, order: Sequence[int] | None) -> np.ndarray:
        key = self._bounded(key)
        missing = [a for a in CANONICAL if a not in self.axes.names]  # length 1 each
        stored = self._stored_key(key)
        got = [
            n for n, k in zip(self.axes.names, stored, strict=True)
            if n in CANONICAL and not _is_int(k)
        ]  # fmt: skip
        want = [a for a, k in zip(CANONICAL, key, strict=True) if not _is_int(k)]
        want = [want[i] for i in order] if order is not None else want
        added = [a for a in missing if a in want]
        if all(_whole(key[CANONICAL.index(a)]) for a in added):
            # absent axes selected whole (length 1) are inserted as views: no copy of the block
            core = [a for a in want if a not in added]
            block = fast_oindex(self.array, stored, [got.index(a) for a in core])
            if block is not None:
                return block.reshape(
                    [1 if a in added else block.shape[core.index(a)] for a in want]
                )
        block = np.asarray(self.array.oindex[stored])
        for axis in added:  # append the absent axes, then select from their single entry
            block = block[..., None]
            k = key[CANONICAL.index(axis)]
            block = np.take(block, np.arange(1)[k] if isinstance(k, slice) else k, axis=-1)
        names = got + added
        return np.transpose(block, [names.index(a) for a in want])

    def read_points(self, key: Any) -> np.ndarray:
        """Vectorised (point) selection: one broadcastable integer array per (c, z, y, x) axis."""
        self.confirm()
        arrays = list(
            np.broadcast_arrays(*self._bounded(tuple(np.asarray(k) for k in _normalise(key))))
        )
        stored = tuple(
            arrays[CANONICAL.index(n)] if n in CANONICAL else np.zeros_like(arrays[0])
            for n in self.axes.names
        )
        with chunk_faults(self.remote):
            return np.asarray(self.array.vindex[stored])

    def to_dask(self) -> Any:
        """A lazy (c, z, y, x) dask array reading through this view, chunk-aligned."""
        self.confirm()
        import dask.array as da

        return da.from_array(self, chunks=self.chunks, asarray=True, fancy=False)


__all__ = ["CANONICAL", "AxisMap", "Indexer", "LevelView"]
