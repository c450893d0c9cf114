"""Magnifications (``Mag``) and the anisotropy-aware pyramid plan.

A mag says how many mag-1 voxels one voxel covers along x, y and z. Levels are
named as WEBKNOSSOS names them: ``"2"`` when isotropic, ``"2-2-1"`` otherwise.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from voxhub.arrays.errors import BadMag


@dataclass(frozen=True, order=True)
class Mag:
    x: int
    y: int
    z: int

    def __post_init__(self) -> None:
        for value in (self.x, self.y, self.z):
            if not isinstance(value, int) or value < 1 or value & (value - 1):
                raise BadMag(f"mag factors must be powers of two >= 1, got {self.to_list()}")

    @classmethod
    def parse(cls, value: str | int | Sequence[int] | Mag) -> Mag:
        """Accept ``2``, ``"2"``, ``"2-2-1"``, ``[2, 2, 1]`` or a ``Mag``."""
        if isinstance(value, Mag):
            return value
        if isinstance(value, int):
            return cls(value, value, value)
        if isinstance(value, str):
            parts = value.strip().replace(",", "-").split("-")
            try:
                numbers = [int(p) for p in parts]
            except ValueError:
                raise BadMag(f"not a mag: {value!r} (expected e.g. 1, 2 or 2-2-1)") from None
        else:
            numbers = [int(p) for p in value]
        if len(numbers) == 1:
            numbers = numbers * 3
        if len(numbers) != 3:
            raise BadMag(f"not a mag: {value!r} (expected one or three factors)")
        return cls(*numbers)

    def to_list(self) -> list[int]:
        return [self.x, self.y, self.z]

    def to_layer_name(self) -> str:
        """The folder name of this level: ``"2"`` or ``"2-2-1"``."""
        if self.x == self.y == self.z:
            return str(self.x)
        return f"{self.x}-{self.y}-{self.z}"

    def __truediv__(self, other: Mag) -> tuple[int, int, int]:
        """The per-axis factor from ``other`` to ``self`` (x, y, z)."""
        return (self.x // other.x, self.y // other.y, self.z // other.z)

    def __str__(self) -> str:
        return self.to_layer_name()


def next_factor(
    voxel_size: Sequence[float], mag: Mag, shape_xyz: Sequence[int]
) -> tuple[int, int, int]:
    """Which axes to halve next, as WEBKNOSSOS's anisotropic sampling does.

    An axis whose effective voxel size (voxel size × mag) is well below the
    coarsest axis is halved alone; once the axes are within a factor of √2 of
    each other, all are halved together. Axes already one voxel thick stay.
    """
    effective = [v * m for v, m in zip(voxel_size, mag.to_list(), strict=True)]
    coarsest = max(effective)
    factor = [2 if e <= coarsest / math.sqrt(2) else 1 for e in effective]
    if factor == [1, 1, 1]:
        factor = [2, 2, 2]
    return tuple(1 if size <= 1 else f for f, size in zip(factor, shape_xyz, strict=True))  # type: ignore[return-value]


def pyramid_mags(
    voxel_size: Sequence[float], shape_xyz: Sequence[int], chunk_xyz: Sequence[int]
) -> list[Mag]:
    """All mags from 1 down to the first level that fits in one chunk."""
    mags = [Mag(1, 1, 1)]
    shape = list(shape_xyz)
    while any(s > c for s, c in zip(shape, chunk_xyz, strict=True)):
        factor = next_factor(voxel_size, mags[-1], shape)
        if factor == (1, 1, 1):
            break
        last = mags[-1]
        mags.append(Mag(last.x * factor[0], last.y * factor[1], last.z * factor[2]))
        shape = [-(-s // f) for s, f in zip(shape, factor, strict=True)]
    return mags


def shape_at(shape_xyz: Sequence[int], mag: Mag) -> tuple[int, int, int]:
    """The size of the mag-1 extent ``shape_xyz`` at ``mag`` (rounded up)."""
    return tuple(-(-s // m) for s, m in zip(shape_xyz, mag.to_list(), strict=True))  # type: ignore[return-value]
