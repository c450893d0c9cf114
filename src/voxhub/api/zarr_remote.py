"""``/zarr`` for remote layers: the source's objects proxied under voxhub's layout.

A remote layer's mags live at URLs the source chose (``…/img.zarr/s0``); on
``/zarr`` they appear as voxhub names them (``<layer>/1``, ``<layer>/2-2-1``)
below a layer group whose NGFF metadata voxhub writes from the catalog, so a
client sees a remote layer exactly as a hosted one. Array metadata and chunk
keys below a mag are passed through unchanged (the same Zarr format, the
same chunk key encoding); N5 and Neuroglancer precomputed mags, which no
Zarr client reads, are shown as Zarr v3 arrays (``arrays/as_zarr.py``).
Each object is fetched after the same ``can()`` check as a hosted chunk,
through the layer's ``RemoteStore`` (SSRF guard, the dataset's credentials,
chunk cache, coalescing) — credentials never reach the client.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from typing import Any

from fastapi import Request, Response
from fastapi.responses import JSONResponse

from voxhub.api.errors import error_response, status_for
from voxhub.api.zarr_http import range_problem, range_refusal, single_range
from voxhub.arrays import as_zarr as rekey
from voxhub.arrays.errors import chunk_faults
from voxhub.arrays.mag import Mag
from voxhub.catalog.index import DatasetEntry, LayerEntry
from voxhub.errors import VoxhubError
from voxhub.formats.paths import is_remote
from voxhub.formats.properties import MagEntry
from voxhub.storage._remote import RemoteStore

SPACE = ("x", "y", "z")


def is_remote_layer(layer: LayerEntry) -> bool:
    return any(is_remote(entry.path or "") for entry in layer.mags)


def _mag_urls(layer: LayerEntry) -> dict[str, tuple[Mag, MagEntry]]:
    return {e.level.to_layer_name(): (e.level, e) for e in layer.mags}


def _axes(order: dict[str, int], unit: str) -> list[dict[str, str]]:
    rank = max(order.values(), default=-1) + 1
    by_index = {index: name for name, index in order.items() if index >= 0}
    axes = []
    for index in range(rank):
        name = by_index.get(index) or ("t" if index == 0 else f"dim_{index}")
        axis = {"name": name, "type": "space" if name in SPACE else "channel"}
        if name == "t":
            axis["type"] = "time"
        elif name.startswith("dim_"):
            axis.pop("type")
        if name in SPACE:
            axis["unit"] = unit
        axes.append(axis)
    return axes


def layer_group(entry: DatasetEntry, layer: LayerEntry) -> dict[str, Any]:
    """The NGFF multiscales of a remote layer, its levels named by mag."""
    mags = sorted(_mag_urls(layer).items(), key=lambda item: item[1][0].x * item[1][0].y)
    first_order = mags[0][1][1].axis_order or {"z": 0, "y": 1, "x": 2}
    axes = _axes(first_order, entry.unit)
    voxel = dict(zip(SPACE, entry.voxel_size, strict=False))
    datasets = []
    for name, (mag, _) in mags:
        factor = dict(zip(SPACE, mag.to_list(), strict=True))
        scale = [voxel.get(a["name"], 1.0) * factor.get(a["name"], 1) for a in axes]
        datasets.append(
            {"path": name, "coordinateTransformations": [{"type": "scale", "scale": scale}]}
        )
    return {"name": layer.name, "axes": axes, "datasets": datasets}


def _json(document: dict[str, Any], headers: dict[str, str]) -> JSONResponse:
    return JSONResponse(document, headers=headers)


class _Proxied(Response):
    """One remote object, fetched when the response is sent (in the server's event loop)."""

    def __init__(self, store: RemoteStore, key: str, headers: dict[str, str]) -> None:
        super().__init__(status_code=200)
        self.store, self.key = store, key
        self.fixed = {k.lower(): v for k, v in headers.items()}  # sent as they are (no length yet)

    async def load(self) -> bytes | None:
        """The object's bytes (``None``: there is no such key)."""
        return await self.store.fetch(self.key)

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        cors = {k: v for k, v in self.fixed.items() if k.startswith("access-control")}
        try:
            body = await self.load()
        except VoxhubError as exc:
            response: Response = error_response(status_for(exc), exc.code, exc.detail)
            response.headers.update(cors)
            await response(scope, receive, send)
            return
        if body is None:
            missing = error_response(404, "not_found", "no such key")
            missing.headers.update(cors)
            await missing(scope, receive, send)
            return
        etag = '"' + hashlib.blake2b(body, digest_size=12).hexdigest() + '"'
        request = Request(scope)
        headers = [(k.encode(), v.encode()) for k, v in self.fixed.items()]
        headers += [(b"etag", etag.encode()), (b"accept-ranges", b"bytes")]
        tags = {
            t.strip().removeprefix("W/")
            for t in request.headers.get("if-none-match", "").split(",")
        }  # no If-Modified-Since: a remote object's time is unknown
        if etag in tags or "*" in tags:
            await send({"type": "http.response.start", "status": 304, "headers": headers})
            await send({"type": "http.response.body", "body": b""})
            return
        status, size = 200, len(body)
        if "range" in request.headers and scope["method"] == "GET":
            # as for hosted chunks: the object (cached, coalesced) is cut, not fetched again
            problem = range_problem(request.headers["range"], size)
            if problem is not None and not isinstance(problem, str):
                await range_refusal(problem, size)(scope, receive, send)
                return
            span = single_range(request.headers["range"], size) if problem is None else None
            if span is not None:
                status, body = 206, body[span[0] : span[1]]
                headers.append((b"content-range", f"bytes {span[0]}-{span[1] - 1}/{size}".encode()))
        headers.append((b"content-length", str(len(body)).encode()))
        headers.append((b"content-type", _media(self.key).encode()))
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send(
            {"type": "http.response.body", "body": b"" if scope["method"] == "HEAD" else body}
        )


def _media(key: str) -> str:
    name = key.rsplit("/", 1)[-1]
    return (
        "application/json"
        if name in ("zarr.json", ".zarray", ".zattrs", ".zgroup")
        else ("application/octet-stream")
    )


class _Rekeyed(_Proxied):
    """An N5 / precomputed mag shown as a Zarr v3 array (``as_zarr``): its ``zarr.json``
    written by voxhub, each chunk the source's block decoded, padded and re-encoded."""

    def __init__(
        self,
        layer: LayerEntry,
        url: str,
        parts: list[str],
        headers: dict[str, str],
        names: list[str],
    ) -> None:
        super().__init__(None, "/".join(parts), headers)  # type: ignore[arg-type]
        self.layer, self.url, self.parts, self.names = layer, url, parts, names

    async def load(self) -> bytes | None:
        remote = self.layer.remote
        assert remote is not None  # checked by serve_remote
        array = await asyncio.to_thread(remote.open_array, self.layer, self.url)
        if self.parts == ["zarr.json"]:
            return json.dumps(rekey.array_document(array, self.names)).encode()
        coords = rekey.chunk_coords(array, self.parts)
        if coords is None:
            return None
        # fetched on this loop (the store's cache and coalescing apply), decoded in a thread;
        # a block (or shard) the source sent that cannot be read is its fault: 502
        with chunk_faults(remote=True):
            raw = await array.fetch_block(coords)
            return await asyncio.to_thread(rekey.encode_chunk, array, coords, raw)


def serve_remote(
    entry: DatasetEntry,
    layer: LayerEntry,
    parts: list[str],
    headers: dict[str, str],
    not_found: Any,
) -> Response:
    """``parts`` below the layer (``["zarr.json"]``, ``["1", "c", "0", "0"]``)."""
    rekeyed = layer.data_format in rekey.FORMATS
    if layer.data_format not in ("zarr", "zarr3") and not rekeyed:
        return not_found(f"remote {layer.data_format} layers are not served as Zarr")
    v3 = layer.data_format != "zarr"
    group = layer_group(entry, layer)
    if len(parts) == 1:
        if v3 and parts[0] == "zarr.json":
            ome = {"version": "0.5", "multiscales": [group]}
            return _json(
                {"zarr_format": 3, "node_type": "group", "attributes": {"ome": ome}}, headers
            )
        if not v3 and parts[0] == ".zgroup":
            return _json({"zarr_format": 2}, headers)
        if not v3 and parts[0] == ".zattrs":
            return _json({"multiscales": [{"version": "0.4", **group}]}, headers)
        return not_found("no such key")
    mags = _mag_urls(layer)
    if parts[0] not in mags or layer.remote is None:
        return not_found("no such key")
    _, mag_entry = mags[parts[0]]
    if mag_entry.path is None:  # registration refuses such remote mags; a row may predate it
        return not_found("no such key")
    if rekeyed:
        names = [axis["name"] for axis in group["axes"]]
        return _Rekeyed(layer, mag_entry.path, parts[1:], headers, names)
    store = layer.remote.store(layer.organization_id, layer.dataset_id, mag_entry.path)
    return _Proxied(store, "/".join(parts[1:]), headers)


__all__ = ["is_remote_layer", "layer_group", "serve_remote"]
