"""``voxhub team|folder|dataset|user`` as an admin runs them on the server (in-process)."""

from __future__ import annotations

from tests.helpers import add_dataset

from voxhub.access.accounts import find_user, principal_for
from voxhub.access.policy import can
from voxhub.access.principal import ANONYMOUS
from voxhub.access.teams import team_fields
from voxhub.access.tokens import hash_token


def member_can(hub, email, action, dataset):
    hub.index.refresh(force=True)
    with hub.transaction() as session:
        user = find_user(session, email)
        principal = principal_for(user, **team_fields(session, user))
    return can(principal, action, hub.index.get("lab", dataset))


def test_teams_folders_and_grants(cli, hub):
    add_dataset(hub, "lab", "em")
    assert "added m@lab.org to lab as member" in cli("user", "add", "m@lab.org", "--org", "lab")
    assert "added team A" in cli("team", "add", "A", "--org", "lab")
    out = cli("team", "member", "A", "m@lab.org", "--org", "lab", "--manager")
    assert "m@lab.org is now a manager of team A" in out
    assert "folder /projects/deep in lab" in cli("folder", "add", "projects/deep", "--org", "lab")
    assert "now allows A" in cli("folder", "teams", "projects", "--org", "lab", "--team", "A")
    listing = cli("folder", "list", "--org", "lab")
    assert "/projects/deep" in listing and listing.count("A") >= 3
    assert not member_can(hub, "m@lab.org", "view", "em")
    assert "moved lab/em to /projects/deep" in cli(
        "dataset", "move", "lab/em", "--folder", "projects/deep"
    )
    assert member_can(hub, "m@lab.org", "edit", "em")
    assert "allows no team" in cli("dataset", "teams", "lab/em")
    cli("folder", "teams", "projects", "--org", "lab", "--clear")
    assert not member_can(hub, "m@lab.org", "view", "em")
    assert "lab/em allows A" in cli("dataset", "teams", "lab/em", "--team", "A")
    assert member_can(hub, "m@lab.org", "view", "em")
    assert "m@lab.org*" in cli("team", "list", "--org", "lab")
    cli("team", "member", "A", "m@lab.org", "--org", "lab", "--remove")
    assert not member_can(hub, "m@lab.org", "view", "em")


def test_share_unshare_public_tag(cli, hub):
    add_dataset(hub, "lab", "em")
    token = cli("dataset", "share", "lab/em").strip().splitlines()[-1]
    assert token.startswith("vxs_")
    assert cli("dataset", "share", "lab/em").strip().splitlines()[-1] == token
    hub.index.refresh(force=True)
    holder = ANONYMOUS.with_share_token(hash_token(token))
    assert can(holder, "view", hub.index.get("lab", "em"))
    renewed = cli("dataset", "share", "lab/em", "--renew").strip().splitlines()[-1]
    assert renewed != token
    hub.index.refresh(force=True)
    assert not can(holder, "view", hub.index.get("lab", "em"))
    assert "sharing token revoked" in cli("dataset", "unshare", "lab/em")
    assert "had no sharing token" in cli("dataset", "unshare", "lab/em")
    assert "lab/em is now public" in cli("dataset", "public", "lab/em")
    hub.index.refresh(force=True)
    assert can(ANONYMOUS, "view", hub.index.get("lab", "em"))
    cli("dataset", "public", "lab/em", "--off")
    assert "tags: a, b" in cli("dataset", "tag", "lab/em", "a", "b")
    assert "tags: b" in cli("dataset", "tag", "lab/em", "a", "--remove")


def test_delete_trash_restore(cli, hub):
    add_dataset(hub, "lab", "em")
    assert "error" in cli("dataset", "delete", "lab/em", "--confirm", "EM", ok=False)
    out = cli("dataset", "delete", "lab/em", "--confirm", "em")
    entry = out.split("entry ")[1].split(";")[0]
    assert "lab/em" in cli("dataset", "trash")
    assert not (hub.settings.binary_data / "lab/em").exists()
    assert "restored lab/em" in cli("dataset", "restore", entry)
    assert (hub.settings.binary_data / "lab/em/color").is_dir()


def test_errors_are_one_line(cli, hub):
    add_dataset(hub, "lab", "em")
    for args in (
        ("dataset", "share", "lab/none"),
        ("dataset", "share", "no-slash"),
        ("team", "member", "Z", "x@lab.org", "--org", "lab"),
        ("folder", "teams", "nowhere", "--org", "lab"),
        ("folder", "add", "a/../b", "--org", "nolab"),
        ("dataset", "move", "lab/em", "--folder", "missing/folder"),
        ("user", "role", "nobody@lab.org", "admin"),
    ):
        output = cli(*args, ok=False)
        assert output.startswith("error:") and output.count("\n") <= 2, (args, output)


def test_user_role_and_deactivation(cli, hub):
    cli("user", "add", "m@lab.org", "--org", "lab")
    assert "m@lab.org is now dataset_manager" in cli("user", "role", "m@lab.org", "dataset_manager")
    assert "deactivated" in cli("user", "deactivate", "m@lab.org")
    with hub.transaction() as session:
        user = find_user(session, "m@lab.org")
        assert not user.active and user.role == "dataset_manager"
    cli("user", "deactivate", "m@lab.org", "--undo")
