"""S3 regional redirects: the request is signed again for the new endpoint and region.

Two loopback servers play S3: "east" answers as S3 does for a bucket that lives
in eu-west-1 (307 to the regional endpoint, 301 without ``Location``, 400
``AuthorizationHeaderMalformed``, each with ``x-amz-bucket-region``), "west"
answers only requests whose SigV4 signature is valid for its own host and for
eu-west-1.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler

import pytest
from tests.static_server import respond, serving

from voxhub.storage.errors import UnsafePath
from voxhub.storage.fetch import AllowedHosts, Credentials, GuardedFetcher
from voxhub.storage.s3_regions import is_aws_s3_host, region_of_host, regional_url, s3_moved

KEY_ID, SECRET = "AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
KEYS = Credentials(access_key_id=KEY_ID, secret_access_key=SECRET)  # region: us-east-1
SCOPE = re.compile(r"Credential=([^/]+)/(\d{8})/([^/]+)/s3/aws4_request")


def signed_region(handler: BaseHTTPRequestHandler) -> str | None:
    """The region the request is validly signed for, for the host it reached (else None)."""
    from voxhub.storage.fetch import sigv4_headers

    auth = handler.headers.get("Authorization", "")
    found = SCOPE.search(auth)
    stamp = handler.headers.get("x-amz-date", "")
    if found is None or found[1] != KEY_ID or not stamp:
        return None
    when = datetime.strptime(stamp, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    url = f"http://{handler.headers['Host']}{handler.path}"
    expected = sigv4_headers(url, KEY_ID, SECRET, found[3], when)["Authorization"]
    return found[3] if expected == auth else None


class _S3(BaseHTTPRequestHandler):
    west = ""  # the regional endpoint's base URL
    seen: list[tuple[str, str, str | None]]

    def do_GET(self) -> None:  # noqa: N802
        region = signed_region(self)
        self.seen.append((self.server.server_address[1], self.path, region))
        path = self.path
        if region == "eu-west-1":  # the bucket's region: any endpoint answers
            return respond(self, 200, b"ok")
        moved = {"x-amz-bucket-region": "eu-west-1"}
        if path.startswith("/temp/"):
            return respond(self, 307, headers={**moved, "Location": f"{self.west}/bucket/obj"})
        if path.startswith("/perm/"):
            return respond(self, 301, headers=moved)
        if path.startswith("/malformed/"):
            return respond(self, 400, b"<Error>AuthorizationHeaderMalformed</Error>", moved)
        if path == "/to-metadata":
            return respond(self, 307, headers={**moved, "Location": "http://169.254.169.254/x"})
        if path == "/elsewhere":  # an ordinary redirect: followed unsigned
            return respond(self, 302, headers={"Location": f"{self.west}/bucket/obj"})
        if path == "/bad-region":
            return respond(self, 301, headers={"x-amz-bucket-region": "eu/west 1"})
        return respond(self, 403, b"<Error>SignatureDoesNotMatch</Error>")

    def log_message(self, *_args: object) -> None:
        pass


@contextmanager
def s3_pair() -> Iterator[tuple[str, list[tuple[int, str, str | None]]]]:
    seen: list[tuple[int, str, str | None]] = []
    with (
        serving(type("West", (_S3,), {"seen": seen})) as west,
        serving(type("East", (_S3,), {"seen": seen, "west": west})) as east,
    ):
        yield east, seen


def get(url: str, credentials: Credentials | None = KEYS) -> bytes | None:
    async def run() -> bytes | None:
        allowed = AllowedHosts.parse(["127.0.0.1"])
        async with GuardedFetcher(allowed, credentials) as fetcher:
            return await fetcher.get(url)

    return asyncio.run(run())


def test_temporary_redirect_to_the_regional_endpoint_is_signed_for_its_host_and_region():
    with s3_pair() as (east, seen):
        assert get(f"{east}/temp/obj") == b"ok"
    east_port = int(east.rsplit(":", 1)[1])
    assert seen[0][0] == east_port and seen[0][2] == "us-east-1"
    assert seen[1][0] != east_port and seen[1][2] == "eu-west-1"  # valid for west's host


def test_permanent_redirect_without_location_and_malformed_authorization_sign_again():
    with s3_pair() as (east, seen):
        assert get(f"{east}/perm/obj") == b"ok"
        assert [region for _port, _path, region in seen] == ["us-east-1", "eu-west-1"]
        seen.clear()
        assert get(f"{east}/malformed/obj") == b"ok"
        assert [region for _port, _path, region in seen] == ["us-east-1", "eu-west-1"]


def test_redirect_targets_still_pass_the_ssrf_guard_and_plain_redirects_stay_unsigned():
    with s3_pair() as (east, seen):
        with pytest.raises(UnsafePath):
            get(f"{east}/to-metadata")
        seen.clear()
        assert get(f"{east}/elsewhere") is None  # west got no signature, so it refused
        assert seen[1][2] is None and "Authorization" not in str(seen)
        with pytest.raises(Exception, match="redirect without a target"):
            get(f"{east}/bad-region")  # a header that is no region is not signed into a scope
        assert get(f"{east}/temp/obj", Credentials(token="t")) is None  # a bearer token: no


def test_aws_endpoints_and_regions():
    assert region_of_host("bucket.s3.eu-west-1.amazonaws.com") == "eu-west-1"
    assert region_of_host("s3-external-1.amazonaws.com") == "us-east-1"
    assert region_of_host("s3.dualstack.ap-south-1.amazonaws.com") == "ap-south-1"
    assert region_of_host("bucket.s3.amazonaws.com") is None
    assert not is_aws_s3_host("s3.amazonaws.com.evil.example")
    assert regional_url("https://b.s3.amazonaws.com/k?x=1", "eu-west-1") == (
        "https://b.s3.eu-west-1.amazonaws.com/k?x=1"
    )
    assert regional_url("https://s3.us-east-2.amazonaws.com/b/k", "eu-west-1") == (
        "https://s3.eu-west-1.amazonaws.com/b/k"
    )
    assert regional_url("http://127.0.0.1:9000/b/k", "eu-west-1") == "http://127.0.0.1:9000/b/k"


def test_aws_redirects_are_resigned_for_the_target_region():
    url = "https://bucket.s3.amazonaws.com/img.zarr/zarr.json"
    to = "https://bucket.s3.eu-central-1.amazonaws.com/img.zarr/zarr.json"
    # a 307 to a regional endpoint names its region in its host
    assert s3_moved(307, {"location": to}, url, "us-east-1") == (to, "eu-central-1")
    # S3's 301 PermanentRedirect carries the region only
    assert s3_moved(301, {"x-amz-bucket-region": "eu-central-1"}, url, "us-east-1") == (
        to, "eu-central-1",
    )  # fmt: skip
    # a redirect to a host that is not S3 is no regional redirect, nor is an unsigned one
    assert s3_moved(307, {"location": "https://evil.example/x"}, url, "us-east-1") is None
    assert s3_moved(307, {"location": to}, url, None) is None
    assert s3_moved(400, {"x-amz-bucket-region": "us-east-1"}, url, "us-east-1") is None
