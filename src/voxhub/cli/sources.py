"""``voxhub remote``: remote Zarr / N5 / Neuroglancer precomputed sources."""

from __future__ import annotations

import asyncio
import json
from typing import Annotated

import typer

from voxhub.cli._common import clean_errors, err, out

app = typer.Typer(no_args_is_help=True)


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
    for warning in found.warnings:
        err.print(f"[yellow]warning:[/yellow] {warning}", highlight=False)
