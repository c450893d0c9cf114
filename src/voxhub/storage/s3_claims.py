"""Claims on a dataset key in a bucket: a lease a writer renews while it uploads.

A writer publishing to S3 first creates ``<key>/.voxhub-claim.json`` (a
conditional PUT, so of two writers exactly one gets it). The claim names its
writer (host, process, job), its ``lease`` in seconds and a ``beat`` that changes
at every renewal: while the writer lives, a thread rewrites the claim every third
of the lease (``If-Match`` on the claim's own ETag), so the object's
``Last-Modified`` stays fresh.

A claim is dead when it has not been renewed for longer than its lease (its
writer crashed or hung, on whatever host), or at once when its writer was a
process of this host that is gone. A dead claim is taken over at any time, not
only at start-up, and atomically: the new writer overwrites it with ``If-Match``
on the dead claim's ETag, so of two writers taking over exactly one succeeds.
A writer whose renewal finds its claim gone or changed has lost it
(``ClaimLease.lost``) and must not publish.

The lease is judged from the bucket's clock (``Last-Modified``) against this
host's: it should be long against the clock skew between hosts (default 60 s).
"""

from __future__ import annotations

import json
import socket
import threading
import time
from typing import Any

import obstore
from obstore.exceptions import AlreadyExistsError, NotFoundError, PreconditionError
from obstore.store import S3Store

from voxhub.storage.errors import AlreadyExists
from voxhub.storage.local import process_alive

CLAIM_SECONDS = 60.0
# Last-Modified counts whole seconds: a claim renewed 0.9 s ago may look 1.9 s old.
STAMP_SECONDS = 1.0
# A claim's own lease is believed up to this (a claim cannot hold a name for days).
MOST_SECONDS = 3600.0


class ClaimLease:
    """A claim held by this writer, renewed by a thread until ``release``."""

    def __init__(
        self, objects: S3Store, claim: str, owner: dict[str, Any], etag: str, seconds: float
    ) -> None:
        self.objects, self.claim, self.owner, self.seconds = objects, claim, owner, seconds
        self.etag = etag
        self.lost = False
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, name="voxhub-claim", daemon=True)
        self._thread.start()

    def renew(self) -> bool:
        """Rewrite the claim if it is still this writer's; whether it is."""
        with self._lock:
            if self.lost:
                return False
            try:
                body = _body(self.owner, self.seconds)
                done = obstore.put(self.objects, self.claim, body, mode={"e_tag": self.etag})
            except (PreconditionError, NotFoundError, FileNotFoundError):
                self.lost = True  # taken over (or removed): another writer owns the name now
                return False
            except Exception:  # noqa: BLE001 (a failed request: try again at the next beat)
                return True
            self.etag = done["e_tag"] or self.etag
            return True

    def release(self) -> None:
        """Stop renewing and remove the claim, unless another writer took it over."""
        self._stop.set()
        self._thread.join()
        with self._lock:
            if not self.lost:
                obstore.delete(self.objects, self.claim)

    def _beat(self) -> None:
        while not self._stop.wait(self.seconds / 3):
            if not self.renew():
                return


def acquire(
    objects: S3Store, claim: str, owner: dict[str, Any], seconds: float = CLAIM_SECONDS
) -> ClaimLease:
    """Claim a key for ``owner``, taking a dead claim over; ``AlreadyExists`` when a live
    writer holds it."""
    for _attempt in range(3):
        try:
            done = obstore.put(objects, claim, _body(owner, seconds), mode="create")
            return ClaimLease(objects, claim, owner, done["e_tag"] or "", seconds)
        except (AlreadyExistsError, PreconditionError):
            pass
        dead = dead_claim(objects, claim, seconds)
        if dead is None:
            break
        if dead == "":
            continue  # released meanwhile: create it again
        try:
            done = obstore.put(objects, claim, _body(owner, seconds), mode={"e_tag": dead})
        except (PreconditionError, NotFoundError, FileNotFoundError):
            continue  # renewed, released or taken over by another writer meanwhile: look again
        return ClaimLease(objects, claim, owner, done["e_tag"] or "", seconds)
    name = claim.rsplit("/", 2)[-2]
    raise AlreadyExists(f"{name} is being published by another writer")


def dead_claim(objects: S3Store, claim: str, seconds: float = CLAIM_SECONDS) -> str | None:
    """The ETag of the claim when it is dead, ``""`` when there is none, ``None`` when a live
    writer holds it (``seconds``: the lease of a claim that does not name its own)."""
    try:
        got = obstore.get(objects, claim)
        raw = bytes(got.bytes())
    except (NotFoundError, FileNotFoundError):
        return ""
    meta = got.meta
    try:
        holder = json.loads(raw)
    except ValueError:
        holder = None
    holder = holder if isinstance(holder, dict) else {}
    lease = holder.get("lease")
    if not isinstance(lease, int | float) or not 0 < lease <= MOST_SECONDS:
        lease = seconds
    age = time.time() - meta["last_modified"].timestamp()
    pid = holder.get("pid")
    gone = (
        holder.get("host") == socket.gethostname()
        and isinstance(pid, int)
        and pid > 0
        and not process_alive(pid)
    )
    if age > lease + STAMP_SECONDS or gone:
        return str(meta.get("e_tag") or "") or None
    return None


def _body(owner: dict[str, Any], seconds: float) -> bytes:
    return json.dumps({**owner, "lease": seconds, "beat": time.time()}).encode()


__all__ = ["CLAIM_SECONDS", "ClaimLease", "acquire", "dead_claim"]
