"""The node's beat: register the datasets it holds with the hub, then beat.

Every ``VOXHUB_DATASTORE_HEARTBEAT_SECONDS`` the node tells the hub it is
alive and, when its catalog changed since the last registration (a scan found
a new folder, one vanished), sends the whole list again: name, layers and
``datasource-properties.json`` of each active dataset. The hub answers with the
access-cache lifetime it wants nodes to use.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
from typing import Any

from voxhub.catalog.index import CatalogIndex
from voxhub.catalog.register import describe_folder
from voxhub.datastore.errors import HubRefused, HubUnreachable
from voxhub.datastore.link import HubLink

log = logging.getLogger("voxhub.datastore")


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
        self._stop = threading.Event()

    def beat(self) -> None:
        """One heartbeat, and a registration when the listing changed."""
        self.link.call("POST", "heartbeat", json={"url": self.url})
        current = listing(self.index)
        digest = hashlib.sha256(json.dumps(current, sort_keys=True).encode()).hexdigest()
        if digest == self._sent:
            return
        result = self.link.call("PUT", "datasets", json={"datasets": current})
        for key, reason in result.get("refused", {}).items():
            log.warning("the hub refused %s: %s", key, reason)
        self._sent = digest

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
