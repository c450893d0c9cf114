"""``voxhub datastore create|list|remove`` on the hub's machine, and ``serve --datastore``'s
refusals of incomplete options (in-process)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from voxhub.access.tokens import hash_token
from voxhub.catalog import datastores
from voxhub.db.models import Datastore


def test_create_list_remove(cli, hub):
    out = cli("datastore", "create", "lab-disk", "--url", "https://data.lab.example/")
    key = out.strip().splitlines()[-1]
    assert key.startswith(datastores.KEY_PREFIX)
    assert "voxhub serve --datastore" in out
    with hub.transaction() as session:
        row = session.scalar(select(Datastore))
        assert row.url == "https://data.lab.example" and row.key_hash == hash_token(key)
        assert datastores.for_key(session, key) is not None
    listing = cli("datastore", "list")
    assert "lab-disk" in listing and key not in listing and key[:8] in listing
    assert "already" not in cli(
        "datastore", "create", "lab-disk", "--url", "http://x.org", ok=False
    )
    assert "removed datastore lab-disk" in cli("datastore", "remove", "lab-disk")
    with hub.transaction() as session:
        assert datastores.for_key(session, key) is None  # the key stops working
    assert "not found" in cli("datastore", "remove", "lab-disk", ok=False)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("datastore", "create", "d", "--url", "ftp://x.org"), "http(s)"),
        (("datastore", "create", "d", "--url", "ftp://[::1]/[/b]"), "[::1]/[/b]"),  # not markup
        (("datastore", "create", "../d", "--url", "http://x.org"), "datastore name"),
        (("serve", "--hub", "http://x.org"), "--datastore"),
    ],
)
def test_bad_input_is_one_line(cli, args, message):
    out = cli(*args, ok=False)
    assert out.startswith("error:") and message in out and out.count("\n") <= 2, out
