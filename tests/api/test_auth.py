"""Browser sessions, CSRF, session fixation, login throttling and personal API tokens."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from sqlalchemy import select, update
from tests.api.world import PASSWORD, auth, build_world

from voxhub.access.sessions import COOKIE, CSRF_COOKIE
from voxhub.db.access_models import BrowserSession, LoginFailure
from voxhub.db.models import utcnow
from voxhub.db.session import bump_epoch

LOGIN = "/api/v1/auth/login"


@pytest.fixture
def world(hub, client):
    return build_world(hub, ["lab/team_ds", "lab/private_ds"])


def login(client, email="alice@lab.org", password=PASSWORD):
    return client.post(LOGIN, json={"email": email, "password": password})


def test_login_sets_a_signed_http_only_same_site_cookie(client, world):
    response = login(client)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["email"] == "alice@lab.org" and body["organization"] == "lab"
    assert [t["name"] for t in body["teams"]] == ["A"]
    cookies = response.headers.get_list("set-cookie")
    session = next(c for c in cookies if c.startswith(COOKIE + "="))
    assert "HttpOnly" in session and "SameSite=lax" in session and "Path=/" in session
    csrf = next(c for c in cookies if c.startswith(CSRF_COOKIE + "="))
    assert "HttpOnly" not in csrf and body["csrfToken"] in csrf
    assert client.get("/api/v1/auth/me").json()["csrfToken"] == body["csrfToken"]


def test_the_session_reads_what_the_user_may_read(client, world):
    login(client)
    assert client.get("/zarr/lab/team_ds/color/zarr.json").status_code == 200
    assert client.get("/api/v1/datasets/lab/private_ds").status_code == 404


def test_bad_credentials_say_nothing_about_which_part_was_wrong(client, world):
    for email, password in (
        ("alice@lab.org", "wrong password"),
        ("nobody@nowhere.org", PASSWORD),
        ("bob@lab.org", ""),  # has no password at all
    ):
        response = login(client, email, password)
        assert response.status_code == 401
        assert response.json() == {"error": "bad_credentials", "detail": "wrong email or password"}
        assert COOKIE not in response.cookies
    assert login(client, "ALICE@Lab.org").status_code == 200  # emails are case-insensitive


def test_deactivated_users_cannot_log_in(client, world):
    admin = auth(world.tokens["admin"])
    client.patch(f"/api/v1/users/{world.user_ids['alice']}", json={"active": False}, headers=admin)
    assert login(client).status_code == 401


def test_state_changes_with_the_cookie_need_the_csrf_token(client, world):
    csrf = login(client).json()["csrfToken"]
    url = "/api/v1/auth/tokens"
    missing = client.post(url, json={"name": "x"})
    assert missing.status_code == 403 and missing.json()["error"] == "csrf_failed"
    # change the last hex digit (a fixed suffix like "00" is the real token once in 256 runs)
    tampered = csrf[:-1] + ("1" if csrf[-1] == "0" else "0")
    wrong = client.post(url, json={"name": "x"}, headers={"X-CSRF-Token": tampered})
    assert wrong.status_code == 403
    assert client.patch("/api/v1/datasets/lab/team_ds", json={}).status_code == 403
    assert client.post(url, json={"name": "x"}, headers={"X-CSRF-Token": csrf}).status_code == 201
    # reading needs no CSRF token; an API token needs none either (no browser sends it by itself)
    assert client.get(url).status_code == 200
    api = client.post(url, json={"name": "y"}, headers=auth(world.tokens["alice"]))
    assert api.status_code == 201


def test_another_sessions_csrf_token_does_not_fit(client, world, hub):
    from fastapi.testclient import TestClient

    first = login(client).json()["csrfToken"]
    with TestClient(client.app) as other:
        second = login(other).json()["csrfToken"]
        assert first != second
        refused = other.post("/api/v1/auth/logout", headers={"X-CSRF-Token": first})
        assert refused.status_code == 403


def test_logout_ends_the_session_everywhere(client, world):
    csrf = login(client).json()["csrfToken"]
    stolen = client.cookies.get(COOKIE)
    assert client.post("/api/v1/auth/logout").status_code == 403  # CSRF applies to logout too
    response = client.post("/api/v1/auth/logout", headers={"X-CSRF-Token": csrf})
    assert response.status_code == 204
    assert client.get("/api/v1/auth/me").status_code == 401
    client.cookies.set(COOKIE, stolen)  # a copy of the cookie taken before logout
    assert client.get("/api/v1/auth/me").status_code == 401
    assert client.get("/api/v1/datasets/lab/team_ds").status_code == 404


def test_no_session_fixation(client, world, hub):
    from voxhub.access.accounts import find_user
    from voxhub.access.passwords import hash_password

    with hub.transaction() as session:
        find_user(session, "bob@lab.org").password_hash = hash_password("bobs password")
    # an attacker logs in, then plants the cookie in the victim's browser
    login(client, "bob@lab.org", "bobs password")
    planted = client.cookies.get(COOKIE)
    client.cookies.clear()
    client.cookies.set(COOKIE, planted)
    victim = login(client)
    fresh = victim.cookies.get(COOKIE)
    assert fresh and fresh != planted
    assert client.get("/api/v1/auth/me").json()["email"] == "alice@lab.org"
    client.cookies.clear()
    client.cookies.set(COOKIE, planted)  # the planted id is dead, not the victim's session
    assert client.get("/api/v1/auth/me").status_code == 401
    client.cookies.set(COOKIE, "forged.value.sig")
    assert login(client).cookies.get(COOKIE) != "forged.value.sig"


def from_address(client, address):
    from fastapi.testclient import TestClient

    return TestClient(client.app, client=(address, 50000))


def test_guessing_from_one_address_cannot_lock_the_owner_out(client, world, hub):
    hub.settings.login_attempts = 3
    attacker = from_address(client, "203.0.113.7")
    for _ in range(3):
        assert login(attacker, password="guess").status_code == 401
    blocked = login(attacker)  # even the right password, while the back-off lasts
    assert blocked.status_code == 429
    assert blocked.json()["error"] == "too_many_attempts"
    assert 25 <= int(blocked.headers["retry-after"]) <= 30
    assert login(attacker, "carol@lab.org", "guess").status_code == 401  # other accounts go on
    owner = from_address(client, "198.51.100.2")
    assert login(owner).status_code == 200  # the owner, elsewhere, is not held up at all
    assert login(attacker).status_code == 429  # and the owner's login did not free the attacker


def test_the_back_off_doubles_with_every_further_failure(client, world, hub):
    hub.settings.login_attempts = 2
    waits = []
    for _ in range(4):
        while (answer := login(client, password="guess")).status_code == 401:
            pass
        waits.append(int(answer.headers["retry-after"]))
        with hub.transaction() as session:  # let the wait pass
            for row in session.scalars(select(LoginFailure)):
                row.at -= timedelta(seconds=waits[-1] + 1)
    assert [round(w / 30) for w in waits] == [1, 2, 4, 8], waits


def test_login_is_throttled_per_address(client, world, hub):
    hub.settings.login_attempts_per_address = 4
    for i in range(4):
        assert login(client, f"user{i}@lab.org", "guess").status_code == 401
    assert login(client).status_code == 429
    assert login(from_address(client, "198.51.100.2")).status_code == 200


def test_a_successful_login_clears_the_account_count(client, world, hub):
    hub.settings.login_attempts = 3
    login(client, password="guess")
    login(client, password="guess")
    assert login(client).status_code == 200
    login(client, password="guess")
    login(client, password="guess")
    assert login(client).status_code == 200


def test_me_needs_a_login(client, world):
    assert client.get("/api/v1/auth/me").status_code == 401
    me = client.get("/api/v1/auth/me", headers=auth(world.tokens["carol"])).json()
    assert me["teams"] == [{"id": world.team_ids["A"], "name": "A", "isManager": True}]
    assert me["csrfToken"] is None


def test_personal_api_tokens(client, world):
    headers = auth(world.tokens["bob"])
    created = client.post(
        "/api/v1/auth/tokens", json={"name": "laptop", "expiresInDays": 3}, headers=headers
    )
    assert created.status_code == 201
    token = created.json()["token"]
    assert token.startswith("vxh_") and created.json()["expires"]
    listed = client.get("/api/v1/auth/tokens", headers=headers).json()
    assert token not in str(listed)
    assert {t["name"] for t in listed} == {"tests", "laptop"}
    assert client.get("/api/v1/auth/me", headers=auth(token)).json()["email"] == "bob@lab.org"
    token_id = created.json()["id"]
    assert (
        client.delete(
            f"/api/v1/auth/tokens/{token_id}", headers=auth(world.tokens["alice"])
        ).status_code
        == 404
    )
    assert client.delete(f"/api/v1/auth/tokens/{token_id}", headers=headers).status_code == 204
    assert client.get("/api/v1/auth/me", headers=auth(token)).status_code == 401


def test_bad_token_requests(client, world):
    for body in (
        {"name": "x", "expiresInDays": 0},
        {"name": "x" * 200},
        {"name": "x", "expiresInDays": "soon"},
    ):
        response = client.post("/api/v1/auth/tokens", json=body, headers=auth(world.tokens["bob"]))
        assert response.status_code == 400 and response.json()["error"] == "invalid_input", body


def test_sessions_expire(client, world, hub):
    login(client)
    with hub.transaction() as session:
        soon = utcnow() + timedelta(seconds=0.5)
        session.execute(update(BrowserSession).values(expires=soon))
        bump_epoch(session)
    assert client.get("/api/v1/auth/me").status_code == 200
    time.sleep(0.6)
    assert client.get("/api/v1/auth/me").status_code == 401


ME = "/api/v1/auth/me"


def test_changing_ones_own_password_needs_the_old_one(client, world, hub):
    from fastapi.testclient import TestClient

    csrf = login(client).json()["csrfToken"]
    with TestClient(client.app) as laptop:
        assert login(laptop).status_code == 200  # a second session, on another machine
        change = {"oldPassword": "not it", "newPassword": "a new long secret"}
        assert client.patch(ME, json=change).status_code == 403  # cookie sessions need CSRF
        wrong = client.patch(ME, json=change, headers={"X-CSRF-Token": csrf})
        assert wrong.status_code == 403 and wrong.json()["error"] == "wrong_password"
        short = {"oldPassword": PASSWORD, "newPassword": "short"}
        assert client.patch(ME, json=short, headers={"X-CSRF-Token": csrf}).status_code == 400
        done = client.patch(
            ME, json={**change, "oldPassword": PASSWORD}, headers={"X-CSRF-Token": csrf}
        )
        assert done.status_code == 200 and done.json()["email"] == "alice@lab.org"
        assert client.get(ME).status_code == 200  # this session stays
        assert laptop.get(ME).status_code == 401  # every other one ended
    assert login(client).status_code == 401
    assert login(client, password="a new long secret").status_code == 200
    # API tokens are no browser sessions: they keep working
    assert client.get(ME, headers=auth(world.tokens["alice"])).status_code == 200


def test_wrong_old_passwords_are_throttled(client, world, hub):
    hub.settings.login_attempts = 3
    headers = auth(world.tokens["alice"])
    for _ in range(3):
        wrong = client.patch(
            ME, json={"oldPassword": "guess", "newPassword": "x" * 10}, headers=headers
        )
        assert wrong.status_code == 403
    blocked = client.patch(
        ME, json={"oldPassword": PASSWORD, "newPassword": "x" * 10}, headers=headers
    )
    assert blocked.status_code == 429 and int(blocked.headers["retry-after"]) > 0


def test_an_account_without_a_password_sets_one_and_renames_itself(client, world):
    headers = auth(world.tokens["bob"])  # bob has API tokens only
    assert login(client, "bob@lab.org", "bobs new password").status_code == 401
    named = client.patch(ME, json={"name": "Robert"}, headers=headers)
    assert named.status_code == 200 and named.json()["name"] == "Robert"
    set_ = client.patch(ME, json={"newPassword": "bobs new password"}, headers=headers)
    assert set_.status_code == 200
    assert login(client, "bob@lab.org", "bobs new password").status_code == 200
    again = client.patch(ME, json={"newPassword": "another password"}, headers=headers)
    assert again.status_code == 403  # now that he has one, the old one is needed
    assert client.patch(ME, json={"name": ""}, headers=headers).status_code == 400
    client.cookies.clear()
    assert client.patch(ME, json={"newPassword": "x" * 10}).status_code == 401


def test_behind_a_trusted_proxy_the_forwarded_client_is_throttled(client, world, hub):
    hub.settings.login_attempts_per_address = 3
    hub.settings.trusted_proxies = ("10.9.9.9",)
    proxy = from_address(client, "10.9.9.9")  # nginx in front: every request comes from it

    def via(address, *args, spoofed="", **kwargs):
        proxy.headers["X-Forwarded-For"] = f"{spoofed}{address}"
        return login(proxy, *args, **kwargs)

    for i in range(3):
        assert via("203.0.113.7", f"user{i}@lab.org", "guess").status_code == 401
    assert via("203.0.113.7").status_code == 429
    # the attacker's own X-Forwarded-For entry is not believed: nginx appends what it saw
    assert via("203.0.113.7", spoofed="198.51.100.2, ").status_code == 429
    assert via("198.51.100.2").status_code == 200  # other people behind the same proxy go on
    # an untrusted peer's X-Forwarded-For is ignored altogether
    direct = from_address(client, "192.0.2.1")
    direct.headers["X-Forwarded-For"] = "203.0.113.7"
    assert login(direct).status_code == 200
