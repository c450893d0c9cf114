"""Magnifications (``Mag``) and the anisotropy-aware pyramid plan.

A mag says how many mag-1 voxels one voxel covers along x, y and z. Levels are
named as WEBKNOSSOS names them: ``"2"`` when isotropic, ``"2-2-1"`` otherwise.
"""

from __future__ import annotations

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


def next_mag(voxel_size: Sequence[float], mag: Mag, thin: Sequence[bool] = (False,) * 3) -> Mag:
    """The mag after ``mag``, by webknossos-libs' anisotropic rule.

    Each step either doubles every axis or doubles only the axes whose
    effective voxel size (voxel size × mag) is smallest, whichever leaves the
    level closer to isotropic: the candidate with the smaller ratio of
    largest to smallest effective size wins, and a tie goes to doubling only
    the smallest axes (so 5,5,40 nm gives 2-2-1, 4-4-1, 8-8-1 before z is
    ever halved). Only the step that doubles every axis keeps the pyramid
    geometric along all three; the other catches up the finest axes.

    WEBKNOSSOS tells mags apart by their largest factor, so a step that does
    not raise it (2,3,9 nm: 4-2-1 would be followed by 4-4-1) is taken but not
    kept: the next mag is computed from it and the pyramid goes on from
    there. ``thin`` axes (already one voxel thick) stay, as webknossos-libs
    caps every axis at its coarsest mag.
    """
    free = [i for i in range(3) if not thin[i]]  # thin axes neither grow nor take part
    if not free:
        return mag
    step = mag
    while True:
        factors = step.to_list()
        effective = {i: voxel_size[i] * factors[i] for i in free}
        smallest = min(effective.values())
        doubled_all = [e * 2 for e in effective.values()]
        doubled_min = [e * 2 if e == smallest else e for e in effective.values()]
        if max(doubled_all) / min(doubled_all) < max(doubled_min) / min(doubled_min):
            grow = set(free)
        else:
            grow = {i for i, e in effective.items() if e == smallest}
        step = Mag(*(m * 2 if i in grow else m for i, m in enumerate(factors)))
        if max(step.to_list()) > max(mag.to_list()):
            return step
        # the same largest factor: take the step, but keep going from it


def pyramid_mags(
    voxel_size: Sequence[float], shape_xyz: Sequence[int], chunk_xyz: Sequence[int]
) -> list[Mag]:
    """All mags from 1 down to the first level that fits in one chunk."""
    mags = [Mag(1, 1, 1)]
    while any(s > c for s, c in zip(shape_at(shape_xyz, mags[-1]), chunk_xyz, strict=True)):
        thin = [s <= 1 for s in shape_at(shape_xyz, mags[-1])]
        following = next_mag(voxel_size, mags[-1], thin)
        if following == mags[-1]:
            break
        mags.append(following)
    return mags


def shape_at(shape_xyz: Sequence[int], mag: Mag) -> tuple[int, int, int]:
    """The size of the mag-1 extent ``shape_xyz`` at ``mag`` (rounded up)."""
    return tuple(-(-s // m) for s, m in zip(shape_xyz, mag.to_list(), strict=True))  # type: ignore[return-value]
