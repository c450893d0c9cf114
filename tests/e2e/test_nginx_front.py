"""voxhub behind nginx (``voxhub nginx-config``): a real nginx in front of a real ``voxhub serve``.

nginx sends chunk files itself once voxhub's access route said yes (cached per
credential and layer for the access window); everything else, and every refusal,
is voxhub's own answer. Checked here: the same voxels through zarr-python,
refusals (anonymous, another organization, a revoked token, a trashed dataset),
path traversal, and conditional and ranged GETs.
"""

from __future__ import annotations

import http.client
import os
import shutil
import ssl
import subprocess
import time
from pathlib import Path

import httpx
import numpy as np
import pytest
import zarr
from tests.helpers import add_dataset, volume

from voxhub.access import teams as team_service
from voxhub.access.accounts import create_user, issue_token
from voxhub.access.principal import system_principal
from voxhub.catalog.datasets import find_dataset, set_teams
from voxhub.catalog.register import ensure_organization
from voxhub.config import Settings
from voxhub.hub import Hub
from voxhub.testing import NGINX, VOXHUB, start_front, start_server

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(not os.path.exists(NGINX), reason="needs nginx: `make nginx` installs it"),
]
LAYER = "/zarr/lab/em/color"
CHUNK = f"{LAYER}/1/c/0/0/0/0"
WINDOW = 2.0  # VOXHUB_ACCESS_CACHE_SECONDS: how long nginx reuses an access answer
DEADLINE = 5.0 + WINDOW  # a change from another process reaches voxhub within 5 s


def prepare(data: Path, database_url: str) -> tuple[dict[str, str | int], np.ndarray]:
    hub = Hub(Settings(data=data, database_url=database_url)).prepare()
    voxels = add_dataset(hub, "lab", "em", volume((8, 32, 32)))
    add_dataset(hub, "other", "open", volume((8, 32, 32), seed=2), public=True)
    operator = system_principal("tests")
    with hub.transaction() as session:
        lab = ensure_organization(session, "lab")
        team = team_service.create_team(session, operator, lab, "A")
        alice = create_user(session, email="alice@lab.org", organization=lab)
        team_service.set_member(session, operator, team, alice)
        set_teams(session, operator, find_dataset(session, "lab", "em"), [team.id])
        carol = create_user(
            session, email="carol@other.org", organization=ensure_organization(session, "other")
        )
        alice_token = issue_token(session, alice, "e2e")
        made = {
            "alice": alice_token.token,
            "alice_id": alice_token.row.id,
            "carol": issue_token(session, carol, "e2e").token,
        }
    hub.close()
    return made, voxels


@pytest.fixture(scope="module")
def front(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("front")
    data = tmp / "data"
    database_url = f"sqlite:///{tmp / 'voxhub.sqlite3'}"
    made, voxels = prepare(data, database_url)
    env = {
        "VOXHUB_DATABASE_URL": database_url,
        "VOXHUB_SAMPLE": "false",
        "VOXHUB_SCAN_INTERVAL": "0",
        "VOXHUB_WORKERS": "0",
        "VOXHUB_ACCESS_CACHE_SECONDS": str(WINDOW),
    }
    server = start_server(data, env)
    nginx = start_front(server, tmp / "nginx")
    yield server, nginx, made, voxels
    nginx.stop()
    server.stop()


def bearer(token: str | int) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def by_nginx(answer: httpx.Response) -> bool:
    """Whether nginx sent the file itself: its ETag holds whole seconds (8 hex digits),
    voxhub's nanoseconds (16)."""
    return len(answer.headers.get("etag", "").split("-")[0]) == len('"') + 8


def test_zarr_reads_the_same_voxels_through_the_front(front):
    server, nginx, made, voxels = front
    for base in (server.url, nginx.url):
        url = f"{base}/zarr/token/{made['alice']}/lab/em/color/1"
        array = zarr.open_array(url, mode="r")
        assert np.array_equal(array[0], voxels)
    answer = httpx.get(nginx.url + CHUNK, headers=bearer(made["alice"]))
    assert answer.status_code == 200 and by_nginx(answer)
    direct = httpx.get(server.url + CHUNK, headers=bearer(made["alice"]))
    assert answer.content == direct.content
    for name in ("content-type", "cache-control", "access-control-allow-origin",
                 "access-control-expose-headers", "last-modified"):  # fmt: skip
        assert answer.headers[name] == direct.headers[name], name
    # a public dataset of another organization: anonymous readers get it from nginx too
    public = httpx.get(f"{nginx.url}/zarr/other/open/color/1/c/0/0/0/0")
    assert public.status_code == 200 and by_nginx(public)
    assert public.headers["cache-control"] == "public, max-age=60"


@pytest.mark.skipif(not shutil.which("curl"), reason="needs curl to see the HTTP version")
def test_https_front_speaks_http2_and_sends_chunks(front, tmp_path):
    server, _, made, _ = front
    tls = start_front(server, tmp_path / "tls", tls=True)
    try:
        trusted = ssl.create_default_context(cafile=tmp_path / "tls" / "cert.pem")
        answer = httpx.get(tls.url + CHUNK, headers=bearer(made["alice"]), verify=trusted)
        direct = httpx.get(server.url + CHUNK, headers=bearer(made["alice"]))
        assert answer.status_code == 200 and by_nginx(answer)
        assert answer.content == direct.content
        refused = httpx.get(tls.url + CHUNK, verify=trusted)
        assert refused.status_code == 404 and refused.json()["error"]
        # a browser's way in: ALPN offers h2 and nginx takes it, several GETs on one connection
        urls = [f"{tls.url}/zarr/other/open/color/1/c/0/0/0/0", f"{tls.url}/health"]
        seen = subprocess.run(
            ["curl", "-sS", "--http2", "--cacert", str(tmp_path / "tls" / "cert.pem"),
             "-o", "/dev/null", "-o", "/dev/null",
             "-w", "%{http_version} %{response_code} %{num_connects}\n", *urls],
            capture_output=True, text=True, timeout=30,
        )  # fmt: skip
        assert seen.returncode == 0, seen.stderr
        assert seen.stdout.split("\n")[:2] == ["2 200 1", "2 200 0"]
        # without a certificate it trusts, a client is refused before any request
        with pytest.raises(httpx.ConnectError):
            httpx.get(tls.url + CHUNK)
    finally:
        tls.stop()


def test_refusals_are_voxhubs_own(front):
    server, nginx, made, _ = front
    for headers in ({}, bearer(made["carol"]), bearer("vxh_not_a_token"), {"X-Auth-Token": "x"}):
        for url in (CHUNK, f"{LAYER}/1/zarr.json"):
            ours = httpx.get(server.url + url, headers=headers)
            theirs = httpx.get(nginx.url + url, headers=headers)
            assert ours.status_code in (401, 404), (headers, url)
            assert (theirs.status_code, theirs.json()) == (ours.status_code, ours.json())
    # the same, with the token in the path
    for token in (made["carol"], "vxh_not_a_token"):
        url = f"/zarr/token/{token}/lab/em/color/1/c/0/0/0/0"
        ours, theirs = httpx.get(server.url + url), httpx.get(nginx.url + url)
        assert (theirs.status_code, theirs.json()) == (ours.status_code, ours.json())
    # the headers nginx sends its access route cannot come from a client: a token smuggled
    # in them would be checked but not be part of the cache key, and so open the dataset
    # to anonymous readers for the cache window
    smuggled = {"X-Voxhub-Path-Token": str(made["alice"]), "X-Voxhub-Front": "x"}
    time.sleep(WINDOW)  # the anonymous answers above have expired: nothing cached to hide behind
    for _ in range(2):
        assert httpx.get(nginx.url + CHUNK, headers=smuggled).status_code == 404
        assert httpx.get(nginx.url + CHUNK).status_code == 404
    # the access route answers nginx only
    route = f"{nginx.url}/_voxhub/front-access/lab/em/color"
    for guess in ({}, {"X-Voxhub-Front": "guess"}):
        answer = httpx.get(route, headers={**guess, **bearer(made["alice"])})
        assert answer.status_code == 404 and "x-voxhub-dir" not in answer.headers
        direct = httpx.get(f"{server.url}/_voxhub/front-access/lab/em/color", headers=guess)
        assert direct.status_code == 404


def raw_get(base: str, path: str, headers: dict[str, str]) -> httpx.Response:
    """GET ``path`` exactly as written (httpx would remove dot segments first)."""
    host, port = base.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=10)
    try:
        connection.request("GET", path, headers=headers)
        answer = connection.getresponse()
        return httpx.Response(answer.status, headers=answer.getheaders(), content=answer.read())
    finally:
        connection.close()


def test_traversal_and_odd_paths_never_leave_the_layer(front, tmp_path):
    server, nginx, made, _ = front
    auth = bearer(made["alice"])
    secret = tmp_path / "outside.bin"
    secret.write_bytes(b"not a chunk of lab/em")
    layer = server.data / "binaryData" / "lab" / "em" / "color" / "1" / "c" / "0" / "0" / "0"
    (layer / "9").symlink_to(secret)
    odd = [
        f"{LAYER}/1/c/0/../0/0/0", f"{LAYER}/1/c/0/%2e%2e/0/0/0", f"{LAYER}/1/c/0%2F0/0/0",
        f"{LAYER}/../../../../../etc/passwd", f"{LAYER}/1/c//0/0/0/0", f"{LAYER}/1/c/0/0/0/0%00",
        f"{LAYER}/1/c/0/0/0/./0", f"{LAYER}/%2e%2e/%2e%2e/em/color/1/c/0/0/0/0",
        "/zarr/lab/em/../em/color/1/c/0/0/0/0", "/zarr/lab/em/color/1/c/0/0/0/0\\..\\..",
        f"{LAYER}/1/c/0/0/0/9", f"{LAYER}/" + "a/" * 2000 + "b", f"{LAYER}/1/c/0/0/0/0?token=x",
    ]  # fmt: skip
    for path in odd:  # none is sent by nginx itself: voxhub answers, or nginx refuses
        theirs = raw_get(nginx.url, path, auth)
        assert not by_nginx(theirs), path
        if theirs.headers.get("content-type", "").startswith("text/html"):
            assert theirs.status_code in (400, 414), path  # a path above the root, too long
            continue
        ours = raw_get(server.url, path, auth)
        assert (theirs.status_code, theirs.content) == (ours.status_code, ours.content), path
    with httpx.Client() as http:
        # a symlink in a layer is never followed by nginx: voxhub answers (operators may link
        # folders in; uploads cannot hold links), with its own ETag
        linked = http.get(f"{nginx.url}{LAYER}/1/c/0/0/0/9", headers=auth)
        assert (
            linked.headers["etag"]
            == http.get(f"{server.url}{LAYER}/1/c/0/0/0/9", headers=auth).headers["etag"]
        )
        # anonymous: nothing of the private dataset, whatever the path
    for path in odd:
        assert raw_get(nginx.url, path, {}).status_code in (400, 401, 404, 414), path


def test_conditional_and_ranged_gets(front):
    server, nginx, made, _ = front
    auth = bearer(made["alice"])
    whole = httpx.get(nginx.url + CHUNK, headers=auth)
    etag = whole.headers["etag"]
    again = httpx.get(nginx.url + CHUNK, headers={**auth, "If-None-Match": etag})
    assert again.status_code == 304 and again.headers["etag"] == etag
    since = httpx.get(
        nginx.url + CHUNK, headers={**auth, "If-Modified-Since": "Fri, 01 Jan 2100 00:00:00 GMT"}
    )
    assert since.status_code == 304
    part = httpx.get(nginx.url + CHUNK, headers={**auth, "Range": "bytes=2-9"})
    assert part.status_code == 206 and part.content == whole.content[2:10] and by_nginx(part)
    assert part.headers["content-range"] == f"bytes 2-9/{len(whole.content)}"
    tail = httpx.get(nginx.url + CHUNK, headers={**auth, "Range": "bytes=-4"})
    assert tail.status_code == 206 and tail.content == whole.content[-4:]
    # the edge cases are voxhub's: its status and its JSON, through the front too
    for header in ("bytes=9-2", f"bytes={len(whole.content)}-", "bytes=-0", "bytes=0-1,4-5",
                   "bytes=x-y", "items=0-1"):  # fmt: skip
        ours = httpx.get(server.url + CHUNK, headers={**auth, "Range": header})
        theirs = httpx.get(nginx.url + CHUNK, headers={**auth, "Range": header})
        assert theirs.status_code == ours.status_code, header
        if ours.headers.get("content-type") == "application/json":
            assert theirs.json() == ours.json()
    # a browser's preflight (it sends Authorization): voxhub's CORS answer, not nginx's 405
    preflight = {"Origin": "http://viewer.example", "Access-Control-Request-Method": "GET",
                 "Access-Control-Request-Headers": "authorization,range"}  # fmt: skip
    ours = httpx.options(server.url + CHUNK, headers=preflight)
    theirs = httpx.options(nginx.url + CHUNK, headers=preflight)
    assert theirs.status_code == ours.status_code == 200
    assert (
        theirs.headers["access-control-allow-headers"]
        == ours.headers["access-control-allow-headers"]
    )
    assert httpx.delete(nginx.url + CHUNK, headers=auth).status_code == 405
    head = httpx.head(nginx.url + CHUNK, headers=auth)
    assert head.status_code == 200 and head.headers["content-length"] == str(len(whole.content))


def cli(env: dict[str, str], *args: str) -> None:
    done = subprocess.run([VOXHUB, *args], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr


def seconds_until_refused(url: str, headers: dict[str, str]) -> float:
    start = time.monotonic()
    while httpx.get(url, headers=headers).status_code == 200:
        assert time.monotonic() - start < 20, "still served"
        time.sleep(0.05)
    return time.monotonic() - start


def test_revocation_and_trash_take_effect_within_the_window(front):
    server, nginx, made, _ = front
    env = {**os.environ, **server.env}
    auth = bearer(made["alice"])
    assert httpx.get(nginx.url + CHUNK, headers=auth).status_code == 200  # cached "yes"
    cli(env, "token", "revoke", str(made["alice_id"]), "--user", "alice@lab.org")
    assert seconds_until_refused(nginx.url + CHUNK, auth) < DEADLINE
    assert httpx.get(nginx.url + CHUNK, headers=auth).status_code == 401
    # a public dataset moved to the trash: anonymous readers lose it within the window
    url = f"{nginx.url}/zarr/other/open/color/1/c/0/0/0/0"
    assert httpx.get(url).status_code == 200
    cli(env, "dataset", "delete", "other/open", "--confirm", "open")
    assert seconds_until_refused(url, {}) < DEADLINE
    assert httpx.get(url).status_code == 404
