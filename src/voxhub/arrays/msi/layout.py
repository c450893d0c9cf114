"""Hilbert-curve layout of spectra (qspectrum/qmz ``layout=hilbert``).

A spectrum of n values is laid along a Hilbert curve through the smallest
2^k x 2^k square that holds it, so neighbouring m/z values stay neighbours in
2D. Positions past the end of the spectrum hold ``fill``.
"""

from __future__ import annotations

import numpy as np

from voxhub.errors import InvalidInput


def hilbert_side(length: int) -> int:
    """The side of the smallest power-of-two square holding ``length`` values."""
    if length < 1:
        raise InvalidInput(f"layout: cannot lay out {length} values")
    side = 1
    while side * side < length:
        side *= 2
    return side


def hilbert_coordinates(length: int) -> tuple[np.ndarray, np.ndarray]:
    """(row, col) of the first ``length`` points of the Hilbert curve on its square."""
    side = hilbert_side(length)
    d = np.arange(length, dtype=np.int64)
    row = np.zeros(length, dtype=np.int64)
    col = np.zeros(length, dtype=np.int64)
    step = 1
    while step < side:
        rx = 1 & (d // 2)
        ry = 1 & (d ^ rx)
        # Rotate the quadrant so the sub-curves join end to start.
        flip = ry == 0
        mirror = flip & (rx == 1)
        col[mirror], row[mirror] = step - 1 - col[mirror], step - 1 - row[mirror]
        col[flip], row[flip] = row[flip], col[flip].copy()
        col += step * rx
        row += step * ry
        d //= 4
        step *= 2
    return row, col


def hilbert_layout(spectra: np.ndarray, fill: float = 0) -> np.ndarray:
    """Lay the last axis of ``spectra`` out as a Hilbert square: (..., n) -> (..., s, s)."""
    values = np.asarray(spectra)
    length = values.shape[-1]
    side = hilbert_side(length)
    row, col = hilbert_coordinates(length)
    dtype = np.result_type(values.dtype, np.asarray(fill).dtype)
    out = np.full((*values.shape[:-1], side, side), fill, dtype=dtype)
    out[..., row, col] = values
    return out


def hilbert_unlayout(squares: np.ndarray, length: int) -> np.ndarray:
    """Undo ``hilbert_layout``: (..., s, s) -> (..., length)."""
    row, col = hilbert_coordinates(length)
    return np.asarray(squares)[..., row, col]
