"""``Client``: a voxhub server as Python objects (datasets, layers, uploads, jobs, ISA)."""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

import numpy as np

from voxhub.client._dataset import Dataset
from voxhub.client._http import Http
from voxhub.client._upload import CHUNK_SIZE, files_of, pieces, reserve_body, send_all
from voxhub.client.credentials import default_server, stored_token
from voxhub.client.errors import ClientError, JobFailed, NotFound

ProgressFn = Callable[[int, int], None]  # (done, total) in bytes
CREDENTIALS = "/api/v1/remote-credentials"


class Client:
    """A connection to one voxhub server.

    ``Client("http://127.0.0.1:8000", token="vxh_…")``; without ``url`` and
    ``token``, those stored by ``voxhub login`` are used. ``parallel`` bounds
    the requests one call keeps in flight (box reads, upload chunks).
    """

    def __init__(
        self,
        url: str | None = None,
        token: str | None = None,
        *,
        parallel: int = 8,
        timeout: float = 120.0,
    ) -> None:
        url = url or default_server()
        if not url:
            raise ClientError("no server given and none stored: run `voxhub login URL` first")
        token = token or stored_token(url)
        self.url = url.rstrip("/")
        self.parallel = max(1, parallel)
        self.http = Http(self.url, token, timeout, max_connections=self.parallel * 2)

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.http.close()

    # -- who am I ---------------------------------------------------------------------------

    def me(self) -> dict[str, Any]:
        return self.http.json("GET", "/api/v1/auth/me")

    # -- datasets ---------------------------------------------------------------------------

    def datasets(
        self,
        org: str | None = None,
        search: str = "",
        tags: list[str] | None = None,
        status: str | None = None,
    ) -> list[Dataset]:
        """The datasets this client may view, filtered like the dashboard's search."""
        params: dict[str, Any] = {"q": search, "tags": tags or []}
        if org:
            params["organization"] = org
        if status:
            params["status"] = status
        return [
            Dataset.of(self, d) for d in self.http.json("GET", "/api/v1/datasets", params=params)
        ]

    def dataset(self, ref: str) -> Dataset:
        """One dataset by ``"organization/name"``."""
        organization, _, name = ref.partition("/")
        if not organization or not name:
            raise ClientError(f"{ref!r}: name a dataset as organization/name")
        path = f"/api/v1/datasets/{quote(organization, safe='')}/{quote(name, safe='')}"
        return Dataset.of(self, self.http.json("GET", path))

    # -- uploads ----------------------------------------------------------------------------

    def upload(
        self,
        path: str | Path,
        *,
        org: str,
        name: str,
        voxel_size: tuple[float, float, float] | None = None,
        unit: str | None = None,
        folder: int | None = None,
        teams: list[int] | None = None,
        category: str | None = None,
        layer: str | None = None,
        wait: bool = True,
        progress: ProgressFn | None = None,
        chunk_size: int = CHUNK_SIZE,
    ) -> Dataset | dict[str, Any]:
        """Upload a file or folder (image stack, TIFF, zip, OME-Zarr, …) as a new dataset.

        Running the same call again after an interruption resumes the unfinished
        upload of that name. With ``wait`` the call returns the dataset once its
        conversion job succeeded (``JobFailed`` otherwise), else the job.
        """
        files = files_of(Path(path))
        body = reserve_body(
            name, org, files, voxelSize=list(voxel_size) if voxel_size else None, unit=unit,
            folderId=folder, initialTeams=teams, category=category, layerName=layer,
        )  # fmt: skip
        resumed = self._resumable(body)
        upload = resumed or self.http.json("POST", "/api/v1/uploads", json=body)
        todo = list(pieces(files, chunk_size))
        total = sum(p.length for p in todo)
        done = 0

        def advanced(count: int) -> None:
            nonlocal done
            done += count
            if progress is not None:
                progress(done, total)

        # a fresh upload holds no chunk yet: only a resumed one asks before each send
        send_all(self.http, upload["uploadId"], todo, self.parallel, advanced, resumed is not None)
        finished = self.http.json("POST", f"/api/v1/uploads/{upload['uploadId']}/finish")
        job = self.job(finished["jobId"])
        if not wait:
            return job
        self.wait(job["id"])
        return self._published(f"{org}/{name}")

    def _published(self, ref: str, grace: float = 10.0) -> Dataset:
        # Servers before voxhub 0.2 could report a job's success a moment before
        # other API processes' catalogs knew the dataset: ask again briefly.
        deadline = time.monotonic() + grace
        while True:
            try:
                return self.dataset(ref)
            except NotFound:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)

    def _resumable(self, body: dict[str, Any]) -> dict[str, Any] | None:
        """The caller's open upload of the same name, size and file count, if any."""
        for upload in self.http.json("GET", "/api/v1/uploads"):
            if (
                upload["state"] == "open"
                and upload["name"] == body["name"]
                and upload["totalBytes"] == body["totalBytes"]
                and upload["totalFileCount"] == body["totalFileCount"]
            ):
                return upload
        return None

    def upload_array(
        self,
        data: Any,
        *,
        org: str,
        name: str,
        voxel_size: tuple[float, float, float] | None = None,
        **options: Any,
    ) -> Dataset | dict[str, Any]:
        """Upload a (z, y, x) or (c, z, y, x) numpy, dask or zarr array as a new dataset.

        The array is written slice by slice into a temporary BigTIFF (so a dask
        or zarr array larger than memory is never loaded whole), then uploaded.
        """
        import tifffile

        if data.ndim not in (3, 4):
            raise ClientError(f"expected a 3-D (z,y,x) or 4-D (c,z,y,x) array, got {data.ndim}-D")
        with tempfile.TemporaryDirectory(prefix="voxhub-upload-") as tmp:
            target = Path(tmp) / f"{name}.ome.tif"
            axes = "ZYX" if data.ndim == 3 else "CZYX"
            shape, dtype = tuple(data.shape), np.dtype(data.dtype)

            def planes() -> Any:
                if data.ndim == 3:
                    for z in range(shape[0]):
                        yield np.asarray(data[z])
                else:
                    for c in range(shape[0]):
                        for z in range(shape[1]):
                            yield np.asarray(data[c, z])

            metadata: dict[str, Any] = {"axes": axes}
            if voxel_size is not None:
                metadata.update(
                    PhysicalSizeX=voxel_size[0], PhysicalSizeY=voxel_size[1],
                    PhysicalSizeZ=voxel_size[2],
                )  # fmt: skip
            tifffile.imwrite(
                target, planes(), shape=shape, dtype=dtype, bigtiff=True, ome=True,
                metadata=metadata,
            )  # fmt: skip
            return self.upload(target, org=org, name=name, voxel_size=voxel_size, **options)

    # -- remote sources ---------------------------------------------------------------------

    def explore_remote(
        self,
        url: str,
        credentials: dict[str, str] | None = None,
        name: str | None = None,
        organization: str | None = None,
    ) -> dict[str, Any]:
        """The server's proposed ``datasource-properties.json`` for a remote source
        (``organization``'s stored credentials apply; default: your own)."""
        body = {"url": url, "credentials": credentials, "name": name, "organization": organization}
        return self.http.json("POST", "/api/v1/datasets/explore", json=body)

    def add_remote(
        self,
        url: str | None = None,
        *,
        name: str,
        properties: dict[str, Any] | None = None,
        credentials: dict[str, str] | None = None,
        credential_scope: str = "dataset",
        credential_prefix: str | None = None,
        organization: str | None = None,
    ) -> Dataset:
        """Register a remote source (explored from ``url``, or the reviewed ``properties``)
        as a read-only dataset of your organization (or ``organization``, which you may
        edit); credentials are stored encrypted."""
        body = {
            "name": name, "url": url, "properties": properties, "credentials": credentials,
            "credentialScope": credential_scope, "credentialPrefix": credential_prefix,
            "organization": organization,
        }  # fmt: skip
        added = self.http.json("POST", "/api/v1/datasets/remote", json=body)
        return self.dataset(f"{added['organization']}/{added['name']}")

    def copy_remote(self, ref: str, target: str) -> dict[str, Any]:
        """Start a "make local copy" job of a remote dataset; the job (see ``wait``)."""
        organization, _, name = ref.partition("/")
        path = f"/api/v1/datasets/{quote(organization, safe='')}/{quote(name, safe='')}/copy"
        return self.http.json("POST", path, json={"target": target})

    def remote_credentials(self) -> list[dict[str, Any]]:
        """Your organization's stored credentials (admins): names, kinds, prefixes; no secret."""
        return self.http.json("GET", CREDENTIALS)

    def add_remote_credential(
        self, name: str, url_prefix: str, credentials: dict[str, str], dataset: str | None = None
    ) -> dict[str, Any]:
        """Store credentials for a URL prefix of your organization (or one of its datasets)."""
        body = {"name": name, "urlPrefix": url_prefix, "credentials": credentials,
                "dataset": dataset}  # fmt: skip
        return self.http.json("POST", CREDENTIALS, json=body)

    def rotate_remote_credential(
        self, credential_id: int, credentials: dict[str, str]
    ) -> dict[str, Any]:
        """Replace the secret of stored credentials."""
        path = f"{CREDENTIALS}/{int(credential_id)}"
        return self.http.json("PUT", path, json={"credentials": credentials})

    def remove_remote_credential(self, credential_id: int) -> None:
        self.http.request("DELETE", f"{CREDENTIALS}/{int(credential_id)}")

    # -- jobs -------------------------------------------------------------------------------

    def jobs(self) -> list[dict[str, Any]]:
        return self.http.json("GET", "/api/v1/jobs")

    def job(self, job_id: int) -> dict[str, Any]:
        return self.http.json("GET", f"/api/v1/jobs/{int(job_id)}")

    def cancel(self, job_id: int) -> dict[str, Any]:
        return self.http.json("POST", f"/api/v1/jobs/{int(job_id)}/cancel")

    def wait(self, job_id: int, timeout: float | None = None, poll: float = 0.5) -> dict[str, Any]:
        """Poll until the job ends; its final state, or ``JobFailed``."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            job = self.job(job_id)
            if job["state"] == "succeeded":
                return job
            if job["state"] in ("failed", "cancelled"):
                raise JobFailed(job)
            if deadline is not None and time.monotonic() > deadline:
                raise ClientError(f"job {job_id} still {job['state']} after {timeout} s")
            time.sleep(poll)

    # -- organisation -----------------------------------------------------------------------

    def folders(self) -> list[dict[str, Any]]:
        return self.http.json("GET", "/api/v1/folders/tree")

    def create_folder(self, name: str, parent: int) -> dict[str, Any]:
        return self.http.json("POST", "/api/v1/folders", json={"name": name, "parentId": parent})

    def move(self, datasets: list[str], folder: int) -> list[dict[str, Any]]:
        body = {"datasets": datasets, "folderId": folder}
        return self.http.json("POST", "/api/v1/datasets/move", json=body)

    # -- ISA investigations -----------------------------------------------------------------

    def investigations(self) -> list[dict[str, Any]]:
        return self.http.json("GET", "/api/v1/investigations")

    def export_investigation(self, org: str, identifier: str, format: str = "isa-json") -> bytes:
        path = f"/api/v1/investigations/{quote(org, safe='')}/{quote(identifier, safe='')}/export"
        return self.http.request("GET", path, params={"format": format}).content

    def import_investigation(self, path: str | Path, org: str) -> dict[str, Any]:
        """Import an ISA-JSON file or an ARC zip (by its suffix) into the organization."""
        path = Path(path)
        format = "arc-zip" if path.suffix.lower() == ".zip" else "isa-json"
        return self.http.json(
            "POST",
            "/api/v1/investigations/import",
            params={"organization": org, "format": format},
            content=path.read_bytes(),
        )
