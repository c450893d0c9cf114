"""Reading an axis-aligned box from one level of a layer.

Only the chunks the box touches are read (zarr fetches them concurrently).
Positions are in mag-1 voxels, sizes in voxels of the requested mag, as in
WEBKNOSSOS's data routes.
"""

from __future__ import annotations

import io
import itertools
import math
import threading
from collections import deque
from collections.abc import Callable, Generator, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np

from voxhub.arrays.errors import BadBox, BoxReadsBusy, BoxTooLarge
from voxhub.arrays.level import LevelView
from voxhub.arrays.mag import Mag


@dataclass(frozen=True)
class Box:
    """Offset in mag-1 voxels; size in voxels of ``mag``."""

    offset_xyz: tuple[int, int, int]
    size_xyz: tuple[int, int, int]
    mag: Mag

    @property
    def voxels(self) -> int:
        return math.prod(self.size_xyz)

    def level_slices(self) -> tuple[slice, slice, slice]:
        """(z, y, x) slices into the level array."""
        starts = [o // m for o, m in zip(self.offset_xyz, self.mag.to_list(), strict=True)]
        sx, sy, sz = (slice(s, s + n) for s, n in zip(starts, self.size_xyz, strict=True))
        return sz, sy, sx


def check_box(
    box: Box,
    level_shape_zyx: Sequence[int],
    max_voxels: int,
    max_bytes: int | None = None,
    voxel_bytes: int = 1,
) -> None:
    """Raise ``BadBox`` naming the reason when ``box`` is not inside the level.

    ``voxel_bytes`` (channels × element size) turns the size into bytes: a
    uint64 box has eight times the bytes of a uint8 box with the same voxels.
    """
    if any(s <= 0 for s in box.size_xyz):
        raise BadBox(f"width, height and depth must be positive, got {box.size_xyz}")
    if any(o < 0 for o in box.offset_xyz):
        raise BadBox(f"x, y and z must not be negative, got {box.offset_xyz}")
    for axis, o, m in zip("xyz", box.offset_xyz, box.mag.to_list(), strict=True):
        if o % m:
            raise BadBox(f"{axis}={o} is not a multiple of the mag factor {m}")
    if box.voxels > max_voxels:
        raise BoxTooLarge(f"the box has {box.voxels} voxels; the limit is {max_voxels}")
    if max_bytes is not None and box.voxels * voxel_bytes > max_bytes:
        raise BoxTooLarge(
            f"the box holds {box.voxels * voxel_bytes} bytes ({box.voxels} voxels of "
            f"{voxel_bytes} bytes); the limit is {max_bytes} bytes"
        )
    for axis, sl, size in zip("zyx", box.level_slices(), level_shape_zyx, strict=True):
        if sl.stop > size:
            raise BadBox(
                f"the box ends at {axis}={sl.stop} (in mag {box.mag} voxels) but the layer "
                f"has {size} voxels along {axis} at that mag"
            )


# A band is sent in pieces of this size: the allocator reuses the memory of a piece sent
# (its bytes and the server's copy of them), while each 16 MB band copied out whole took
# fresh pages every time (bench_remote's warm 64 MB read: 8 500 page faults instead of
# 29 000 in the server, cold 37 000 instead of 53 000).
PIECE_BYTES = 2**20


@dataclass(frozen=True)
class BoxRead:
    """A checked box of a level, read whole or as a stream of (c, z) bands."""

    level: LevelView
    box: Box

    @property
    def shape(self) -> tuple[int, int, int, int]:
        width, height, depth = self.box.size_xyz
        return (self.level.shape[0], depth, height, width)

    @property
    def dtype(self) -> np.dtype:
        dtype: np.dtype = self.level.dtype
        return dtype

    @property
    def nbytes(self) -> int:
        return math.prod(self.shape) * self.dtype.itemsize

    def read(self) -> np.ndarray:
        return self.level[(slice(None), *self.box.level_slices())]

    def band_keys(self, band_bytes: int) -> Iterator[tuple[slice, slice, slice, slice]]:
        """The (c, z, y, x) keys of ``bands``, in order."""
        sz, sy, sx = self.box.level_slices()
        plane = (sy.stop - sy.start) * (sx.stop - sx.start) * self.dtype.itemsize
        thick = max(1, band_bytes // plane)
        chunk_z = self.level.chunks[1]
        if thick >= chunk_z:
            thick -= thick % chunk_z
        for channel in range(self.shape[0]):
            z = sz.start
            while z < sz.stop:
                end = min(sz.stop, (z // thick + 1) * thick)
                yield slice(channel, channel + 1), slice(z, end), sy, sx
                z = end

    def bands(self, band_bytes: int) -> Iterator[np.ndarray]:
        """The (c, z, y, x) block in C order as consecutive (1, t, y, x) bands.

        ``t`` keeps a band within ``band_bytes`` (at least one plane) and, when
        a band holds whole chunks along z, band edges fall on chunk edges so
        no chunk is decoded twice.
        """
        for key in self.band_keys(band_bytes):
            yield self.level[key]

    def bytes_ahead(self, band_bytes: int, ahead: int = 1) -> Generator[bytes, None, None]:
        """``bands`` as bytes, in pieces of ``PIECE_BYTES``; the next ``ahead`` bands read (and
        copied out) in threads while the caller sends the current one, so decoding overlaps
        sending and, for a remote level, each chunk of those bands is decoded as it arrives
        (memory: ``ahead`` + 1 bands). Closing the iterator waits for the bands being read,
        then stops."""
        keys = self.band_keys(band_bytes)

        def read(key: tuple[slice, ...]) -> list[bytes]:
            flat = self.level[key].reshape(-1).view(np.uint8)
            return [flat[i : i + PIECE_BYTES].tobytes() for i in range(0, flat.size, PIECE_BYTES)]

        ahead = max(1, ahead)
        with ThreadPoolExecutor(max_workers=ahead, thread_name_prefix="voxhub-band") as pool:
            pending: deque[Future[list[bytes]]] = deque(
                pool.submit(read, key) for key in itertools.islice(keys, ahead)
            )
            try:
                while pending:
                    pieces = pending.popleft().result()
                    key = next(keys, None)
                    if key is not None:
                        pending.append(pool.submit(read, key))
                    yield from pieces
            finally:
                for future in pending:
                    future.cancel()


def plan_box(level: LevelView, box: Box, max_voxels: int, max_bytes: int | None = None) -> BoxRead:
    """Check ``box`` against ``level`` and the limits; nothing is read yet."""
    check_box(box, level.shape[1:], max_voxels, max_bytes, level.shape[0] * level.dtype.itemsize)
    return BoxRead(level, box)


def read_box(
    level: LevelView | Any, box: Box, max_voxels: int, max_bytes: int | None = None
) -> np.ndarray:
    """The (c, z, y, x) block of ``box`` from a level (a raw array is read as (c, z, y, x))."""
    view = level if isinstance(level, LevelView) else LevelView(level)
    return plan_box(view, box, max_voxels, max_bytes).read()


def npy_header(shape: Sequence[int], dtype: np.dtype) -> bytes:
    """The header of a ``.npy`` file holding a C-order array, to stream the data after it."""
    buffer = io.BytesIO()
    header = {"descr": np.lib.format.dtype_to_descr(np.dtype(dtype)), "fortran_order": False,
              "shape": tuple(int(s) for s in shape)}  # fmt: skip
    np.lib.format.write_array_header_1_0(buffer, header)
    return buffer.getvalue()


class ReadSlots:
    """At most ``slots`` large box reads at once in this process.

    A read beyond them waits up to ``wait_seconds`` for a slot, then is
    refused with ``BoxReadsBusy`` (503 with ``Retry-After``): memory stays
    bounded by slots × one band whatever the number of clients.
    """

    def __init__(self, slots: int, wait_seconds: float = 2.0) -> None:
        self.slots = max(1, slots)
        self.wait_seconds = wait_seconds
        self._semaphore = threading.BoundedSemaphore(self.slots)

    def take(self) -> Callable[[], None]:
        """Wait for a slot; the returned function gives it back (calling it twice is harmless)."""
        if not self._semaphore.acquire(timeout=self.wait_seconds):
            raise BoxReadsBusy(
                f"{self.slots} large box reads are already running; retry in a moment"
            )
        released = threading.Event()

        def release() -> None:
            if not released.is_set():
                released.set()
                self._semaphore.release()

        return release
