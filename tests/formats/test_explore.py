"""Exploring remote sources written by ome-zarr-py and tensorstore, served over HTTP."""

from __future__ import annotations

import asyncio
from pathlib import Path
from urllib.parse import urlsplit

import numpy as np
import pytest
import tensorstore as ts
import zarr
from ome_zarr.format import FormatV04, FormatV05
from ome_zarr.writer import write_image, write_labels
from tests.static_server import static_server

from voxhub.formats.explore import NothingFound, explore
from voxhub.storage.errors import UnsafePath
from voxhub.storage.fetch import AllowedHosts, GuardedFetcher

IMAGE = np.random.default_rng(3).integers(0, 200, (1, 40, 64, 96), dtype=np.uint8)


def run_explore(url: str, allowed: bool = True):
    async def run():
        hosts = AllowedHosts.parse([urlsplit(url).netloc]) if allowed else AllowedHosts()
        async with GuardedFetcher(hosts) as fetcher:
            return await explore(fetcher, url)

    return asyncio.run(run())


@pytest.mark.parametrize("fmt", [FormatV04(), FormatV05()], ids=["ngff04-zarr2", "ngff05-zarr3"])
def test_ome_zarr_image_with_labels(tmp_path: Path, fmt):
    root = zarr.open_group(str(tmp_path / "cells.ome.zarr"), mode="w", zarr_format=fmt.zarr_format)
    write_image(
        IMAGE, root, axes="czyx", fmt=fmt, scale_factors=(2, 4),
        scale={"c": 1.0, "z": 0.4, "y": 0.011, "x": 0.011},
        axes_units={"z": "micrometer", "y": "micrometer", "x": "micrometer"},
    )  # fmt: skip
    labels = (IMAGE[0] > 100).astype(np.uint32)
    write_labels(labels, root, name="cells", axes="zyx", fmt=fmt, scale_factors=(2,))
    with static_server(tmp_path) as base:
        found = run_explore(f"{base}/cells.ome.zarr")
    properties = found.properties
    assert properties.scale.factor == pytest.approx((11.0, 11.0, 400.0))
    color, segmentation = properties.data_layers
    assert (color.name, color.category, color.element_class) == ("cells", "color", "uint8")
    assert color.bounding_box.size_xyz == (96, 64, 40)
    assert color.data_format == ("zarr3" if fmt.zarr_format == 3 else "zarr")
    # ome-zarr-py scales x and y only
    assert [m.mag for m in color.mags] == [(1, 1, 1), (2, 2, 1), (4, 4, 1)]
    assert color.mags[0].axis_order == {"c": 0, "z": 1, "y": 2, "x": 3}
    assert color.mags[0].path.startswith(base) and color.mags[0].path.endswith("/s0")
    assert (segmentation.name, segmentation.category) == ("cells_segmentation", "segmentation")
    written = zarr.open_group(str(tmp_path / "cells.ome.zarr" / "labels" / "cells")).attrs
    label_levels = (written.get("ome") or written)["multiscales"][0]["datasets"]
    assert segmentation.element_class == "uint32"
    assert [m.path.rsplit("/", 1)[1] for m in segmentation.mags] == [
        d["path"] for d in label_levels
    ]


def test_n5_multiscale_keeps_its_resolution(tmp_path: Path):
    for level, factor in enumerate((1, 2)):
        path = str(tmp_path / f"v.n5/s{level}")
        ts.open(
            {"driver": "n5", "kvstore": {"driver": "file", "path": path},
             "metadata": {"dimensions": [30 // factor, 20 // factor, 10 // factor],
                          "blockSize": [16, 16, 8], "dataType": "uint16",
                          "compression": {"type": "gzip"}}},
            create=True,
        ).result()  # fmt: skip
    (tmp_path / "v.n5" / "attributes.json").write_text(
        '{"n5": "2.5.0", "resolution": [4.0, 5.0, 30.0], "scales": [[1,1,1],[2,2,2]]}'
    )
    with static_server(tmp_path) as base:
        found = run_explore(f"{base}/v.n5")
    layer = found.properties.data_layers[0]
    assert found.properties.scale.factor == (4.0, 5.0, 30.0)
    assert layer.data_format == "n5" and layer.element_class == "uint16"
    assert layer.bounding_box.size_xyz == (30, 20, 10)
    assert [m.mag for m in layer.mags] == [(1, 1, 1), (2, 2, 2)]


def test_precomputed_volume(tmp_path: Path):
    spec = {
        "driver": "neuroglancer_precomputed",
        "kvstore": {"driver": "file", "path": str(tmp_path / "seg")},
        "multiscale_metadata": {"type": "segmentation", "data_type": "uint32", "num_channels": 1},
        "scale_metadata": {"size": [50, 40, 12], "resolution": [8, 8, 40],
                           "encoding": "raw", "chunk_size": [32, 32, 8]},
    }  # fmt: skip
    volume = ts.open(spec, create=True).result()
    volume[...] = np.ones((50, 40, 12, 1), dtype=np.uint32)
    with static_server(tmp_path) as base:
        found = run_explore(f"{base}/seg")
    layer = found.properties.data_layers[0]
    assert layer.category == "segmentation" and layer.data_format == "neuroglancerPrecomputed"
    assert layer.bounding_box.size_xyz == (50, 40, 12)
    assert found.properties.scale.factor == (8.0, 8.0, 40.0)


def test_refusals(tmp_path: Path):
    (tmp_path / "nothing").mkdir()
    with static_server(tmp_path) as base:
        with pytest.raises(NothingFound):
            run_explore(f"{base}/nothing")
        with pytest.raises(UnsafePath):  # the guard: loopback is not allowed by default
            run_explore(f"{base}/nothing", allowed=False)
