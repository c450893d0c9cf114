"""``voxhub import``: any supported input into a registered dataset, here or as a job."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from voxhub.cli._common import open_hub, out, progress_bar
from voxhub.errors import InvalidInput
from voxhub.formats.layers import ImportOptions, NamedSource
from voxhub.hub import Hub


def parse_shape(text: str | None) -> tuple[int, int, int] | None:
    if text is None:
        return None
    try:
        values = tuple(int(v) for v in text.replace("x", ",").split(","))
    except ValueError:
        raise InvalidInput(f"--shape must be X,Y,Z integers, got {text!r}") from None
    if len(values) != 3 or min(values) < 1:
        raise InvalidInput(f"--shape must be three positive integers, got {text!r}")
    return values


def import_path(
    path: Path,
    *,
    organization: str,
    dataset: str,
    voxel_size: tuple[float, float, float] | None,
    unit: str | None,
    layer: str,
    category: str,
    add_layer: bool,
    options: ImportOptions,
    queue: bool,
) -> None:
    """Convert ``path`` now (with a progress bar), or queue a ``convert`` job for the workers."""
    from voxhub.catalog.register import registration
    from voxhub.formats.dataset_import import import_dataset
    from voxhub.formats.ingest import import_layer
    from voxhub.formats.layers import open_layers

    hub = open_hub()
    if queue:
        if add_layer:
            raise InvalidInput("--queue cannot add a layer to an existing dataset")
        conversion = {
            "voxel_size": list(voxel_size) if voxel_size else None,
            "unit": unit,
            "layer": layer,
            "category": category,
            "options": options.to_json(),
        }
        _queue(hub, path, organization, dataset, conversion)
        return
    layers = open_layers(path.resolve(), options, layer)
    register = registration(hub.sessions, organization, dataset)  # accepted, then published
    with progress_bar(f"importing {path.name}") as report:
        if add_layer:
            if len(layers) != 1:
                raise InvalidInput(f"{path} holds {len(layers)} layers; --add-layer takes one")
            properties = import_layer(
                hub.data_root, layers[0].source, organization=organization, dataset=dataset,
                layer=layer, category=layers[0].category or category, voxel_size=voxel_size,
                unit=unit, layout=hub.layout, add_to_existing=True, progress=report,
                register=register,
            )  # fmt: skip
        else:
            properties = import_dataset(
                hub.data_root, layers, organization=organization, dataset=dataset,
                default_category=category, voxel_size=voxel_size, unit=unit, layout=hub.layout,
                progress=lambda index, done, total: report(done, total), register=register,
            )  # fmt: skip
    _say_voxel_size(properties.scale.factor, properties.scale.unit, voxel_size, layers)
    for written in properties.data_layers:
        if written.name not in {named.name for named in layers} and not add_layer:
            continue
        if add_layer and written.name != layer:
            continue
        box = written.bounding_box
        out.print(
            f"imported {organization}/{dataset} layer {written.name}: "
            f"{box.width}×{box.height}×{box.depth} {written.element_class}, "
            f"{len(written.mags)} mags"
        )


def _say_voxel_size(
    size: tuple[float, float, float],
    unit: str,
    given: tuple[float, float, float] | None,
    layers: list[NamedSource],
) -> None:
    """Say which voxel size the dataset got, and where it came from (never silently 1,1,1)."""
    if given is not None:
        origin = "as given"
    elif any(named.source.voxel_size for named in layers):
        origin = "from the input's metadata"
    else:
        origin = "the input names none, so this is assumed: set it with --voxel-size X,Y,Z"
    shown = "×".join(f"{v:g}" for v in size)
    out.print(f"voxel size {shown} {unit} ({origin})", highlight=False)


def _queue(
    hub: Hub, path: Path, organization: str, dataset: str, conversion: dict[str, Any]
) -> None:
    """A ``convert`` job of ``path`` into ``organization/dataset`` (``conversion``: its options)."""
    from voxhub.catalog.register import ensure_organization
    from voxhub.jobs.service import submit

    params = {
        "source": str(path.resolve()),
        "organization": organization,
        "dataset": dataset,
        **conversion,
    }
    with hub.transaction() as session:
        org = ensure_organization(session, organization)
        job = submit(
            session, "convert", params, organization_id=org.id, dataset=dataset,
            max_attempts=hub.settings.job_max_attempts,
        )  # fmt: skip
        job_id = job.id
    out.print(f"queued job {job_id}: convert {path} into {organization}/{dataset}")
