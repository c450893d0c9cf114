"""A remote sharded Zarr v3 source serving a cut Blosc chunk: box reads (zarr-python's
sharded path) answer a JSON error, and the server stays up and serves other boxes."""

from __future__ import annotations

import numpy as np
import zarr
from ome_zarr.format import FormatV05
from ome_zarr.writer import write_image
from tests.api.test_remote_layers import IMAGE, admin_client, auth, register
from tests.arrays.test_bloscheck import cut_shard_chunk
from tests.static_server import static_server
from zarr.codecs import BloscCodec


def test_a_cut_chunk_in_a_remote_shard_is_a_json_error_and_the_server_lives(settings, tmp_path):
    root = zarr.open_group(str(tmp_path / "src" / "cells.ome.zarr"), mode="w")
    write_image(IMAGE, root, axes="czyx", fmt=FormatV05(), scale_factors=(2,),
                storage_options={"chunks": (1, 8, 16, 16), "shards": (1, 16, 32, 32),
                                 "compressors": [BloscCodec(cname="lz4")]})  # fmt: skip
    # the shard at z 0-16, y 0-32, x 0-32: its last inner chunk (z 8-16, y 16-32, x 16-32) cut
    assert zarr.open_array(tmp_path / "src/cells.ome.zarr/s0").compressors[0].cname.name == "lz4"
    cut_shard_chunk(tmp_path / "src/cells.ome.zarr/s0/c/0/0/0/0", 8, 20)
    box = "/api/v1/datasets/lab/borrowed/layers/cells/data"
    with (
        static_server(tmp_path / "src") as base,
        admin_client(settings, base) as (client, token),
    ):
        assert register(client, token, f"{base}/cells.ome.zarr").status_code == 201
        answer = client.get(box, params={"width": 40, "height": 48, "depth": 20},
                            headers=auth(token))  # fmt: skip
        assert answer.status_code in (400, 502), answer.text
        assert answer.json()["error"] == "bad_chunk"
        assert "Blosc chunk whose header does not match its length" in answer.json()["detail"]
        # still alive: a box of whole chunks reads the source's voxels
        whole = client.get(box, params={"width": 16, "height": 16, "depth": 8},
                           headers=auth(token))  # fmt: skip
        assert whole.status_code == 200, whole.text
    got = np.frombuffer(whole.content, np.uint8)
    assert np.array_equal(got, IMAGE[0, :8, :16, :16].ravel())
