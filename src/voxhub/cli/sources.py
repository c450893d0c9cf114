"""``voxhub remote``: remote Zarr / N5 / Neuroglancer precomputed sources."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Annotated

import typer

from voxhub.cli import source_credentials
from voxhub.cli._common import clean_errors, err, out

app = typer.Typer(no_args_is_help=True)
app.add_typer(
    source_credentials.app,
    name="credentials",
    help="Add, list, rotate and remove an organization's credentials of remote sources.",
)


@app.command()
@clean_errors
def explore(
    url: Annotated[str, typer.Argument(help="http(s)://, s3:// or gs:// URL of the source")],
    name: Annotated[str | None, typer.Option(help="Dataset name to propose")] = None,
    token_stdin: Annotated[
        bool, typer.Option("--token-stdin", help="Read a bearer token for the source from stdin")
    ] = False,
) -> None:
    """Print the datasource-properties.json proposed for a remote source (and warnings)."""
    import sys

    from voxhub.config import get_settings
    from voxhub.formats.explore import Exploration
    from voxhub.formats.explore import explore as explore_source
    from voxhub.storage.fetch import AllowedHosts, Credentials, GuardedFetcher

    settings = get_settings()
    credentials = Credentials(token=sys.stdin.readline().strip()) if token_stdin else None

    async def run() -> Exploration:
        async with GuardedFetcher(
            AllowedHosts.parse(settings.remote_allowed_hosts), credentials
        ) as fetcher:
            return await explore_source(fetcher, url, name)

    found = asyncio.run(run())
    out.print_json(json.dumps(found.properties.model_dump(by_alias=True, exclude_none=True)))
    _warn(found.warnings)


def _warn(warnings: list[str]) -> None:
    for warning in warnings:
        err.print(f"[yellow]warning:[/yellow] {warning}", highlight=False)


@app.command()
@clean_errors
def add(
    url: Annotated[str, typer.Argument(help="http(s)://, s3:// or gs:// URL of the source")],
    org: Annotated[str, typer.Option("--org", help="Organization that will hold the dataset")],
    name: Annotated[str, typer.Option("--name", help="Name of the new dataset")],
    properties: Annotated[
        Path | None,
        typer.Option(help="A reviewed datasource-properties.json (default: as explored)"),
    ] = None,
    token_stdin: Annotated[
        bool,
        typer.Option(
            "--token-stdin", help="Read a bearer token for the source from stdin (stored encrypted)"
        ),
    ] = False,
) -> None:
    """Register a remote source as a read-only dataset of this machine's hub (nothing copied)."""
    import sys

    from voxhub.catalog.remote import CredentialGrant, check_sources, credential_prefix
    from voxhub.cli._common import open_hub
    from voxhub.formats.explore import explore as explore_source
    from voxhub.formats.properties import DatasourceProperties, parse_properties
    from voxhub.storage.fetch import Credentials, GuardedFetcher

    hub = open_hub()
    credentials = Credentials(token=sys.stdin.readline().strip()) if token_stdin else None

    # without a token of its own, the organization's stored credentials for each URL
    org_id = next((i for i, n in hub.index.snapshot().organizations.items() if n == org), None)
    lookup = hub.remote.lookup(org_id) if credentials is None else None

    async def run() -> tuple[DatasourceProperties, list[str], dict[str, str]]:
        async with GuardedFetcher(hub.remote_allowed, credentials, lookup=lookup) as fetcher:
            if properties is not None:
                document = json.loads(properties.read_text())
                found, warnings = parse_properties(document, str(properties)), []
            else:
                explored = await explore_source(fetcher, url, name)
                found, warnings = explored.properties, explored.warnings
            documents = await check_sources(fetcher, found)
            return found, warnings, documents

    found, warnings, documents = asyncio.run(run())
    grants = []
    if credentials is not None:
        grants.append(CredentialGrant(credentials, credential_prefix(found, url)))
    hub.remote.register(org, name, found, grants, documents=documents)
    _warn(warnings)
    layers = ", ".join(layer.name for layer in found.data_layers)
    out.print(f"registered {org}/{name} (remote, read-only): {layers}", highlight=False)
