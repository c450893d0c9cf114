"""Chunks a remote source sends that cannot be decoded (a cut Blosc chunk in a shard,
Zstd garbage, chunks cut short, a corrupt N5 block) are the source's fault: every surface
that decodes them (box, thumbnail, /zarr where N5 is re-keyed) answers a JSON 502
``remote_bad_chunk``, and the server stays up. A hosted layer's corrupt chunk is a 400
``bad_chunk``, as a corrupt upload is."""

from __future__ import annotations

import tracemalloc

import numcodecs
import numpy as np
import pytest
import zarr
from ome_zarr.format import FormatV04, FormatV05
from ome_zarr.writer import write_image
from tests.api.test_remote_layers import IMAGE, admin_client, auth, register
from tests.arrays.test_bloscheck import cut_shard_chunk
from tests.arrays.test_n5 import write_n5
from tests.helpers import add_dataset, write_ome_cells
from tests.static_server import static_server
from zarr.codecs import BloscCodec

BOX = "/api/v1/datasets/lab/borrowed/layers/cells/data"
THUMBNAIL = "/api/v1/datasets/lab/borrowed/layers/cells/thumbnail.png"
WHOLE = {"width": 40, "height": 48, "depth": 20}
SMALL = {"width": 8, "height": 8, "depth": 4}


def _is_remote_bad_chunk(answer, says: str = "") -> None:
    assert answer.status_code == 502, answer.text
    assert answer.json()["error"] == "remote_bad_chunk"
    assert "the remote source sent" in answer.json()["detail"]
    assert says in answer.json()["detail"]


def test_a_cut_chunk_in_a_remote_shard_is_a_json_error_and_the_server_lives(settings, tmp_path):
    root = zarr.open_group(str(tmp_path / "src" / "cells.ome.zarr"), mode="w")
    write_image(IMAGE, root, axes="czyx", fmt=FormatV05(), scale_factors=(2,),
                storage_options={"chunks": (1, 8, 16, 16), "shards": (1, 16, 32, 32),
                                 "compressors": [BloscCodec(cname="lz4")]})  # fmt: skip
    # the shard at z 0-16, y 0-32, x 0-32: its last inner chunk (z 8-16, y 16-32, x 16-32) cut
    assert zarr.open_array(tmp_path / "src/cells.ome.zarr/s0").compressors[0].cname.name == "lz4"
    cut_shard_chunk(tmp_path / "src/cells.ome.zarr/s0/c/0/0/0/0", 8, 20)
    with (
        static_server(tmp_path / "src") as base,
        admin_client(settings, base) as (client, token),
    ):
        assert register(client, token, f"{base}/cells.ome.zarr").status_code == 201
        answer = client.get(BOX, params=WHOLE, headers=auth(token))
        _is_remote_bad_chunk(answer, "Blosc chunk whose header does not match its length")
        # still alive: a box of whole chunks reads the source's voxels
        whole = client.get(BOX, params={"width": 16, "height": 16, "depth": 8},
                           headers=auth(token))  # fmt: skip
        assert whole.status_code == 200, whole.text
    got = np.frombuffer(whole.content, np.uint8)
    assert np.array_equal(got, IMAGE[0, :8, :16, :16].ravel())


@pytest.mark.parametrize("fmt", [FormatV04(), FormatV05()], ids=["v2", "v3"])
@pytest.mark.parametrize("damage", ["garbage", "cut"])
def test_corrupt_remote_chunks_are_a_502_on_box_and_thumbnail(settings, tmp_path, fmt, damage):
    write_ome_cells(tmp_path / "src", IMAGE, fmt)
    for chunk in (tmp_path / "src" / "cells.ome.zarr").rglob("*"):
        if chunk.is_file() and chunk.name[0].isdigit():  # chunks, not metadata
            raw = chunk.read_bytes()
            chunk.write_bytes(raw[:4] + bytes(range(200)) if damage == "garbage" else raw[:-9])
    with (
        static_server(tmp_path / "src") as base,
        admin_client(settings, base) as (client, token),
    ):
        assert register(client, token, f"{base}/cells.ome.zarr").status_code == 201
        _is_remote_bad_chunk(client.get(BOX, params=WHOLE, headers=auth(token)), "Zstd")
        _is_remote_bad_chunk(client.get(THUMBNAIL, params={"size": 16}, headers=auth(token)))


@pytest.mark.parametrize("fmt", [FormatV04(), FormatV05()], ids=["v2", "v3"])
def test_a_decompression_bomb_from_a_remote_source_is_a_502_without_its_memory(
    settings, tmp_path, fmt
):
    """Every chunk replaced by 8 kB of Zstd that decodes to 64 MB: refused by the frame's
    header before anything is allocated, on the box route and on thumbnails."""
    write_ome_cells(tmp_path / "src", IMAGE, fmt)
    bomb = numcodecs.Zstd().encode(bytes(64 * 2**20))
    for chunk in (tmp_path / "src" / "cells.ome.zarr").rglob("*"):
        if chunk.is_file() and chunk.name[0].isdigit():
            chunk.write_bytes(bomb)
    with (
        static_server(tmp_path / "src") as base,
        admin_client(settings, base) as (client, token),
    ):
        assert register(client, token, f"{base}/cells.ome.zarr").status_code == 201
        tracemalloc.start()
        try:
            box = client.get(BOX, params=WHOLE, headers=auth(token))
            thumbnail = client.get(THUMBNAIL, params={"size": 16}, headers=auth(token))
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
    _is_remote_bad_chunk(box, "says it decodes to 67108864 bytes")
    _is_remote_bad_chunk(thumbnail, "says it decodes to 67108864 bytes")
    assert peak < 32 * 2**20, peak


def test_a_corrupt_remote_n5_block_is_a_502_on_zarr_and_box(settings, tmp_path):
    write_n5(tmp_path / "src" / "em.n5", {"type": "gzip"})
    block = tmp_path / "src" / "em.n5" / "0" / "0" / "0"
    raw = block.read_bytes()
    block.write_bytes(raw[:16] + b"not gzip at all" * 4)  # the block header, then garbage
    with (
        static_server(tmp_path / "src") as base,
        admin_client(settings, base) as (client, token),
    ):
        added = register(client, token, f"{base}/em.n5", name="em")
        assert added.status_code == 201, added.text
        layer = added.json()["layers"][0]
        chunk = client.get(f"/zarr/lab/em/{layer}/1/c/0/0/0", headers=auth(token))
        _is_remote_bad_chunk(chunk)
        box = f"/api/v1/datasets/lab/em/layers/{layer}/data"
        _is_remote_bad_chunk(client.get(box, params=SMALL, headers=auth(token)))
        fine = client.get(f"/zarr/lab/em/{layer}/1/c/1/0/0", headers=auth(token))
        assert fine.status_code == 200, fine.text


def test_a_corrupt_hosted_chunk_is_a_400_bad_chunk(hub, client, admin_token, settings):
    add_dataset(hub, "lab", "hosted")
    chunks = [p for p in (settings.binary_data / "lab" / "hosted").rglob("*")
              if p.is_file() and p.name[0].isdigit()]  # fmt: skip
    for chunk in chunks:  # the header and block table kept, the compressed stream zeroed
        raw = chunk.read_bytes()
        chunk.write_bytes(raw[:64] + bytes(len(raw) - 64))
    box = "/api/v1/datasets/lab/hosted/layers/color/data"
    answer = client.get(box, params=SMALL, headers=auth(admin_token))
    assert chunks and answer.status_code == 400, answer.text
    assert answer.json()["error"] == "bad_chunk"
    assert "cannot be decoded" in answer.json()["detail"]
