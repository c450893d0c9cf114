"""The SSRF guard on outbound fetches: addresses, redirects, allowed hosts, size limits."""

from __future__ import annotations

import asyncio
from urllib.parse import urlsplit

import pytest
from tests.static_server import static_server

from voxhub.errors import InvalidInput, TooLarge
from voxhub.storage.errors import UnsafePath
from voxhub.storage.fetch import AllowedHosts, Credentials, GuardedFetcher, public_https


def fetch(url: str, allowed: AllowedHosts | None = None, **kwargs):
    async def run():
        async with GuardedFetcher(allowed or AllowedHosts()) as fetcher:
            return await fetcher.get(url, **kwargs)

    return asyncio.run(run())


@pytest.fixture
def served(tmp_path):
    (tmp_path / "hello.txt").write_text("hello")
    (tmp_path / "secret.html").write_text("<h1>internal admin page</h1>")
    (tmp_path / "big.bin").write_bytes(b"x" * 5000)
    redirects = {
        "/to-metadata": "http://169.254.169.254/latest/meta-data/",
        "/to-hello": "/hello.txt",
        "/loop": "/loop",
    }
    with static_server(tmp_path, redirects) as url:
        yield url


def allowed_for(url: str) -> AllowedHosts:
    return AllowedHosts.parse([urlsplit(url).netloc])


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:9/x",
        "http://localhost/x",
        "http://169.254.169.254/latest/meta-data/",
        "http://10.1.2.3/x",
        "http://[::1]/x",
        "http://[::ffff:127.0.0.1]/x",
        "file:///etc/passwd",
        "ftp://example.org/x",
        "http://user:pw@example.org/x",
    ],
)
def test_refused_without_an_allowance(url):
    with pytest.raises(UnsafePath):
        fetch(url)


def test_loopback_server_refused_unless_allowed(served):
    with pytest.raises(UnsafePath):
        fetch(f"{served}/hello.txt")
    assert fetch(f"{served}/hello.txt", allowed_for(served)) == b"hello"
    assert fetch(f"{served}/missing", allowed_for(served)) is None


def test_cidr_allowance(served):
    assert fetch(f"{served}/hello.txt", AllowedHosts.parse(["127.0.0.0/8"])) == b"hello"
    with pytest.raises(UnsafePath):
        fetch(f"{served}/hello.txt", AllowedHosts.parse(["10.0.0.0/8"]))


def test_every_redirect_is_checked(served):
    allowed = allowed_for(served)
    assert fetch(f"{served}/to-hello", allowed) == b"hello"
    with pytest.raises(UnsafePath):
        fetch(f"{served}/to-metadata", allowed)
    with pytest.raises(Exception) as loop:
        fetch(f"{served}/loop", allowed)
    assert "redirects" in str(loop.value)


def test_size_limit_and_ranges(served):
    allowed = allowed_for(served)
    with pytest.raises(TooLarge):
        fetch(f"{served}/big.bin", allowed, limit=1000)
    assert len(fetch(f"{served}/big.bin", allowed, limit=5000)) == 5000


def test_errors_do_not_echo_remote_bodies(served, tmp_path):
    allowed = allowed_for(served)
    with pytest.raises(Exception) as caught:
        fetch(f"{served}/secret.html", allowed, limit=5)
    assert "internal admin page" not in str(caught.value)


def test_credentials_and_object_store_urls():
    assert Credentials(token="t").headers() == {"Authorization": "Bearer t"}
    assert Credentials("u", "p").headers()["Authorization"].startswith("Basic ")
    assert Credentials.parse(None) is None
    with pytest.raises(InvalidInput, match="cookie"):
        Credentials.parse({"cookie": "x"})
    assert public_https("s3://bucket/a/b") == "https://bucket.s3.amazonaws.com/a/b"
    assert public_https("gs://bucket/a") == "https://storage.googleapis.com/bucket/a"


def test_credentials_go_only_to_the_origin_they_were_given_for(tmp_path, monkeypatch):
    """A redirect to another host (here: another port) is followed without the secret, as
    curl and requests do; the stored credentials of a prefix never reach another server."""
    import tests.static_server as static

    (tmp_path / "hello.txt").write_text("hello")
    seen: list[tuple[int, str]] = []
    original = static._Handler._get

    def spy(self):
        seen.append((self.server.server_address[1], self.headers.get("Authorization", "")))
        original(self)

    monkeypatch.setattr(static._Handler, "_get", spy)
    with static_server(tmp_path) as other:
        redirects = {"/away": f"{other}/hello.txt", "/here": "/hello.txt"}
        with static_server(tmp_path, redirects) as first:
            allowed = AllowedHosts.parse(["127.0.0.1"])

            async def run(path: str) -> bytes | None:
                lookup = {f"{first}{path}": Credentials(token="s3cret")}.get
                async with GuardedFetcher(allowed, lookup=lookup) as fetcher:
                    return await fetcher.get(f"{first}{path}")

            assert asyncio.run(run("/here")) == b"hello"
            assert asyncio.run(run("/away")) == b"hello"
    first_port = int(first.rsplit(":", 1)[1])
    assert seen[:2] == [(first_port, "Bearer s3cret"), (first_port, "Bearer s3cret")]
    assert seen[2][1] == "Bearer s3cret" and seen[3][1] == ""  # the other port got nothing
