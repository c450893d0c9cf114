"""Claims on an S3 dataset key are leases (moto): a crashed writer's claim, from any host, is
taken over once its lease ran out, at any time; a live writer's claim, renewed while it
uploads, never is; a writer whose claim was taken over does not publish."""

from __future__ import annotations

import asyncio
import json
import threading
import time
import uuid
from pathlib import Path

import obstore
import pytest

from voxhub.storage.errors import AlreadyExists
from voxhub.storage.s3 import CLAIM, PUBLISHED, S3DataStore
from voxhub.storage.s3_claims import acquire, dead_claim

LEASE = 1.0


@pytest.fixture
def stores(moto_server, monkeypatch):
    """Two writers' views of one fresh bucket (as two hosts would have), with short leases."""
    for name, value in moto_server.env.items():
        monkeypatch.setenv(name, value)
    bucket = f"voxhub-{uuid.uuid4().hex[:12]}"
    moto_server.create_bucket(bucket)
    url = f"s3://{bucket}/hub"
    return tuple(
        S3DataStore(url, endpoint_url=moto_server.url, claim_seconds=LEASE) for _ in range(2)
    )


def built(tmp_path: Path, writer: str) -> Path:
    folder = tmp_path / writer
    (folder / "color").mkdir(parents=True, exist_ok=True)
    (folder / "zarr.json").write_text(json.dumps({"writer": writer}))
    (folder / "color" / "zarr.json").write_text("{}")
    return folder


def crashed_claim(store: S3DataStore, key: str, lease: float) -> None:
    """The claim a writer on another host left when it crashed mid-upload."""
    holder = {"host": "another-host", "pid": 4242, "job": None, "target": key, "lease": lease}
    obstore.put(store.objects, f"{key}/{CLAIM}", json.dumps(holder).encode())
    obstore.put(store.objects, f"{key}/color/c/0", b"half of a dead upload")


def test_a_crashed_writers_claim_from_another_host_is_taken_over_after_its_lease(stores, tmp_path):
    first, _ = stores
    crashed_claim(first, "lab/ds", lease=3.0)
    with pytest.raises(AlreadyExists, match="another writer"):  # still within its lease
        first.publish(built(tmp_path, "a"), "lab/ds")
    time.sleep(4.5)  # no start-up clean-up runs: the next writer takes it over by itself
    first.publish(built(tmp_path, "a"), "lab/ds")
    assert json.loads(first.read("lab/ds/zarr.json")) == {"writer": "a"}
    assert first.read("lab/ds/color/c/0") is None  # the dead writer's half upload is gone
    assert not first.exists(f"lab/ds/{CLAIM}") and first.is_published("lab/ds")


def test_a_live_writers_claim_is_renewed_and_never_stolen(stores, tmp_path):
    first, second = stores
    uploading = threading.Event()
    original = first._upload

    async def slow_upload(folder: Path, key: str) -> None:
        uploading.set()
        await asyncio.sleep(6 * LEASE)  # far longer than the lease: only renewals keep the claim
        await original(folder, key)

    first._upload = slow_upload  # type: ignore[method-assign]
    errors: list[BaseException] = []

    def write() -> None:
        try:
            first.publish(built(tmp_path, "a"), "lab/ds")
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    writer = threading.Thread(target=write)
    writer.start()
    assert uploading.wait(30)
    refused = 0
    for _ in range(3):
        time.sleep(LEASE)
        assert dead_claim(second.objects, f"lab/ds/{CLAIM}", LEASE) is None, (refused, errors)
        with pytest.raises(AlreadyExists, match="another writer"):
            second.publish(built(tmp_path, f"b{refused}"), "lab/ds")
        refused += 1
    writer.join(60)
    assert errors == [] and refused == 3
    assert json.loads(second.read("lab/ds/zarr.json")) == {"writer": "a"}
    assert not second.exists(f"lab/ds/{CLAIM}")


def test_a_writer_whose_claim_was_taken_over_does_not_publish(stores, tmp_path):
    first, second = stores
    lease = acquire(first.objects, f"lab/ds/{CLAIM}", {"host": "h", "pid": 1}, LEASE)
    lease._stop.set()  # the writer hangs: no more renewals
    lease._thread.join()
    time.sleep(LEASE + 1.5)
    taker = acquire(second.objects, f"lab/ds/{CLAIM}", {"host": "h2", "pid": 2}, LEASE)
    assert not lease.renew() and lease.lost  # it learns it lost the name
    lease.release()  # and leaves the taker's claim alone
    assert second.exists(f"lab/ds/{CLAIM}")
    taker.release()
    assert not second.exists(f"lab/ds/{CLAIM}") and not second.exists(f"lab/ds/{PUBLISHED}")


def test_start_up_clean_up_leaves_a_live_claimers_objects(stores, tmp_path):
    """A dead writer's staging record names a key that a live writer claims now: the
    clean-up leaves that key alone (it would delete the live writer's upload)."""
    first, second = stores
    record = {"host": "another-host", "pid": 4242, "job": None, "target": "lab/ds"}
    obstore.put(first.meta, ".staging/dead.json", json.dumps(record).encode())
    lease = acquire(second.objects, f"lab/ds/{CLAIM}", {"host": "h2", "pid": 2}, LEASE)
    try:
        obstore.put(second.objects, "lab/ds/zarr.json", b"{}")
        assert first.clean_staging(lambda owner, age: False) == 1
        assert first.exists("lab/ds/zarr.json")
    finally:
        lease.release()
