"""KNOSSOS cube hierarchies: 128³ uint8 cubes, x fastest, in ``x####/y####/z####`` folders.

The finest level is ``mag1/`` (or the cube folders sit at the root); the
extent and voxel size come from ``knossos.conf`` when present, else from the
cubes found. Missing cubes are empty (zero), as in KNOSSOS.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from voxhub.errors import UnreadableInput
from voxhub.formats.bounds import SPARSE, check_declared
from voxhub.formats.source import VolumeSource

CUBE = 128
CONF = "knossos.conf"
CUBE_DIR = re.compile(r"^x(\d{4,})$")
CONF_LINE = re.compile(r"^\s*(boundary|scale)\s+([xyz])\s+([0-9.eE+-]+)\s*;", re.M)


def _cube_root(path: Path) -> Path | None:
    for candidate in (path / "mag1", path):
        if candidate.is_dir() and any(
            CUBE_DIR.match(c.name) for c in candidate.iterdir() if c.is_dir()
        ):
            return candidate
    return None


def matches(path: Path) -> bool:
    return path.is_dir() and ((path / CONF).exists() or _cube_root(path) is not None)


def _conf(path: Path) -> dict[str, dict[str, float]]:
    found: dict[str, dict[str, float]] = {"boundary": {}, "scale": {}}
    for conf in (path / CONF, path / "mag1" / CONF):
        if conf.exists():
            for key, axis, value in CONF_LINE.findall(conf.read_text(errors="replace")):
                found[key][axis] = float(value)
            break
    return found


def _cube_file(root: Path, cx: int, cy: int, cz: int) -> Path | None:
    folder = root / f"x{cx:04d}" / f"y{cy:04d}" / f"z{cz:04d}"
    if not folder.is_dir():
        return None
    return next((f for f in sorted(folder.iterdir()) if f.suffix == ".raw"), None)


def _cube_folders(root: Path) -> list[tuple[int, int, int]]:
    """The (x, y, z) indices of the cube folders present."""
    found = []
    for xdir in root.glob("x[0-9]*"):
        for ydir in xdir.glob("y[0-9]*"):
            for zdir in ydir.glob("z[0-9]*"):
                found.append((int(xdir.name[1:]), int(ydir.name[1:]), int(zdir.name[1:])))
    return found


def _extent_from_cubes(cubes: list[tuple[int, int, int]]) -> tuple[int, int, int]:
    top = [max((c[i] + 1 for c in cubes), default=0) * CUBE for i in range(3)]
    return top[0], top[1], top[2]


def _read_cube(path: Path) -> np.ndarray:
    raw = path.read_bytes()
    if len(raw) != CUBE**3:
        raise UnreadableInput(f"{path}: a KNOSSOS cube has {CUBE**3} bytes, this one {len(raw)}")
    return np.frombuffer(raw, np.uint8).reshape(CUBE, CUBE, CUBE)  # z, y, x


def open_source(path: Path) -> VolumeSource:
    root = _cube_root(path)
    if root is None:
        raise UnreadableInput(f"{path}: no KNOSSOS cube folders (x0000/y0000/z0000) found")
    conf = _conf(path)
    bound = conf["boundary"]
    cubes = _cube_folders(root)
    if {"x", "y", "z"} <= bound.keys():
        x, y, z = (int(bound[a]) for a in "xyz")
    else:
        x, y, z = _extent_from_cubes(cubes)
    if min(x, y, z) <= 0 or not cubes:
        raise UnreadableInput(f"{path}: no KNOSSOS cubes found")
    # Missing cubes read as zero, but a boundary far beyond the cubes present is no volume.
    check_declared(
        path, (z, y, x), np.uint8, len(cubes) * CUBE**3, ratio=SPARSE,
        what=f"the boundary (with {len(cubes)} cubes present)",
    )  # fmt: skip
    scale = conf["scale"]
    voxel = tuple(scale[a] for a in "xyz") if {"x", "y", "z"} <= scale.keys() else None

    def read_band(z0: int, z1: int) -> np.ndarray:
        out = np.zeros((z1 - z0, y, x), np.uint8)
        for cz in range(z0 // CUBE, (z1 - 1) // CUBE + 1):
            lo, hi = max(z0, cz * CUBE), min(z1, (cz + 1) * CUBE)
            for cy in range(-(-y // CUBE)):
                for cx in range(-(-x // CUBE)):
                    found = _cube_file(root, cx, cy, cz)
                    if found is None:
                        continue
                    cube = _read_cube(found)[lo - cz * CUBE : hi - cz * CUBE]
                    ys, xs = slice(cy * CUBE, (cy + 1) * CUBE), slice(cx * CUBE, (cx + 1) * CUBE)
                    target = out[lo - z0 : hi - z0, ys, xs]
                    target[...] = cube[:, : target.shape[1], : target.shape[2]]
        return out[None]

    return VolumeSource(
        path,
        (1, z, y, x),
        np.dtype(np.uint8),
        read_band,
        voxel_size=voxel,  # type: ignore[arg-type]
        unit="nanometer" if voxel else None,
    )
