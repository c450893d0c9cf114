"""Non-negative matrix factorisation of an MSI cube, streamed over blocks of rows.

The cube (x, y, mz) is read as a matrix V of spectra (pixels x mz) and
approximated by W @ H with W (pixels x k, the component images) and H (k x mz,
the component spectra), using Lee and Seung's multiplicative updates for the
Frobenius norm. Each iteration reads the cube once: W's rows are updated block
by block while the sums H needs (W^T V and W^T W) are gathered, so memory holds
W, H and one block, never V.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from voxhub.arrays.msi.blocks import DEFAULT_BLOCK_BYTES, check_cube, row_blocks
from voxhub.arrays.progress import ProgressFn
from voxhub.errors import InvalidInput

_EPS = 1e-12


@dataclass(frozen=True)
class NmfResult:
    images: np.ndarray  # (x, y, k): how much of each component every pixel holds
    spectra: np.ndarray  # (k, mz): the components
    errors: np.ndarray  # relative reconstruction error after each iteration

    @property
    def iterations(self) -> int:
        return len(self.errors)


def nmf(
    cube: Any,
    components: int,
    *,
    iterations: int = 200,
    tolerance: float = 1e-4,
    seed: int = 0,
    block_bytes: int = DEFAULT_BLOCK_BYTES,
    progress: ProgressFn | None = None,
) -> NmfResult:
    """Factorise a non-negative cube into ``components`` images and spectra.

    ``progress(done, iterations)`` is called after every iteration; a job's
    progress function raises there when the job was cancelled.
    """
    nx, ny, nmz = check_cube(cube)
    if not 1 <= components <= min(nx * ny, nmz):
        raise InvalidInput(
            f"components: must lie in 1..{min(nx * ny, nmz)} for a cube of shape {(nx, ny, nmz)}"
        )
    if iterations < 1:
        raise InvalidInput(f"iterations: must be at least 1, got {iterations}")
    rng = np.random.default_rng(seed)
    norm_sq = 0.0
    scale = 0.0
    for _, block in row_blocks(cube, block_bytes):
        values = block.astype(np.float64, copy=False)
        if values.min() < 0:
            raise InvalidInput("nmf needs non-negative data")
        norm_sq += float(np.square(values).sum())
        scale += float(values.sum())
    scale = np.sqrt(scale / (nx * ny * nmz) / components) if scale else 1.0
    w = rng.random((nx * ny, components)) * scale + _EPS
    h = rng.random((components, nmz)) * scale + _EPS
    errors: list[float] = []
    for iteration in range(iterations):
        wtv = np.zeros((components, nmz))
        wtw = np.zeros((components, components))
        hht = h @ h.T
        residual_sq = 0.0
        for x0, block in row_blocks(cube, block_bytes):
            v = block.reshape(-1, nmz).astype(np.float64, copy=False)
            rows = slice(x0 * ny, x0 * ny + v.shape[0])
            wb = w[rows]
            wb *= (v @ h.T) / (wb @ hht + _EPS)
            wtv += wb.T @ v
            wtw += wb.T @ wb
            residual_sq += float(np.square(v - wb @ h).sum())
        h *= wtv / (wtw @ h + _EPS)
        errors.append(np.sqrt(residual_sq / norm_sq) if norm_sq else 0.0)
        if progress is not None:
            progress(iteration + 1, iterations)
        if len(errors) > 1 and abs(errors[-2] - errors[-1]) < tolerance * max(errors[-1], _EPS):
            break
    return NmfResult(w.reshape(nx, ny, components), h, np.asarray(errors))
