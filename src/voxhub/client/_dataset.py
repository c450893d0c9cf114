"""Datasets and layers as the client sees them, and reading boxes in parallel."""

from __future__ import annotations

import math
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import httpx
import numpy as np

from voxhub.client.errors import BadAnswer

if TYPE_CHECKING:
    from voxhub.client._client import Client

# One request of the parallel read returns at most this many bytes: big enough that
# the per-request cost (~1 ms here, ~100 ms across continents) is amortised, small
# enough that several bands are in flight and memory stays at a few bands.
BAND_BYTES = 32 * 1024 * 1024


def _mag_factors(mag: str | int | tuple[int, ...] | list[int]) -> tuple[int, int, int]:
    if isinstance(mag, int):
        return (mag, mag, mag)
    if isinstance(mag, str):
        parts = [int(p) for p in mag.replace(",", "-").split("-")]
        return (parts[0],) * 3 if len(parts) == 1 else (parts[0], parts[1], parts[2])
    return (int(mag[0]), int(mag[1]), int(mag[2]))


def mag_name(mag: str | int | tuple[int, ...] | list[int]) -> str:
    x, y, z = _mag_factors(mag)
    return str(x) if x == y == z else f"{x}-{y}-{z}"


@dataclass
class Layer:
    """One layer of a dataset: its mags, bounding box (mag-1 voxels, x,y,z) and element class."""

    dataset: Dataset
    name: str
    category: str
    element_class: str
    num_channels: int
    top_left: tuple[int, int, int]
    size: tuple[int, int, int]
    mags: list[str]
    largest_segment_id: int | None
    zarr_path: str

    @classmethod
    def of(cls, dataset: Dataset, body: dict[str, Any]) -> Layer:
        box = body["boundingBox"]
        return cls(
            dataset=dataset,
            name=body["name"],
            category=body["category"],
            element_class=body["elementClass"],
            num_channels=int(body.get("numChannels") or 1),
            top_left=tuple(box["topLeft"]),
            size=(int(box["width"]), int(box["height"]), int(box["depth"])),
            mags=[mag_name(m["mag"]) for m in body["mags"]],
            largest_segment_id=body.get("largestSegmentId"),
            zarr_path=body["zarrUrl"],
        )

    def read(
        self,
        mag: str | int | tuple[int, int, int] = 1,
        offset: tuple[int, int, int] | None = None,
        size: tuple[int, int, int] | None = None,
    ) -> np.ndarray:
        """A box as a (c, z, y, x) array, fetched as z bands in parallel.

        ``offset`` is in mag-1 voxels (x, y, z), ``size`` in voxels of ``mag``
        (x, y, z), as on the server's data route; both default to the layer's
        bounding box. Each band's raw bytes are written into the result as they
        arrive (no copy of the whole answer); an answer of another shape or
        type, or cut short, raises ``BadAnswer`` (or ``TransportError``).
        """
        factors = _mag_factors(mag)
        offset = offset or self.top_left
        if size is None:
            end = [t + s for t, s in zip(self.top_left, self.size, strict=True)]
            size = tuple(  # type: ignore[assignment]
                max(1, math.ceil(e / f) - o // f)
                for e, o, f in zip(end, offset, factors, strict=True)
            )
        assert size is not None
        width, height, depth = size
        dtype = np.dtype(self.element_class)
        plane = max(1, width * height * self.num_channels * dtype.itemsize)
        band = max(1, min(depth, BAND_BYTES // plane))
        starts = list(range(0, depth, band))
        client = self.dataset.client
        out = np.empty((self.num_channels, depth, height, width), dtype=dtype)

        def fetch(start: int) -> None:
            count = min(band, depth - start)
            params = {
                "x": offset[0], "y": offset[1], "z": offset[2] + start * factors[2],
                "width": width, "height": height, "depth": count,
                "mag": mag_name(mag), "format": "raw",
            }  # fmt: skip
            # the answer is (c, count, height, width) in C order: one contiguous run per channel
            runs = [out[c, start : start + count] for c in range(self.num_channels)]
            path = f"{self.data_root}{self.api_path}/data"
            with client.http.stream("GET", path, params=params) as answer:
                shape = (self.num_channels, count, height, width)
                _check_raw(answer, shape, dtype)
                _read_into(answer, [run.data.cast("B") for run in runs])

        with ThreadPoolExecutor(max_workers=client.parallel) as pool:
            for done in pool.map(fetch, starts):
                del done
        return out

    @property
    def api_path(self) -> str:
        return f"{self.dataset.api_path}/layers/{quote(self.name, safe='')}"

    @property
    def data_root(self) -> str:
        """Where the bytes are served: "" (the hub itself) or an external datastore's URL."""
        return self.dataset.info.get("datastoreUrl") or ""

    @property
    def zarr_url(self) -> str:
        """The layer's OME-Zarr URL (on its datastore, if any); a token rides in the path."""
        client = self.dataset.client
        root = self.data_root or client.url
        tail = self.zarr_path.split("/zarr/", 1)[-1].rstrip("/")
        if client.http.token:
            return f"{root}/zarr/token/{client.http.token}/{tail}"
        return f"{root}/zarr/{tail}"

    def open_zarr(self, mag: str | int | tuple[int, int, int] | None = None) -> Any:
        """The layer as a read-only zarr group (or one mag's array) over HTTP."""
        import zarr

        if mag is None:
            return zarr.open_group(self.zarr_url, mode="r")
        return zarr.open_array(f"{self.zarr_url}/{mag_name(mag)}", mode="r")


def _check_raw(answer: httpx.Response, shape: tuple[int, ...], dtype: np.dtype) -> None:
    """The raw answer's declared shape, type and length are those asked for."""
    said = answer.headers.get("x-shape", "")
    if said != ",".join(map(str, shape)) or answer.headers.get("x-dtype") != str(dtype):
        raise BadAnswer(
            f"asked for {shape} {dtype}, the server answered shape {said or '?'} "
            f"{answer.headers.get('x-dtype') or '?'}"
        )
    length = answer.headers.get("content-length")
    if length is not None and length != str(math.prod(shape) * dtype.itemsize):
        raise BadAnswer(f"the answer is {length} bytes, not {math.prod(shape) * dtype.itemsize}")


def _read_into(answer: httpx.Response, targets: Sequence[memoryview]) -> None:
    """Copy the body, as it arrives, into ``targets`` (byte views) one after the other."""
    total = sum(t.nbytes for t in targets)
    queue = iter(targets)
    target, at, got = next(queue, None), 0, 0
    for piece in answer.iter_raw():
        view = memoryview(piece)
        while view:
            if target is None:
                raise BadAnswer(f"the answer holds more than the {total} bytes asked for")
            n = min(len(view), target.nbytes - at)
            target[at : at + n] = view[:n]
            view, at, got = view[n:], at + n, got + n
            if at == target.nbytes:
                target, at = next(queue, None), 0
    if got != total:
        raise BadAnswer(f"the answer ended after {got} of {total} bytes")


@dataclass
class Dataset:
    """A dataset's description as the server gave it; ``refresh()`` asks again."""

    client: Client
    organization: str
    name: str
    info: dict[str, Any]
    layers: dict[str, Layer] = field(default_factory=dict)

    @classmethod
    def of(cls, client: Client, body: dict[str, Any]) -> Dataset:
        dataset = cls(client, body["organization"], body["name"], body)
        dataset.layers = {layer["name"]: Layer.of(dataset, layer) for layer in body["layers"]}
        return dataset

    @property
    def api_path(self) -> str:
        return f"/api/v1/datasets/{quote(self.organization, safe='')}/{quote(self.name, safe='')}"

    @property
    def voxel_size(self) -> tuple[float, float, float]:
        return tuple(self.info["voxelSize"])

    @property
    def tags(self) -> list[str]:
        return list(self.info["tags"])

    def layer(self, name: str) -> Layer:
        return self.layers[name]

    def refresh(self) -> Dataset:
        return self.client.dataset(f"{self.organization}/{self.name}")

    def update(self, **changes: Any) -> Dataset:
        """Change settings (``displayName``, ``description``, ``tags``, ``isPublic``, …)."""
        body = self.client.http.json("PATCH", self.api_path, json=changes)
        return Dataset.of(self.client, body)

    def sharing_link(self) -> str:
        """The dataset's sharing token (created when it has none)."""
        return self.client.http.json("POST", f"{self.api_path}/sharing-token")["sharingToken"]

    def delete(self) -> None:
        """Move the dataset to the trash (restorable for the server's trash period)."""
        self.client.http.request("DELETE", self.api_path, params={"confirm": self.name})
