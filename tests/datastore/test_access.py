"""A datastore node's access answers: refused when the hub does not answer, bounded input."""

from __future__ import annotations

import pytest

from voxhub.access.policy import can
from voxhub.datastore import HubAccess, HubLink
from voxhub.datastore.errors import HubUnreachable
from voxhub.testing import free_port


class Entry:
    kind = "dataset"
    organization = "lab"
    name = "far"
    organization_id = 1
    is_public = True  # what the node's own index says never matters: the hub decides
    allowed_team_ids: frozenset[int] = frozenset()
    sharing_token_hash = None


def test_a_silent_hub_means_refusal_not_a_guess():
    link = HubLink(f"http://127.0.0.1:{free_port()}", "vxd_key", timeout=1.0)
    access = HubAccess(link, cache_seconds=2.0)
    principal = access.from_token("vxh_whatever")
    with pytest.raises(HubUnreachable) as refused:
        can(principal, "view", Entry())
    assert refused.value.code == "hub_unreachable"
    assert access.asked == 0
    link.close()


def test_a_node_only_ever_reads():
    link = HubLink(f"http://127.0.0.1:{free_port()}", "vxd_key", timeout=1.0)
    principal = HubAccess(link, cache_seconds=2.0).from_token(None)
    for action in ("edit", "manage", "admin"):
        assert can(principal, action, Entry()) is False  # decided without asking anyone
    link.close()
