"""The entry point of the SSRF guard: which URLs a remote layer may name.

Remote layers (Zarr, N5, Neuroglancer precomputed over HTTP/S3/GCS) are only
referenced, never copied. Every URL that enters the catalog as a mag path goes
through ``check_remote_url`` (called by ``voxhub.formats.paths``), and every
outbound fetch must call it again on each redirect target: a name that
resolved to a public address when registered may resolve to 127.0.0.1 when
fetched (DNS rebinding), so the fetcher repeats the address check on the
address it actually connects to (``check_address``).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

from voxhub.storage.errors import UnsafePath

REMOTE_SCHEMES = frozenset({"http", "https", "s3", "gs"})
LOCAL_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback"})


@dataclass(frozen=True)
class AllowedHosts:
    """Hosts an operator allows although the guard would refuse their addresses."""

    names: frozenset[str] = frozenset()  # "host" or "host:port", lower case
    networks: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...] = ()

    @classmethod
    def parse(cls, entries: Iterable[str]) -> AllowedHosts:
        names, networks = set(), []
        for entry in (e.strip().lower() for e in entries):
            if not entry:
                continue
            try:
                networks.append(ipaddress.ip_network(entry, strict=False))
            except ValueError:
                names.add(entry)
        return cls(frozenset(names), tuple(networks))

    def allows(self, host: str, port: int, address: str | None = None) -> bool:
        host = host.lower().rstrip(".")
        if host in self.names or f"{host}:{port}" in self.names:
            return True
        if address is None:
            return False
        ip = ipaddress.ip_address(address)
        return any(ip in network for network in self.networks)


def check_address(address: str) -> None:
    """Refuse loopback, private, link-local (cloud metadata), multicast and reserved IPs."""
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if (
        ip.is_loopback
        or ip.is_private
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
    ):
        raise UnsafePath(f"remote address {address} is not reachable from this server")


def check_remote_url(url: str, allowed: AllowedHosts | None = None) -> str:
    """``url`` if a remote layer may name it; ``UnsafePath`` otherwise.

    A host the operator allows (``VOXHUB_REMOTE_ALLOWED_HOSTS``) passes the
    address check; scheme and credentials are checked all the same.
    """
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = parts.port
    except ValueError:
        raise UnsafePath(f"remote path {url!r} is not a valid URL") from None
    if parts.scheme not in REMOTE_SCHEMES:
        schemes = ", ".join(sorted(REMOTE_SCHEMES))
        raise UnsafePath(f"remote path {url!r}: scheme must be one of {schemes}")
    if not host:
        raise UnsafePath(f"remote path {url!r} names no host")
    if parts.username is not None or parts.password is not None:
        raise UnsafePath(f"remote path {url!r}: credentials belong in the credential store")
    if allowed is not None and _allowed(allowed, parts.scheme, host, port):
        return url
    if host.lower().rstrip(".") in LOCAL_NAMES:
        raise UnsafePath(f"remote address {host} is not reachable from this server")
    try:
        check_address(host)
    except ValueError:  # a name, not an address literal: checked again when fetched
        pass
    return url


def _allowed(allowed: AllowedHosts, scheme: str, host: str, port: int | None) -> bool:
    port = port or (443 if scheme == "https" else 80)
    try:
        literal: str | None = str(ipaddress.ip_address(host))
    except ValueError:
        literal = None
    return allowed.allows(host, port, literal)
