"""The node's beat: register the datasets it holds with the hub, then beat.

Every ``VOXHUB_DATASTORE_HEARTBEAT_SECONDS`` the node tells the hub it is
alive and, when its catalog changed since the last registration (a scan found
a new folder, one vanished) or a while passed, sends the whole list again: name, layers and
``datasource-properties.json`` of each active dataset. The hub answers with the
access-cache lifetime it wants nodes to use.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
import time
from typing import Any

from voxhub.catalog.index import CatalogIndex
from voxhub.catalog.register import describe_folder
from voxhub.datastore.errors import HubRefused, HubUnreachable
from voxhub.datastore.link import HubLink

log = logging.getLogger("voxhub.datastore")
RESEND_SECONDS = 600.0
RETRY_REFUSED_SECONDS = 60.0


def listing(index: CatalogIndex) -> list[dict[str, Any]]:
    """What the node holds, as the hub's registration route reads it."""
    found = []
    for entry in sorted(index.all(), key=lambda e: (e.organization, e.name)):
        if entry.status != "active":
            continue
        try:
            properties = describe_folder(entry.path)
        except Exception:  # noqa: BLE001  (a folder changing under us is registered next beat)
            continue
        found.append(
            {"organization": entry.organization, "name": entry.name,
             "properties": properties.to_json()}
        )  # fmt: skip
    return found


class DatastoreNode:
    def __init__(self, link: HubLink, index: CatalogIndex, url: str, every: float) -> None:
        self.link = link
        self.index = index
        self.url = url
        self.every = every
        self._sent = ""  # digest of the last listing the hub accepted
        self._when = float("-inf")  # when it was sent
        self._refused: dict[str, str] = {}
        self._stop = threading.Event()

    def beat(self) -> None:
        """One heartbeat, and a registration when the listing changed."""
        self.link.call("POST", "heartbeat", json={"url": self.url})
        current = listing(self.index)
        digest = hashlib.sha256(json.dumps(current, sort_keys=True).encode()).hexdigest()
        # Unchanged lists are sent again now and then: what the hub refused (an
        # organization it did not have yet) or lost (a restored backup) comes back.
        again = RETRY_REFUSED_SECONDS if self._refused else RESEND_SECONDS
        if digest == self._sent and time.monotonic() - self._when < again:
            return
        result = self.link.call("PUT", "datasets", json={"datasets": current})
        self._refused = dict(result.get("refused", {}))
        for key, reason in self._refused.items():
            log.warning("the hub refused %s: %s", key, reason)
        self._sent, self._when = digest, time.monotonic()

    def start(self) -> DatastoreNode:
        threading.Thread(target=self._run, name="datastore-beat", daemon=True).start()
        return self

    def _run(self) -> None:
        while True:
            try:
                self.beat()
            except (HubUnreachable, HubRefused) as exc:
                log.warning("datastore heartbeat: %s", exc.detail)
            except Exception:  # keep beating; the next one may succeed
                log.exception("datastore heartbeat failed")
            if self._stop.wait(self.every):
                return

    def stop(self) -> None:
        self._stop.set()
