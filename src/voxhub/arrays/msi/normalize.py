"""Normalisation of MSI spectra: TIC normalisation of cubes and qspectrum's ``normalize``."""

from __future__ import annotations

from typing import Any

import dask.array as da
import numpy as np

from voxhub.arrays.msi.blocks import DEFAULT_BLOCK_BYTES, check_cube, summarize
from voxhub.errors import InvalidInput

SPECTRUM_METHODS = ("max", "tic", "none")


def tic_normalize(
    cube: Any,
    *,
    tic: np.ndarray | None = None,
    scale: float | None = None,
    block_bytes: int = DEFAULT_BLOCK_BYTES,
) -> da.Array:
    """Divide every spectrum by its total ion count, then multiply by ``scale``.

    ``scale`` defaults to the mean TIC of the non-empty spectra, so values keep
    their usual magnitude. Empty spectra stay zero. The result is lazy (dask):
    a job writes it chunk by chunk; ``tic`` may be passed when already known.
    """
    nx, ny, _ = check_cube(cube)
    if tic is None:
        tic = summarize(cube, block_bytes).tic
    tic = np.asarray(tic, dtype=np.float64)
    if tic.shape != (nx, ny):
        raise InvalidInput(f"tic: expected shape {(nx, ny)}, got {tic.shape}")
    if scale is None:
        nonzero = tic[tic > 0]
        scale = float(nonzero.mean()) if nonzero.size else 1.0
    factor = np.divide(scale, tic, out=np.zeros_like(tic), where=tic > 0)
    lazy = cube if isinstance(cube, da.Array) else da.from_array(cube, chunks=_chunks(cube))
    row_chunks = lazy.chunks[:2]
    factors = da.from_array(factor, chunks=row_chunks)[:, :, None]
    normalised: da.Array = lazy.astype(np.float64) * factors
    return normalised


def _chunks(cube: Any) -> Any:
    chunks = getattr(cube, "chunks", None)
    if isinstance(chunks, tuple) and len(chunks) == 3 and all(isinstance(c, int) for c in chunks):
        return chunks
    return "auto"


def normalize_spectra(spectra: np.ndarray, method: str | bool = "max") -> np.ndarray:
    """Scale spectra (last axis) by their maximum (to [0, 1]) or by their sum (``tic``)."""
    if method is True:
        method = "max"
    if method is False:
        method = "none"
    if method not in SPECTRUM_METHODS:
        raise InvalidInput(
            f"normalize: expected one of {', '.join(SPECTRUM_METHODS)}, got {method!r}"
        )
    values = np.asarray(spectra, dtype=np.float64)
    if method == "none":
        return values
    denominator = (
        values.max(axis=-1, keepdims=True)
        if method == "max"
        else values.sum(axis=-1, keepdims=True)
    )
    out = np.zeros_like(values)
    np.divide(values, denominator, out=out, where=denominator != 0)
    return out
