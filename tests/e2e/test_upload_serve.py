"""A browser-style upload to a real ``voxhub serve``, converted by its in-process worker."""

import io
import time

import httpx
import numpy as np
import pytest
import tifffile
from tests.helpers import volume
from tests.uploads.resumable import auth, reserve, send, zipped

from voxhub.testing import start_server

pytestmark = pytest.mark.e2e
ORG = "sample_organization"


def test_upload_is_converted_by_the_servers_own_worker(tmp_path):
    data = volume((12, 48, 40))
    (tmp_path / "in").mkdir()
    tifffile.imwrite(tmp_path / "in" / "stack.tif", data)
    archive = zipped(tmp_path / "in")
    server = start_server(tmp_path / "data", {"VOXHUB_SAMPLE": "false", "VOXHUB_WORKERS": "1"})
    try:
        token = server.admin_token
        with httpx.Client(base_url=server.url, timeout=30) as client:
            created = reserve(client, token, "uploaded", 1, len(archive), organization=ORG)
            assert created.status_code == 201, created.text
            upload_id = created.json()["uploadId"]
            send(client, token, upload_id, "stack.zip", archive)
            finished = client.post(f"/api/v1/uploads/{upload_id}/finish", headers=auth(token))
            job_url = f"/api/v1/jobs/{finished.json()['jobId']}"
            deadline = time.monotonic() + 60
            while (job := client.get(job_url, headers=auth(token)).json())["state"] in (
                "queued",
                "running",
            ):
                assert time.monotonic() < deadline, job
                time.sleep(0.2)
            assert job["state"] == "succeeded", job["error"]
            for _ in range(50):  # the catalog map refreshes within access_cache_seconds
                box = client.get(
                    f"/api/v1/datasets/{ORG}/uploaded/layers/color/data",
                    params={"width": 40, "height": 48, "depth": 12, "format": "npy"},
                    headers=auth(token),
                )
                if box.status_code != 404:
                    break
                time.sleep(0.1)
            assert box.status_code == 200, box.text
            got = np.load(io.BytesIO(box.content))
            assert np.array_equal(got[0], data)
    finally:
        server.stop()
