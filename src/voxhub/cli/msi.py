"""``voxhub import`` for MSI files (imzML, OpenMSI HDF5): an MSI dataset, here or as a job."""

from __future__ import annotations

from pathlib import Path

from voxhub.cli._common import open_hub, out, progress_bar
from voxhub.errors import InvalidInput
from voxhub.hub import Hub


def import_msi_file(
    path: Path, *, organization: str, dataset: str, layer: str, add_layer: bool, queue: bool
) -> None:
    """Import (or queue the import of) an MSI file; the default layer name becomes ``msi``."""
    from voxhub.openmsi.importing import import_file

    if add_layer:
        raise InvalidInput(f"{path.name}: MSI files import as new datasets; drop --add-layer")
    layer = "msi" if layer == "color" else layer
    hub = open_hub()
    if queue:
        _queue(hub, path, organization, dataset, layer)
        return
    with progress_bar(f"importing {path.name}") as report:
        result = import_file(
            hub, path.resolve(), organization, dataset, layer=layer, progress=report
        )
    entry = hub.index.get(organization, dataset)
    assert entry is not None
    for name in result["layers"]:
        box = entry.layers[name].bounding_box
        out.print(
            f"imported {organization}/{dataset} MSI layer {name}: {box['height']} rows × "
            f"{box['width']} columns × {box['depth']} m/z values, stored in two chunk layouts"
        )
    if result["analyses"]:
        out.print(f"kept {len(result['analyses'])} analyses: {', '.join(result['analyses'])}")


def _queue(hub: Hub, path: Path, organization: str, dataset: str, layer: str) -> None:
    from voxhub.catalog.register import ensure_organization
    from voxhub.jobs.service import submit

    params = {
        "path": str(path.resolve()),
        "organization": organization,
        "dataset": dataset,
        "layer": layer,
    }
    with hub.transaction() as session:
        org = ensure_organization(session, organization)
        job = submit(
            session,
            "openmsi.import",
            params,
            organization_id=org.id,
            dataset=f"{organization}/{dataset}",
            max_attempts=hub.settings.job_max_attempts,
        )
        job_id = job.id
    out.print(f"queued job {job_id}: import MSI file {path} into {organization}/{dataset}")
