"""Organizations, users (create, invite, role, deactivate), teams and memberships, audit log."""

from __future__ import annotations

import pytest
from tests.api.world import PASSWORD, auth, build_world

from voxhub.access.accounts import find_user
from voxhub.db.session import bump_epoch


@pytest.fixture
def world(hub, client):
    return build_world(hub, ["lab/team_ds"])


def as_(world, user):
    return auth(world.tokens[user])


def test_organizations(client, world, hub):
    listed = client.get("/api/v1/organizations", headers=as_(world, "alice")).json()
    assert [o["name"] for o in listed] == ["lab"]
    refused = client.post(
        "/api/v1/organizations", json={"name": "new"}, headers=as_(world, "admin")
    )
    assert refused.status_code == 403
    with hub.transaction() as session:
        find_user(session, "admin@lab.org").is_superuser = True
        bump_epoch(session)  # cached principals must learn of it
    created = client.post(
        "/api/v1/organizations",
        json={"name": "newlab", "displayName": "New"},
        headers=as_(world, "admin"),
    )
    assert created.status_code == 201, created.text
    root = client.get(
        "/api/v1/folders/root", params={"organization": "newlab"}, headers=as_(world, "admin")
    ).json()
    assert root["parentId"] is None and root["path"] == "/"
    for bad in ("../x", "a b", ""):
        answer = client.post(
            "/api/v1/organizations", json={"name": bad}, headers=as_(world, "admin")
        )
        assert answer.status_code == 400, bad
    again = client.post(
        "/api/v1/organizations", json={"name": "newlab"}, headers=as_(world, "admin")
    )
    assert again.status_code == 409
    assert client.get("/api/v1/organizations").status_code == 401


def test_admins_create_users_with_a_password_or_an_invitation(client, world):
    headers = as_(world, "admin")
    made = client.post(
        "/api/v1/users", json={"email": "dora@lab.org", "password": "long enough"}, headers=headers
    )
    assert made.status_code == 201 and made.json()["inviteToken"] is None
    login = client.post(
        "/api/v1/auth/login", json={"email": "dora@lab.org", "password": "long enough"}
    )
    assert login.status_code == 200
    invited = client.post(
        "/api/v1/users", json={"email": "eve@lab.org", "role": "dataset_manager"}, headers=headers
    ).json()
    token = invited["inviteToken"]
    assert token.startswith("vxi_") and invited["role"] == "dataset_manager"
    short = client.post("/api/v1/auth/invites/accept", json={"token": token, "password": "short"})
    assert short.status_code == 400
    accepted = client.post(
        "/api/v1/auth/invites/accept", json={"token": token, "password": "eves secret"}
    )
    assert accepted.status_code == 200 and accepted.json()["email"] == "eve@lab.org"
    reused = client.post("/api/v1/auth/invites/accept", json={"token": token, "password": "x" * 12})
    assert reused.status_code == 401


def test_only_admins_manage_users(client, world):
    body = {"email": "x@lab.org", "password": "long enough"}
    assert client.post("/api/v1/users", json=body, headers=as_(world, "manager")).status_code == 403
    assert client.post("/api/v1/users", json=body, headers=as_(world, "alice")).status_code == 403
    other = client.post(
        "/api/v1/users", json={**body, "organization": "lab"}, headers=as_(world, "other_admin")
    )
    assert other.status_code == 404  # another organization is not even there
    duplicate = client.post(
        "/api/v1/users", json={"email": "alice@lab.org"}, headers=as_(world, "admin")
    )
    assert duplicate.status_code == 409
    assert (
        client.post(
            "/api/v1/users", json={"email": "no-at-sign"}, headers=as_(world, "admin")
        ).status_code
        == 400
    )
    assert (
        client.post(
            "/api/v1/users", json={"email": "r@lab.org", "role": "god"}, headers=as_(world, "admin")
        ).status_code
        == 400
    )


def test_listing_users(client, world):
    emails = {u["email"] for u in client.get("/api/v1/users", headers=as_(world, "manager")).json()}
    assert "alice@lab.org" in emails and "other_admin@other.org" not in emails
    # team managers list users (to add them to their team); plain members do not
    assert client.get("/api/v1/users", headers=as_(world, "carol")).status_code == 200
    assert client.get("/api/v1/users", headers=as_(world, "alice")).status_code == 403


def test_role_changes_and_deactivation_take_effect_at_once(client, world):
    alice = world.user_ids["alice"]
    admin = as_(world, "admin")
    assert (
        client.get("/api/v1/datasets/lab/private_ds", headers=as_(world, "alice")).status_code
        == 404
    )
    promoted = client.patch(
        f"/api/v1/users/{alice}", json={"role": "dataset_manager"}, headers=admin
    )
    assert promoted.json()["role"] == "dataset_manager"
    assert client.get("/api/v1/trash", headers=as_(world, "alice")).status_code == 200
    client.patch(f"/api/v1/users/{alice}", json={"active": False}, headers=admin)
    assert client.get("/api/v1/auth/me", headers=as_(world, "alice")).status_code == 401
    own = client.patch(
        f"/api/v1/users/{world.user_ids['admin']}", json={"active": False}, headers=admin
    )
    assert own.status_code == 400
    assert (
        client.patch(f"/api/v1/users/{alice}", json={"role": "x"}, headers=admin).status_code == 400
    )
    assert (
        client.patch(
            f"/api/v1/users/{alice}", json={"active": True}, headers=as_(world, "other_admin")
        ).status_code
        == 404
    )
    assert (
        client.patch(
            f"/api/v1/users/{alice}", json={"active": True}, headers=as_(world, "manager")
        ).status_code
        == 403
    )


def test_teams_and_memberships(client, world):
    admin, carol = as_(world, "admin"), as_(world, "carol")
    team = client.post("/api/v1/teams", json={"name": "C"}, headers=admin).json()
    assert client.post("/api/v1/teams", json={"name": "C"}, headers=admin).status_code == 409
    assert client.post("/api/v1/teams", json={"name": "D"}, headers=carol).status_code == 403
    names = [t["name"] for t in client.get("/api/v1/teams", headers=as_(world, "alice")).json()]
    assert names == ["A", "B", "C"]
    bob = world.user_ids["bob"]
    team_a = world.team_ids["A"]
    # carol manages A: she may add and remove plain members there, and nowhere else
    url = f"/api/v1/teams/{team_a}/members/{bob}"
    assert client.put(url, json={"isManager": False}, headers=carol).status_code == 200
    assert client.get("/api/v1/datasets/lab/team_ds", headers=as_(world, "bob")).status_code == 200
    assert client.put(url, json={"isManager": True}, headers=carol).status_code == 403
    assert (
        client.put(f"/api/v1/teams/{team['id']}/members/{bob}", json={}, headers=carol).status_code
        == 403
    )
    members = client.get(f"/api/v1/teams/{team_a}/members", headers=carol).json()
    assert {m["email"] for m in members} == {
        "alice@lab.org",
        "carol@lab.org",
        "bob@lab.org",
        "revoked@lab.org",
    }
    assert client.delete(url, headers=carol).status_code == 204
    assert client.get("/api/v1/datasets/lab/team_ds", headers=as_(world, "bob")).status_code == 404
    carol_id = world.user_ids["carol"]
    manager_url = f"/api/v1/teams/{team_a}/members/{carol_id}"
    assert client.delete(manager_url, headers=carol).status_code == 403  # managers: admins only
    other_org_user = world.user_ids["other_member"]
    cross = client.put(f"/api/v1/teams/{team_a}/members/{other_org_user}", json={}, headers=admin)
    assert cross.status_code == 404
    assert (
        client.get(f"/api/v1/teams/{world.team_ids['O']}/members", headers=admin).status_code == 404
    )
    assert client.delete(f"/api/v1/teams/{team_a}", headers=admin).status_code == 204
    assert (
        client.get("/api/v1/datasets/lab/team_ds", headers=as_(world, "alice")).status_code == 404
    )


def test_audit_log_records_changes_and_no_secrets(client, world):
    admin = as_(world, "admin")
    client.patch("/api/v1/datasets/lab/team_ds", json={"isPublic": True}, headers=admin)
    shared = client.post("/api/v1/datasets/lab/team_ds/sharing-token", headers=admin).json()
    client.delete("/api/v1/datasets/lab/team_ds/sharing-token", headers=admin)
    events = client.get("/api/v1/audit", headers=admin).json()
    actions = [e["action"] for e in events]
    assert actions[:3] == ["dataset.sharing.revoke", "dataset.sharing.create", "dataset.public"]
    assert {"team.create", "folder.teams", "dataset.teams"} <= set(actions)
    assert events[0]["actor"] == "admin@lab.org" and events[0]["target"] == "lab/team_ds"
    assert shared["sharingToken"] not in str(events)
    assert all(token not in str(events) for token in world.tokens.values())
    assert client.get("/api/v1/audit", headers=as_(world, "manager")).status_code == 403
    assert (
        client.get(
            "/api/v1/audit", headers=as_(world, "other_admin"), params={"organization": "lab"}
        ).status_code
        == 404
    )
    paged = client.get("/api/v1/audit", headers=admin, params={"limit": 2, "offset": 1}).json()
    assert [e["id"] for e in paged] == [e["id"] for e in events[1:3]]


def test_admins_reset_passwords_and_end_the_users_sessions(client, world, hub):
    alice = world.user_ids["alice"]
    url = f"/api/v1/users/{alice}/password"
    credentials = {"email": "alice@lab.org", "password": PASSWORD}
    from fastapi.testclient import TestClient

    with TestClient(client.app) as browser:
        assert browser.post("/api/v1/auth/login", json=credentials).status_code == 200
        assert client.post(url, json={}, headers=as_(world, "manager")).status_code == 403
        assert client.post(url, json={}, headers=as_(world, "alice")).status_code == 403
        assert client.post(url, json={}, headers=as_(world, "other_admin")).status_code == 404
        reset = client.post(url, json={}, headers=as_(world, "admin"))
        assert reset.status_code == 200, reset.text
        invite = reset.json()["inviteToken"]
        assert invite.startswith("vxi_")
        assert browser.get("/api/v1/auth/me").status_code == 401  # the session ended
    assert client.post("/api/v1/auth/login", json=credentials).status_code == 401
    accepted = client.post(
        "/api/v1/auth/invites/accept", json={"token": invite, "password": "chosen again"}
    )
    assert accepted.status_code == 200
    # an admin may also set one directly; the earlier invitation is then void
    second = client.post(url, json={}, headers=as_(world, "admin")).json()["inviteToken"]
    direct = client.post(url, json={"password": "set by admin"}, headers=as_(world, "admin"))
    assert direct.status_code == 200 and direct.json()["inviteToken"] is None
    login = client.post(
        "/api/v1/auth/login", json={"email": "alice@lab.org", "password": "set by admin"}
    )
    assert login.status_code == 200
    void = client.post("/api/v1/auth/invites/accept", json={"token": second, "password": "x" * 9})
    assert void.status_code == 401
    short = client.post(url, json={"password": "short"}, headers=as_(world, "admin"))
    assert short.status_code == 400
    own = f"/api/v1/users/{world.user_ids['admin']}/password"
    assert client.post(own, json={}, headers=as_(world, "admin")).status_code == 400
    actions = [e["action"] for e in client.get("/api/v1/audit", headers=as_(world, "admin")).json()]
    assert actions[:2] == ["user.password", "user.password_reset"]


def test_organization_admins_cannot_take_over_a_superuser(client, world, hub):
    with hub.transaction() as session:
        find_user(session, "manager@lab.org").is_superuser = True
        bump_epoch(session)
    manager = world.user_ids["manager"]
    admin = as_(world, "admin")
    reset = client.post(f"/api/v1/users/{manager}/password", json={}, headers=admin)
    assert reset.status_code == 403
    assert (
        client.patch(f"/api/v1/users/{manager}", json={"active": False}, headers=admin).status_code
        == 403
    )


def test_emails_are_unique_whatever_their_case(client, world):
    """An admin of another organization cannot pre-empt (and later hijack) an address."""
    early = client.post(
        "/api/v1/users",
        json={"email": "NEWHIRE@LAB.ORG", "password": "hijacker pw"},
        headers=as_(world, "other_admin"),
    )
    assert early.status_code == 201 and early.json()["email"] == "newhire@lab.org"
    late = client.post(
        "/api/v1/users",
        json={"email": "newhire@lab.org", "password": "the real one"},
        headers=as_(world, "admin"),
    )
    assert late.status_code == 409 and late.json()["error"] == "conflict"
    for spelling in (" Alice@LAB.org ", "ALICE@lab.org"):
        twin = client.post("/api/v1/users", json={"email": spelling}, headers=as_(world, "admin"))
        assert twin.status_code == 409, spelling


def test_reactivating_a_user_does_not_revive_its_old_tokens(client, world):
    alice, admin = world.user_ids["alice"], as_(world, "admin")
    url = f"/api/v1/users/{alice}"
    off = client.patch(url, json={"active": False}, headers=admin)
    assert off.status_code == 200 and off.json()["revokedTokens"] == 1
    assert client.get("/api/v1/auth/me", headers=as_(world, "alice")).status_code == 401
    on = client.patch(url, json={"active": True}, headers=admin)
    assert on.json()["active"] and on.json()["revokedTokens"] == 0
    assert client.get("/api/v1/auth/me", headers=as_(world, "alice")).status_code == 401
    login = client.post("/api/v1/auth/login", json={"email": "alice@lab.org", "password": PASSWORD})
    assert login.status_code == 200  # the password still works: she makes new tokens
