"""Commands that talk to a voxhub server over HTTP: login, datasets, upload, download, jobs.

They use the Python client (``voxhub.client``) and the credentials ``voxhub
login`` stored; ``--server`` picks another server. The local commands
(``import``, ``scan``, ``token``, …) work on this machine's data folder instead.
"""

from __future__ import annotations

import getpass
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from voxhub.cli._common import (
    DatasetNameOption,
    OrgOption,
    VoxelSizeOption,
    clean_errors,
    err,
    out,
    progress_bar,
)
from voxhub.errors import InvalidInput

Server = Annotated[
    str | None, typer.Option("--server", help="Server URL (default: the one logged in to last)")
]


def _client(server: str | None) -> Any:
    from voxhub.client import Client

    return Client(server)


def _numbers(text: str, count: int, what: str, kind: type = int) -> tuple[Any, ...]:
    try:
        values = tuple(kind(v) for v in text.split(","))
    except ValueError:
        raise InvalidInput(
            f"{what} must be {count} comma-separated numbers, got {text!r}"
        ) from None
    if len(values) != count:
        raise InvalidInput(f"{what} must be {count} comma-separated numbers, got {text!r}")
    return values


@clean_errors
def login(
    url: Annotated[str, typer.Argument(help="The server, e.g. http://127.0.0.1:8000")],
    email: Annotated[str | None, typer.Option(help="Log in with e-mail and password")] = None,
    token_stdin: Annotated[
        bool, typer.Option("--token-stdin", help="Read an API token from standard input")
    ] = False,
) -> None:
    """Store credentials for a server (an API token, or a new one made from e-mail + password)."""
    import httpx

    from voxhub.client import Client
    from voxhub.client.credentials import save_token

    if email:
        password = getpass.getpass("Password: ")
        with httpx.Client(base_url=url.rstrip("/"), timeout=30) as http:
            answer = http.post("/api/v1/auth/login", json={"email": email, "password": password})
            if answer.status_code != 200:
                raise InvalidInput(f"login refused: {answer.json().get('detail', answer.text)}")
            csrf = answer.json().get("csrfToken") or http.cookies.get("voxhub_csrf") or ""
            made = http.post(
                "/api/v1/auth/tokens", json={"name": "voxhub login"}, headers={"X-CSRF-Token": csrf}
            )
            if made.status_code != 201:
                raise InvalidInput(f"could not create a token: {made.text}")
            token = made.json()["token"]
    else:
        token = (sys.stdin.readline() if token_stdin else getpass.getpass("API token: ")).strip()
    with Client(url, token) as client:
        me = client.me()
    path = save_token(url, token)
    out.print(f"logged in to {url} as {me.get('email')} (credentials in {path})")


@clean_errors
def datasets(
    server: Server = None,
    org: Annotated[str | None, typer.Option(help="Only this organization")] = None,
    search: Annotated[str, typer.Option("--search", "-q", help="Words that must match")] = "",
) -> None:
    """List the datasets you may view on the server."""
    with _client(server) as client:
        found = client.datasets(org=org, search=search)
    for dataset in found:
        layers = ", ".join(
            f"{name}:{layer.element_class}" for name, layer in dataset.layers.items()
        )
        out.print(
            f"{dataset.organization}/{dataset.name}\t{dataset.info['status']}\t{layers}",
            highlight=False,
        )
    if not found:
        err.print("no datasets")


@clean_errors
def upload(
    path: Annotated[Path, typer.Argument(help="File or folder (stack, TIFF, zip, OME-Zarr, …)")],
    org: OrgOption,
    name: DatasetNameOption,
    server: Server = None,
    voxel_size: VoxelSizeOption = None,
    folder: Annotated[int | None, typer.Option(help="Folder id")] = None,
    no_wait: Annotated[bool, typer.Option("--no-wait", help="Return once queued")] = False,
) -> None:
    """Upload a file or folder as a new dataset (resumes an interrupted upload of that name)."""
    size = _numbers(voxel_size, 3, "--voxel-size", float) if voxel_size else None
    with _client(server) as client, progress_bar(f"upload {path.name}") as report:
        result = client.upload(
            path, org=org, name=name, voxel_size=size, folder=folder, wait=not no_wait,
            progress=report,
        )  # fmt: skip
    if no_wait:
        out.print(f"queued job {result['id']}")
    else:
        out.print(f"{org}/{name} is ready")


@clean_errors
def download(
    dataset: Annotated[str, typer.Argument(help="organization/name")],
    output: Annotated[Path, typer.Option("-o", "--output", help="out.npy, out.tif or out.zarr")],
    layer: Annotated[str, typer.Option(help="Layer name")] = "color",
    mag: Annotated[str, typer.Option(help="Mag, e.g. 1 or 2-2-1")] = "1",
    box: Annotated[
        str | None, typer.Option(help="x,y,z,width,height,depth (offset in mag-1 voxels)")
    ] = None,
    server: Server = None,
) -> None:
    """Download a box of a layer as NumPy, TIFF or Zarr (c, z, y, x)."""
    import numpy as np

    suffix = output.suffix.lower()
    if suffix not in (".npy", ".tif", ".tiff", ".zarr"):
        raise InvalidInput(f"{output}: the output must end in .npy, .tif or .zarr")
    offset = size = None
    if box:
        numbers = _numbers(box, 6, "--box")
        offset, size = numbers[:3], numbers[3:]
    with _client(server) as client:
        found = client.dataset(dataset)
        if layer not in found.layers:
            raise InvalidInput(f"{dataset} has no layer {layer!r} (has: {', '.join(found.layers)})")
        block = found.layer(layer).read(mag=mag, offset=offset, size=size)
    if suffix == ".npy":
        np.save(output, block)
    elif suffix == ".zarr":
        import zarr

        zarr.save_array(str(output), block)
    else:
        import tifffile

        tifffile.imwrite(output, block, metadata={"axes": "CZYX"}, ome=True)
    out.print(f"wrote {output} {tuple(block.shape)} {block.dtype}")


@clean_errors
def jobs(server: Server = None) -> None:
    """Your jobs on the server, newest first."""
    with _client(server) as client:
        for job in client.jobs():
            cells = [
                job["id"], job["kind"], job["state"], f"{100 * job['progress']:.0f}%",
                job.get("dataset") or "", job.get("error") or job.get("message") or "",
            ]  # fmt: skip
            out.print("\t".join(map(str, cells)), highlight=False)


def register(app: typer.Typer) -> None:
    for command in (login, datasets, upload, download, jobs):
        app.command(command.__name__)(command)
