"""Block arrays (N5, Neuroglancer precomputed) shown as Zarr v3 arrays.

No Zarr client reads an N5 block (big-endian, a header, axes reversed) or a
precomputed chunk (named by voxel ranges, cut at the edges), so ``/zarr``
shows such a mag as a Zarr v3 array of the same shape and grid: voxhub
writes its ``zarr.json`` and answers each chunk ``c/<i>/<j>/…`` with the
source's block decoded, padded to the full chunk (Zarr chunks are never
cut) and compressed with Blosc-LZ4 (fast to write, read by zarr-python,
tensorstore and the viewer's zarrita alike).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numcodecs import Blosc

from voxhub.arrays.blocks import BlockArray

FORMATS = frozenset({"n5", "neuroglancerPrecomputed"})
_BLOSC = {"cname": "lz4", "clevel": 1, "shuffle": "shuffle", "blocksize": 0}
_CODEC = Blosc(cname="lz4", clevel=1, shuffle=Blosc.SHUFFLE)


def array_document(array: BlockArray, names: list[str] | None = None) -> dict[str, Any]:
    """The ``zarr.json`` of ``array`` as voxhub serves it."""
    dtype = np.dtype(array.dtype)
    document: dict[str, Any] = {
        "zarr_format": 3,
        "node_type": "array",
        "shape": list(array.shape),
        "data_type": dtype.name,
        "chunk_grid": {"name": "regular", "configuration": {"chunk_shape": list(array.chunks)}},
        "chunk_key_encoding": {"name": "default", "configuration": {"separator": "/"}},
        "fill_value": 0,
        "codecs": [
            {"name": "bytes", "configuration": {"endian": "little"}},
            {"name": "blosc", "configuration": {**_BLOSC, "typesize": dtype.itemsize}},
        ],
        "attributes": {},
    }
    if names is not None and len(names) == array.ndim:
        document["dimension_names"] = names
    return document


def chunk_coords(array: BlockArray, parts: list[str]) -> tuple[int, ...] | None:
    """The grid position a Zarr v3 chunk key (``["c", "0", "3", …]``) names, if any."""
    if len(parts) != array.ndim + 1 or parts[0] != "c":
        return None
    if not all(p.isascii() and p.isdigit() and len(p) < 12 for p in parts[1:]):
        return None
    coords = tuple(int(p) for p in parts[1:])
    grid = (-(-n // c) for n, c in zip(array.shape, array.chunks, strict=True))
    if any(i >= g for i, g in zip(coords, grid, strict=True)):
        return None
    return coords


def encode_chunk(array: BlockArray, coords: tuple[int, ...], raw: bytes | None) -> bytes:
    """The Zarr chunk at ``coords`` from the source's block ``raw`` (``None``: missing, so
    zeros): decoded, padded to the full chunk and compressed."""
    if raw is None:
        block = np.zeros(array.chunks, dtype=array.dtype)
    else:
        block = array.decode_block(raw, coords)
    if block.shape != array.chunks:
        full = np.zeros(array.chunks, dtype=array.dtype)
        full[tuple(slice(0, s) for s in block.shape)] = block
        block = full
    little = np.ascontiguousarray(block, dtype=np.dtype(array.dtype).newbyteorder("<"))
    return bytes(_CODEC.encode(little))


__all__ = ["FORMATS", "array_document", "chunk_coords", "encode_chunk"]
