"""Outbound HTTP for remote layers, behind the SSRF guard.

Every request a remote layer makes goes through ``GuardedFetcher.get``:

- the URL passes ``check_remote_url`` (scheme, no credentials in the URL);
- the host name is resolved here, every address is checked (loopback,
  private, link-local — the cloud metadata service —, multicast, reserved)
  and the connection goes to the checked address (the original name is sent
  as ``Host`` and as TLS server name), so a name cannot resolve to a public
  address when checked and to 127.0.0.1 when fetched (DNS rebinding);
- redirects are followed by hand, each target checked the same way, and
  credentials go only to the origin (scheme, host, port) they were given for:
  a redirect elsewhere is followed without them. The exception is S3's
  regional redirect (the bucket lives in another region): S3 keys sign the
  request again for the new endpoint and region (``s3_regions.s3_moved``); a SigV4
  signature names its host, so it is worth nothing to any other server;
- answers are read up to a size limit, and errors never echo the remote
  server's body (it may be an internal page the guard kept us from reaching).

An operator may allow hosts the guard refuses (a lab's own object store on a
private network): ``VOXHUB_REMOTE_ALLOWED_HOSTS`` lists ``host``,
``host:port`` or CIDR ranges.

``s3://bucket/key`` and ``gs://bucket/key`` are read as the public HTTPS
objects of AWS S3 and Google Cloud Storage.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import ipaddress
import socket
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import ClassVar
from urllib.parse import parse_qsl, quote, unquote, urljoin, urlsplit, urlunsplit

from voxhub.errors import BadGateway, InvalidInput, TooLarge
from voxhub.storage.curl import BodyTooLarge, CurlPool, TransferFailed, curl_pool
from voxhub.storage.errors import UnsafePath
from voxhub.storage.remote import AllowedHosts, check_address, check_remote_url
from voxhub.storage.s3_regions import s3_moved

MAX_REDIRECTS = 5
METADATA_BYTES = 16 * 1024 * 1024
DNS_SECONDS = 10.0  # how long a checked address is reused


class RemoteUnreachable(InvalidInput):
    """The remote source did not answer as expected (never with its body)."""

    code = "remote_unreachable"


class RemoteRefused(BadGateway, RemoteUnreachable):
    """The remote source answered 403 where the object should be readable, or 401 (502):
    its credentials are wrong or lack a permission, and that must not read as missing
    data. ``answered``: the status (a 401 never means a missing key, a 403 may)."""

    code = "remote_refused"

    def __init__(self, detail: str, *, answered: int = 403) -> None:
        super().__init__(detail)
        self.answered = answered


@dataclass(frozen=True)
class Credentials:
    """What a remote source wants: HTTP basic, a bearer token, or S3 keys (SigV4)."""

    username: str | None = None
    password: str | None = None
    token: str | None = None
    access_key_id: str | None = None
    secret_access_key: str | None = None
    region: str | None = None

    FIELDS: ClassVar[tuple[str, ...]] = (
        "username", "password", "token", "accessKeyId", "secretAccessKey", "region"
    )  # fmt: skip

    @classmethod
    def parse(cls, body: Mapping[str, object] | None) -> Credentials | None:
        if not body:
            return None
        unknown = set(body) - set(cls.FIELDS)
        if unknown:
            raise InvalidInput(f"unknown credential fields: {', '.join(sorted(unknown))}")
        values = {k: v for k, v in body.items() if isinstance(v, str) and v}
        if any(len(v) > 4096 for v in values.values()):
            raise InvalidInput("a credential field is longer than 4096 characters")
        found = cls(
            values.get("username"), values.get("password"), values.get("token"),
            values.get("accessKeyId"), values.get("secretAccessKey"), values.get("region"),
        )  # fmt: skip
        if (found.access_key_id is None) != (found.secret_access_key is None):
            raise InvalidInput("S3 credentials need both accessKeyId and secretAccessKey")
        if found.kind == "none":
            return None
        return found

    @property
    def kind(self) -> str:
        if self.access_key_id:
            return "s3"
        if self.token:
            return "bearer"
        return "basic" if self.username is not None else "none"

    def to_dict(self) -> dict[str, str]:
        """The fields as ``parse`` reads them (only to be encrypted, never to be shown)."""
        names = dict(zip(self.FIELDS, (
            self.username, self.password, self.token,
            self.access_key_id, self.secret_access_key, self.region,
        ), strict=True))  # fmt: skip
        return {k: v for k, v in names.items() if v is not None}

    def headers(self, url: str = "", region: str | None = None) -> dict[str, str]:
        """The authorization headers of a GET of ``url`` (its public HTTPS form); S3 keys
        sign for ``region`` when given (a bucket's region learnt from a redirect)."""
        if self.access_key_id and self.secret_access_key:
            return sigv4_headers(
                url, self.access_key_id, self.secret_access_key, region or self.region
            )
        if self.token:
            return {"Authorization": f"Bearer {self.token}"}
        if self.username is not None:
            pair = f"{self.username}:{self.password or ''}".encode()
            return {"Authorization": "Basic " + base64.b64encode(pair).decode()}
        return {}


def sigv4_headers(
    url: str,
    key_id: str,
    secret: str,
    region: str | None,
    now: datetime | None = None,
    payload: str = "UNSIGNED-PAYLOAD",
) -> dict[str, str]:
    """AWS Signature Version 4 headers of a GET of ``url`` (service s3; a GET has no body,
    so its payload is left unsigned unless ``payload`` gives the body's SHA-256)."""
    parts = urlsplit(url)
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")
    day, region = stamp[:8], region or "us-east-1"
    query = "&".join(
        sorted(
            f"{quote(k, safe='-_.~')}={quote(v, safe='-_.~')}"
            for k, v in parse_qsl(parts.query, keep_blank_values=True)
        )
    )
    canonical = "\n".join([
        "GET", quote(unquote(parts.path or "/"), safe="/-_.~"), query,
        f"host:{parts.netloc}", f"x-amz-content-sha256:{payload}", f"x-amz-date:{stamp}", "",
        "host;x-amz-content-sha256;x-amz-date", payload,
    ])  # fmt: skip
    scope = f"{day}/{region}/s3/aws4_request"
    digest = hashlib.sha256(canonical.encode()).hexdigest()
    to_sign = f"AWS4-HMAC-SHA256\n{stamp}\n{scope}\n{digest}"
    key = f"AWS4{secret}".encode()
    for part in (day, region, "s3", "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    return {
        "x-amz-date": stamp,
        "x-amz-content-sha256": payload,
        "Authorization": f"AWS4-HMAC-SHA256 Credential={key_id}/{scope}, "
        f"SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature={signature}",
    }


def public_https(url: str) -> str:
    """``s3://`` and ``gs://`` as their public HTTPS URLs; other URLs unchanged."""
    parts = urlsplit(url)
    if parts.scheme == "s3":
        return f"https://{parts.netloc}.s3.amazonaws.com{parts.path}"
    if parts.scheme == "gs":
        return f"https://storage.googleapis.com/{parts.netloc}{parts.path}"
    return url


@dataclass
class GuardedFetcher:
    """GETs remote URLs through the SSRF guard; one instance per source or per process.

    libcurl underneath (``storage.curl``: one thread per process drives every
    transfer): a cold 256-chunk box read spent ~0.6 ms of Python per answer in
    aiohttp, the largest part of the server's CPU. A checked address is reused
    for ``DNS_SECONDS`` (still the address connected to, so pinning holds).
    """

    allowed: AllowedHosts = field(default_factory=AllowedHosts)
    credentials: Credentials | None = None
    # when ``credentials`` is None: the credentials of each URL asked for (stored ones)
    lookup: Callable[[str], Credentials | None] | None = None
    timeout: float = 30.0
    concurrency: int = 64
    # requests one burst (a large box read, with its own ``slots``) may have in flight;
    # ordinary gets share ``concurrency``
    burst: int = 0
    _pool: CurlPool | None = None
    _slots: asyncio.Semaphore | None = None
    _resolved: dict[tuple[str, int], tuple[str, float]] = field(default_factory=dict)
    # URLs answered 403 although credentials were sent, read as missing (``get``): explore
    # and registration, finding nothing, say the credentials were refused instead
    refused: set[str] = field(default_factory=set)

    async def __aenter__(self) -> GuardedFetcher:
        self._pool = curl_pool()
        self._slots = asyncio.Semaphore(self.concurrency)
        return self

    async def __aexit__(self, *_exc: object) -> None:
        self._pool = None  # the process's pool stays: its idle connections serve the next

    async def _address(self, host: str, port: int) -> str:
        """The host's checked address (the first one resolved; all are checked)."""
        known = self._resolved.get((host, port))
        if known is not None and known[1] > time.monotonic():
            return known[0]
        loop = asyncio.get_running_loop()
        try:
            infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except OSError:
            raise RemoteUnreachable(f"cannot resolve the host {host!r}") from None
        address = str(infos[0][4][0])
        if not self.allowed.allows(host, port, address):
            for info in infos:
                check_address(str(info[4][0]))
        self._resolved[(host, port)] = (address, time.monotonic() + DNS_SECONDS)
        return address

    async def _pinned(self, url: str) -> tuple[str, str, int, str]:
        """The URL to ask (its host as checked), that host, its port and the checked
        address to connect to (the name stays in the URL: ``Host`` and TLS use it)."""
        parts = urlsplit(public_https(url))
        host = (parts.hostname or "").lower().rstrip(".")
        port = parts.port or (443 if parts.scheme == "https" else 80)
        if not self.allowed.allows(host, port, _literal(host)):
            check_remote_url(url)  # scheme, no user:password, no local name or address literal
        elif parts.scheme not in ("http", "https") or parts.username or parts.password:
            raise UnsafePath(f"remote path {_shown(url)} must be http(s) without credentials")
        address = await self._address(host, port)
        name = f"[{host}]" if ":" in host else host
        netloc = f"{name}:{parts.port}" if parts.port else name
        target = urlunsplit((parts.scheme, netloc, parts.path or "/", parts.query, ""))
        return target, host, port, address

    async def get(
        self,
        url: str,
        *,
        limit: int = METADATA_BYTES,
        byte_range: tuple[int, int] | None = None,
        slots: asyncio.Semaphore | None = None,
        refused_is_missing: bool = True,
    ) -> bytes | None:
        """The body at ``url`` (``None`` when it does not exist), at most ``limit`` bytes.

        ``slots`` bounds a burst of requests by itself instead of ``concurrency``. A 403
        reads as missing (S3 answers 403 for a missing key when the credentials may not
        list the bucket: exploring probes names that may not exist; with credentials sent,
        the URL is noted in ``refused``) unless ``refused_is_missing`` is false: then it
        raises ``RemoteRefused``. A 401 always raises it: it never means missing."""
        assert self._pool is not None and self._slots is not None, "use `async with`"
        credentials = self.credentials
        if credentials is None and self.lookup is not None:
            credentials = self.lookup(url)
        origin = _origin(url)
        region: str | None = None  # the bucket's region, once an S3 redirect told it
        moved = False  # the last hop was an S3 regional redirect: sign for its target
        async with slots or self._slots:
            for _hop in range(MAX_REDIRECTS + 1):
                target, host, port, address = await self._pinned(url)
                headers: dict[str, str] = {}
                signed = credentials is not None and (moved or _origin(url) == origin)
                if credentials is not None and signed:
                    headers.update(credentials.headers(public_https(url), region))
                if byte_range is not None:
                    headers["Range"] = f"bytes={byte_range[0]}-{byte_range[1] - 1}"
                try:
                    response = await self._pool.get(
                        target, host, port, address, headers, self.timeout, limit
                    )
                except BodyTooLarge:
                    raise TooLarge(f"{_shown(url)}: more than the {limit} bytes allowed") from None
                except TransferFailed as exc:
                    raise RemoteUnreachable(f"{_shown(url)}: {exc.what}") from None
                resign = s3_moved(
                    response.status, response.headers, public_https(url),
                    _s3_region(credentials, region) if signed else None,
                )  # fmt: skip
                moved = resign is not None
                if resign is not None:
                    url, region = resign
                    continue
                if response.status in (301, 302, 303, 307, 308):
                    location = response.headers.get("location")
                    if not location:
                        raise RemoteUnreachable(f"{_shown(url)}: redirect without a target")
                    url = urljoin(public_https(url), location)
                    continue
                if response.status == 401:
                    raise RemoteRefused(
                        f"{_shown(url)}: the remote server "
                        + ("refused the credentials (401)" if signed
                           else "wants credentials (401)"),
                        answered=401,
                    )  # fmt: skip
                if response.status == 403 and not refused_is_missing:
                    raise RemoteRefused(
                        f"{_shown(url)}: the remote server refused access (403); "
                        "check the credentials stored for this source"
                    )
                if response.status == 403 and signed:
                    self.refused.add(_shown(url))
                if response.status in (403, 404, 410):
                    return None
                if response.status == 416 and byte_range is not None:
                    return b""  # a range past the object's end: nothing there
                if response.status not in (200, 206):
                    raise RemoteUnreachable(
                        f"{_shown(url)}: the remote server answered {response.status}"
                    )
                if byte_range is not None and response.status == 200:
                    # a server that ignores Range sends the whole object: cut it here
                    return response.body[byte_range[0] : byte_range[1]]
                return response.body
            raise RemoteUnreachable(f"{_shown(url)}: more than {MAX_REDIRECTS} redirects")


def _s3_region(credentials: Credentials | None, region: str | None) -> str | None:
    """The region a request is signed for with S3 keys (``None``: not signed with S3 keys)."""
    if credentials is None or credentials.kind != "s3":
        return None
    return region or credentials.region or "us-east-1"


def _literal(host: str) -> str | None:
    """``host`` when it is an IP address literal (so CIDR allowances apply to it)."""
    try:
        return str(ipaddress.ip_address(host))
    except ValueError:
        return None


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(public_https(url))
    return parts.scheme, (parts.hostname or "").lower().rstrip("."), parts.port


def _shown(url: str) -> str:
    """The URL for messages: no query string (it may hold a signature)."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))


__all__ = [
    "AllowedHosts",
    "Credentials",
    "GuardedFetcher",
    "RemoteRefused",
    "RemoteUnreachable",
    "public_https",
    "sigv4_headers",
]
