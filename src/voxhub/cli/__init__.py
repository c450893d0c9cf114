"""The ``voxhub`` command line: serve, sample, import, scan, user, token, arc."""

from __future__ import annotations

import importlib
import logging
import multiprocessing
import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from voxhub.cli._common import (
    DatasetNameOption,
    OrgOption,
    VoxelSizeOption,
    clean_errors,
    err,
    open_hub,
    out,
    progress_bar,
)
from voxhub.cli._lazy import LazyGroup
from voxhub.cli.worker import worker as worker_command
from voxhub.errors import InvalidInput, VoxhubError

if TYPE_CHECKING:  # the settings import pydantic: only commands that work need it
    from voxhub.config import Settings

# Sub-command groups, each in its own module ``voxhub.cli.<module>``, imported when used.
SUBCOMMANDS = (
    ("tokens", "token", "Create, list and revoke API tokens."),
    ("users", "user", "Add, list and change users."),
    ("teams", "team", "Add teams and their members."),
    ("folders", "folder", "Add folders, list the tree, set allowed teams."),
    ("datasets", "dataset", "Share, publish, move, tag, delete and restore datasets."),
    ("arc", "arc", "Work with ARC folders (ArcCommander-style)."),
    ("sources", "remote", "Explore remote Zarr, N5 and Neuroglancer precomputed sources."),
    ("datastores", "datastore", "Create, list and remove external datastores (on the hub)."),
)


class VoxhubGroup(LazyGroup):
    lazy = SUBCOMMANDS


app = typer.Typer(
    cls=VoxhubGroup,
    name="voxhub",
    help="A self-hosted hub for large scientific datasets (OME-Zarr) and their ISA metadata.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


def _parse_voxel_size(text: str | None) -> tuple[float, float, float] | None:
    if text is None:
        return None
    try:
        values = tuple(float(v) for v in text.split(","))
    except ValueError:
        raise InvalidInput(f"--voxel-size must be X,Y,Z numbers, got {text!r}") from None
    if len(values) != 3 or any(v <= 0 for v in values):
        raise InvalidInput(f"--voxel-size must be three positive numbers, got {text!r}")
    return values


def _prepare_data() -> None:
    """Before serving: register datasets found in the store, remove what dead writers
    left, and create the sample dataset in an empty store."""
    from voxhub.catalog.bootstrap import create_sample, store_is_empty
    from voxhub.catalog.scan import scan as scan_folders
    from voxhub.config import get_settings
    from voxhub.jobs.leftovers import clean_leftovers

    settings = get_settings()
    hub = open_hub()
    with hub.transaction() as session:
        scan_folders(session, hub.storage, hub.remote_allowed)
        empty = store_is_empty(session)
    clean_leftovers(hub)  # staging and upload copies of writers killed earlier
    if empty and settings.sample:
        out.print(
            "The store is empty: creating the sample dataset sample_organization/sample_cells …"
        )
        with progress_bar("sample dataset") as report, hub.transaction() as session:
            create_sample(session, hub.data_root, hub.layout, report)
    hub.close()


def _prepare_data_quietly() -> None:
    """``_prepare_data`` in a child process: a refusal is one line and exit status 1."""
    try:
        _prepare_data()
    except VoxhubError as exc:
        out.print(f"error: {exc.detail}", highlight=False, soft_wrap=True)
        raise SystemExit(1) from None


@app.command()
@clean_errors
def serve(
    host: Annotated[str | None, typer.Option(help="Address to bind (default 127.0.0.1)")] = None,
    port: Annotated[int | None, typer.Option(help="Port to bind (default 8000)")] = None,
    datastore: Annotated[
        bool,
        typer.Option(
            "--datastore",
            help="Run as an external datastore: serve this data folder's datasets for --hub",
        ),
    ] = False,
    hub_url: Annotated[
        str | None, typer.Option("--hub", help="The hub's URL (with --datastore)")
    ] = None,
    key: Annotated[
        str | None, typer.Option(help="The datastore key the hub's admin created")
    ] = None,
) -> None:
    """Migrate, create the first admin and the sample dataset if needed, and serve HTTP.

    With ``--datastore --hub URL --key KEY``: serve the datasets of this data folder
    for the hub at URL, which decides who may read them.
    """
    if host:
        os.environ["VOXHUB_HOST"] = host
    if port:
        os.environ["VOXHUB_PORT"] = str(port)
    if datastore:
        if hub_url:
            os.environ["VOXHUB_HUB_URL"] = hub_url
        if key:
            os.environ["VOXHUB_DATASTORE_KEY"] = key
    elif hub_url or key:
        raise InvalidInput("--hub and --key go with --datastore")
    from voxhub.access.first_admin import ensure_admin
    from voxhub.cli.serving import claim_address, run_server
    from voxhub.config import get_settings

    get_settings.cache_clear()
    settings = get_settings()
    claim_address(settings.host, settings.port)  # before the data folder is touched
    if datastore or settings.hub_url:
        _serve_datastore(settings)
        return
    hub = open_hub()
    url = settings.public_url or f"http://{settings.host}:{settings.port}"
    with hub.transaction() as session:
        created = ensure_admin(session, with_token=True)
    hub.close()
    if created:
        out.print(created.announcement(url.rstrip("/")), highlight=False, soft_wrap=True)
    if settings.storage:
        # obstore's runtime does not survive a fork, and granian forks its workers: the
        # server process itself must not touch the bucket, so a fresh process does.
        child = multiprocessing.get_context("spawn").Process(target=_prepare_data_quietly)
        child.start()
        child.join()
        if child.exitcode != 0:
            raise SystemExit(child.exitcode or 1)
    else:
        _prepare_data()

    def announce() -> None:
        out.print(f"voxhub listening on http://{settings.host}:{settings.port} (API docs at /docs)")

    run_server(settings.server, settings.host, settings.port, settings.http_workers, announce)


def _serve_datastore(settings: Settings) -> None:
    """Scan this data folder, register its datasets with the hub, and serve them."""
    from voxhub.catalog.scan import scan as scan_folders
    from voxhub.cli.serving import run_server
    from voxhub.datastore import DatastoreNode, HubLink

    if not settings.hub_url or not settings.datastore_key:
        raise InvalidInput("a datastore needs --hub URL and --key KEY (or VOXHUB_HUB_URL, …_KEY)")
    hub = open_hub()
    with hub.transaction() as session:
        scan_folders(session, hub.storage)
    url = settings.public_url or f"http://{settings.host}:{settings.port}"
    link = HubLink(settings.hub_url, settings.datastore_key)
    node = DatastoreNode(link, hub.index, url, settings.datastore_heartbeat_seconds)
    node.beat()  # a wrong key or an unreachable hub stops here, in one line
    link.close()
    hub.close()

    def announce() -> None:
        out.print(
            f"voxhub datastore listening on http://{settings.host}:{settings.port} "
            f"for the hub at {settings.hub_url}"
        )

    run_server(settings.server, settings.host, settings.port, settings.http_workers, announce)


@app.command()
@clean_errors
def sample() -> None:
    """Create the sample dataset sample_organization/sample_cells if it does not exist."""
    from voxhub.catalog.bootstrap import SAMPLE_DATASET, SAMPLE_ORGANIZATION, create_sample

    hub = open_hub()
    if hub.data_root.exists(hub.data_root.dataset_key(SAMPLE_ORGANIZATION, SAMPLE_DATASET)):
        out.print(f"{SAMPLE_ORGANIZATION}/{SAMPLE_DATASET} already exists")
        return
    with progress_bar("sample dataset") as report, hub.transaction() as session:
        create_sample(session, hub.data_root, hub.layout, report)
    out.print(f"created {SAMPLE_ORGANIZATION}/{SAMPLE_DATASET}")


@app.command("import")
@clean_errors
def import_(
    path: Annotated[
        Path,
        typer.Argument(
            help="Slice folder(s), TIFF, CZI, NIfTI, DM3/4, raw, KNOSSOS, WKW, WEBKNOSSOS "
            "dataset, OME-Zarr, N5, Neuroglancer precomputed, imzML, OpenMSI HDF5"
        ),
    ],
    org: OrgOption,
    name: DatasetNameOption,
    voxel_size: VoxelSizeOption = None,
    unit: Annotated[str | None, typer.Option(help="Voxel size unit (default nanometer)")] = None,
    layer: Annotated[str, typer.Option(help="Layer name (single-layer inputs)")] = "color",
    category: Annotated[str, typer.Option(help="color or segmentation")] = "color",
    add_layer: Annotated[
        bool, typer.Option("--add-layer", help="Add to an existing dataset")
    ] = False,
    shape: Annotated[str | None, typer.Option(help="Raw input: X,Y,Z size")] = None,
    dtype: Annotated[str | None, typer.Option(help="Raw input: uint8, uint16, float32, …")] = None,
    order: Annotated[str, typer.Option(help="Raw input: F (x fastest) or C (z fastest)")] = "F",
    header_bytes: Annotated[int, typer.Option(help="Raw input: bytes to skip")] = 0,
    queue: Annotated[bool, typer.Option("--queue", help="Queue a job for `voxhub worker`")] = False,
) -> None:
    """Convert PATH into OME-Zarr layers with full pyramids and register the dataset."""
    from voxhub.cli.importing import import_path, parse_shape
    from voxhub.cli.msi import import_msi_file
    from voxhub.formats.layers import ImportOptions
    from voxhub.formats.registry import MSI, detect, kind

    if kind(detect(path)) == MSI:  # imzML / OpenMSI HDF5: two chunk layouts, no pyramid
        import_msi_file(
            path, organization=org, dataset=name, layer=layer, add_layer=add_layer, queue=queue
        )
        return

    options = ImportOptions(parse_shape(shape), dtype, order.upper(), header_bytes)  # type: ignore[arg-type]
    import_path(
        path, organization=org, dataset=name, voxel_size=_parse_voxel_size(voxel_size),
        unit=unit, layer=layer, category=category, add_layer=add_layer, options=options,
        queue=queue,
    )  # fmt: skip


app.command("worker")(worker_command)


@app.command()
@clean_errors
def scan() -> None:
    """Register datasets placed in the data folder by hand; mark vanished ones."""
    from voxhub.catalog.scan import scan as scan_folders

    hub = open_hub()
    with hub.transaction() as session:
        report = scan_folders(session, hub.storage, hub.remote_allowed)
    out.print(f"{len(report.active)} datasets active, {len(report.missing)} missing")
    for key in report.missing:
        out.print(f"  missing: {key}")
    for key, reason in report.errors.items():
        out.print(f"  unreadable: {key}: {reason}", highlight=False)


@app.command("nginx-config")
@clean_errors
def nginx_config(
    listen: Annotated[
        str | None,
        typer.Option(help="nginx's listen address (port, host:port; default 80, 443 with TLS)"),
    ] = None,
    server_name: Annotated[
        str | None, typer.Option(help="Public host name (default: VOXHUB_PUBLIC_URL's)")
    ] = None,
    upstream: Annotated[
        str | None, typer.Option(help="voxhub's address (default: VOXHUB_HOST:VOXHUB_PORT)")
    ] = None,
    cache_dir: Annotated[
        str, typer.Option(help="nginx's cache of access answers (holds credentials)")
    ] = "/var/cache/nginx/voxhub",
    tls_cert: Annotated[
        str | None, typer.Option(help="TLS certificate (PEM, with chain): HTTPS and HTTP/2")
    ] = None,
    tls_key: Annotated[str | None, typer.Option(help="The certificate's private key (PEM)")] = None,
) -> None:
    """Print an nginx config for nginx in front: chunk files by sendfile after voxhub's check.

    With --tls-cert and --tls-key it listens with HTTPS and HTTP/2.
    """
    from dataclasses import replace

    from voxhub.cli.nginx import default_options, render
    from voxhub.config import get_settings

    if (tls_cert is None) != (tls_key is None):
        raise InvalidInput("--tls-cert and --tls-key go together: give both or neither")
    for name, path in (("--tls-cert", tls_cert), ("--tls-key", tls_key)):
        if path is not None and not os.path.isfile(path):
            raise InvalidInput(f"{name}: no such file: {path}")
    settings = get_settings()
    default = "443" if tls_cert else "80"
    options = replace(
        default_options(settings), listen=listen or default, cache_dir=cache_dir,
        tls_cert=tls_cert, tls_key=tls_key,
    )  # fmt: skip
    if server_name:
        options = replace(options, server_name=server_name)
    if upstream:
        options = replace(options, upstream=upstream)
    if not settings.data.is_absolute():
        err.print(
            f"note: VOXHUB_DATA is relative ({settings.data}); the config names "
            f"{settings.data.resolve()}: run this where `voxhub serve` runs",
            highlight=False, soft_wrap=True,
        )  # fmt: skip
    print(render(settings, options), end="")


# Commands against a server over HTTP (login, datasets, upload, download, jobs).
importlib.import_module("voxhub.cli.remote").register(app)


def main() -> None:
    from voxhub import logs

    logs.install()  # no log line of any command carries a whole token
    # Libraries log their own complaints about bad files; the CLI's one-line error says it.
    logging.getLogger("tifffile").setLevel(logging.CRITICAL)
    app()
