"""MSI files (imzML, OpenMSI HDF5) as new voxhub datasets.

Every cube in the file becomes one MSI layer (``voxhub.arrays.msi.store``:
two chunk layouts, the m/z axis and the instrument/sample/method metadata).
A file with one cube gives layer ``layer``; an OpenMSI file with several
gives ``<layer>_<exp>_<data>``. Analyses stored in an OpenMSI file are kept
under ``analyses/`` with their parameters and dependencies as provenance.
The dataset is built in staging and published at once through the hub's
``DataStore`` (a rename in the data folder, a marker object on S3).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from voxhub.arrays.msi.results import ANALYSES, Input, Provenance, write_results
from voxhub.arrays.msi.store import MsiLayout, MsiMetadata, write_msi_cube
from voxhub.errors import Conflict, UnreadableInput
from voxhub.formats import imzml, omsi
from voxhub.formats.dataset_import import MARKER_FILE
from voxhub.formats.ingest import DataRoot, _write_group_marker, layer_properties
from voxhub.formats.msi_source import MsiAnalysis, MsiSource
from voxhub.formats.properties import DatasourceProperties, VoxelSize, write_properties
from voxhub.storage.local import check_name, staging_folder

MSI_FORMATS = (imzml, omsi)
LayerProgress = Callable[[int, int, int], None]  # (cube index, done, total)
KIND = "msi"  # for the importer registry: imported by ``import_msi``, not as a volume


def msi_file(path: Path) -> Path | None:
    """The MSI file ``path`` is, or holds alone (an uploaded ``.imzML`` with its ``.ibd``)."""
    if path.is_dir():
        found = [c for c in path.iterdir() if c.is_file() and imzml.matches(c)]
        return found[0] if len(found) == 1 else None
    return path if any(fmt.matches(path) for fmt in MSI_FORMATS) else None


def matches(path: Path) -> bool:
    """Is ``path`` an MSI file (imzML or OpenMSI HDF5), or a folder holding one imzML file?"""
    return msi_file(path) is not None


@dataclass
class MsiCube:
    """One cube to import: its layer name, its source and its OpenMSI indices."""

    layer: str
    source: MsiSource
    exp_index: int = 0
    data_index: int = 0


def open_cubes(
    path: Path, layer: str = "msi", tolerance_ppm: float = imzml.DEFAULT_TOLERANCE_PPM
) -> list[MsiCube]:
    """Every cube of an MSI file; close their sources when done (``close_cubes``)."""
    check_name(layer, "layer name")
    path = msi_file(path) or path
    if imzml.matches(path):
        return [MsiCube(layer, imzml.open_source(path, tolerance_ppm=tolerance_ppm))]
    if not omsi.matches(path):
        raise UnreadableInput(f"{path}: not an imzML or OpenMSI HDF5 file")
    pairs = omsi.list_data(path)
    if not pairs:
        raise UnreadableInput(f"{path}: the OpenMSI file holds no data_# cube")
    cubes: list[MsiCube] = []
    try:
        for exp, data in pairs:
            name = layer if len(pairs) == 1 else f"{layer}_{exp}_{data}"
            source = omsi.open_source(path, exp_index=exp, data_index=data)
            cubes.append(MsiCube(name, source, exp, data))
    except BaseException:
        close_cubes(cubes)
        raise
    return cubes


def close_cubes(cubes: list[MsiCube]) -> None:
    for cube in cubes:
        cube.source.close()


def _pixel_size(source: MsiSource) -> tuple[float, float, float]:
    """The layer's voxel size (array x, array y, m/z): imzML's pixel sizes in micrometres.

    The cube is (imzML x, imzML y, m/z) and is stored as (m/z, rows, columns)
    with rows = imzML x: the array's x axis holds imzML y, its y axis imzML x,
    so each takes that axis' pixel size (1 when the file states none).
    """
    sizes = {}
    for axis in "xy":
        value = source.instrument.get(f"pixel size {axis}")
        sizes[axis] = float(value) if isinstance(value, int | float) and value > 0 else 1.0
    return (sizes["y"], sizes["x"], 1.0)


def _metadata(cube: MsiCube, path: Path) -> MsiMetadata:
    fmt = "imzML" if imzml.matches(path) else "OpenMSI HDF5"
    extra = {k: v for k, v in cube.source.extra.items() if isinstance(v, str | int | float)}
    # The axis is stored as an array of its own; a copy in the metadata helps no one.
    instrument = {k: v for k, v in cube.source.instrument.items() if k != "mz"}
    return MsiMetadata(
        axis_label="m/z",
        instrument=instrument,
        sample=cube.source.sample,
        method=cube.source.method,
        experiment=cube.source.experiment,
        source={"file": path.name, "format": fmt, **extra},
    )


def _target_of(dependency_target: str, cubes: list[MsiCube], names: dict[str, str]) -> str:
    """An OpenMSI dependency path (``/entry_0/data_0``) as a provenance target."""
    parts = [p for p in dependency_target.split("/") if p]
    for index, cube in enumerate(cubes):
        if parts[:2] == [f"entry_{cube.exp_index}", f"data_{cube.data_index}"]:
            return f"data:{index}"
    if len(parts) >= 2 and parts[1] in names:
        return f"analysis:{names[parts[1]]}"
    return f"file:{dependency_target}"


def _write_analyses(folder: Path, cubes: list[MsiCube], layout: MsiLayout) -> int:
    """Copy every cube's OpenMSI analyses into ``folder/analyses``; returns how many."""
    found: list[tuple[MsiCube, MsiAnalysis]] = [
        (cube, analysis) for cube in cubes for analysis in cube.source.analyses
    ]
    # Analyses are shared by the cubes of one experiment: keep each once.
    unique: dict[tuple[int, int], tuple[MsiCube, MsiAnalysis]] = {}
    for cube, analysis in found:
        unique.setdefault((cube.exp_index, analysis.index), (cube, analysis))
    names = {f"analysis_{a.index}": a.identifier for _c, a in unique.values()}
    software = {"imported_from": "OpenMSI HDF5"}
    for number, (_cube, analysis) in enumerate(unique.values()):
        outputs: dict[str, Any] = {
            _output_name(name): array for name, array in analysis.outputs.items()
        }
        primary = next((n for n, a in outputs.items() if len(a.shape) == 3), None)
        axes = _axis_for(outputs, primary)
        record = Provenance(
            identifier=analysis.identifier,
            type=analysis.type,
            parameters=analysis.parameters,
            inputs=tuple(
                Input(d.parameter, _target_of(d.target, cubes, names), d.selection, d.dataset)
                for d in analysis.dependencies
            ),
            outputs=tuple(outputs),
            software=software,
            primary=primary,
            axes={primary: "m/z" if axes else "index"} if primary else {},
        )
        write_results(folder / ANALYSES / str(number), record, outputs, axes=axes, layout=layout)
    return len(unique)


def _output_name(name: str) -> str:
    cleaned = "".join(c if c.isalnum() or c in "_-." else "_" for c in name).lstrip("_.-")
    return cleaned or "output"


def _axis_for(outputs: dict[str, Any], primary: str | None) -> dict[str, np.ndarray]:
    """A 1D ``*mz*`` output as long as the primary cube's last axis is that cube's axis."""
    if primary is None:
        return {}
    length = outputs[primary].shape[2]
    for name, array in outputs.items():
        if "mz" in name.lower() and len(array.shape) == 1 and array.shape[0] == length:
            return {primary: np.asarray(array[:], dtype=np.float64)}
    return {}


def import_msi(
    root: DataRoot,
    path: Path,
    *,
    organization: str,
    dataset: str,
    layer: str = "msi",
    layout: MsiLayout = MsiLayout(),
    tolerance_ppm: float = imzml.DEFAULT_TOLERANCE_PPM,
    progress: LayerProgress | None = None,
    marker: str | None = None,
) -> DatasourceProperties:
    """Import every cube (and stored analysis) of ``path`` as the new dataset.

    ``marker`` is left in the published folder so a retried job knows its own work.
    """
    key = root.dataset_key(organization, dataset)
    if root.exists(key):
        raise Conflict(f"dataset {organization}/{dataset} already exists")
    path = msi_file(Path(path)) or Path(path)
    cubes = open_cubes(path, layer, tolerance_ppm)
    try:
        with staging_folder(root.staging) as staging:
            folder = staging / dataset
            folder.mkdir()
            entries = []
            for index, cube in enumerate(cubes):

                def report(done: int, total: int, index: int = index) -> None:
                    if progress is not None:
                        progress(index, done, total)

                written = write_msi_cube(
                    folder / cube.layer,
                    cube.source.data,
                    cube.source.mz,
                    name=cube.layer,
                    metadata=_metadata(cube, Path(path)),
                    layout=layout,
                    voxel_size=_pixel_size(cube.source),
                    progress=report,
                )
                entries.append(layer_properties(written, "color", layout.zarr_format))
            _write_analyses(folder, cubes, layout)
            properties = DatasourceProperties(
                id={"name": dataset, "team": organization},
                scale=VoxelSize(factor=_pixel_size(cubes[0].source), unit="micrometer"),
                data_layers=entries,
            )
            write_properties(folder, properties)
            _write_group_marker(folder, layout.zarr_format)
            if marker is not None:
                (folder / MARKER_FILE).write_text(json.dumps({"marker": marker}))
            root.store.publish(folder, key)  # a rename, or on S3 a marker object written last
    finally:
        close_cubes(cubes)
    return properties


__all__ = ["MsiCube", "close_cubes", "import_msi", "matches", "open_cubes"]
