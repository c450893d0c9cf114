"""AWS S3 regions of endpoints: which region a host names, and a bucket's regional URL.

S3 answers a request signed for the wrong region with a redirect (301
``PermanentRedirect``, often without ``Location``; 307 ``TemporaryRedirect``
to the regional endpoint) or a 400 ``AuthorizationHeaderMalformed``, each with
the bucket's region in ``x-amz-bucket-region``. A SigV4 signature names its
host and region, so the request must be signed again for the new endpoint.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from urllib.parse import urljoin, urlsplit, urlunsplit

# bucket.s3.amazonaws.com, bucket.s3.eu-west-1.amazonaws.com, s3-eu-west-1.amazonaws.com,
# s3.dualstack.eu-west-1.amazonaws.com, s3.cn-north-1.amazonaws.com.cn
_AWS_HOST = re.compile(
    r"(?P<bucket>(?:[a-z0-9.-]+\.)?)s3(?:\.dualstack)?(?:[.-](?P<region>[a-z0-9-]+))?"
    r"\.amazonaws\.com(?P<cn>\.cn)?"
)


def is_aws_s3_host(host: str) -> bool:
    """Whether ``host`` is an AWS S3 endpoint (global, regional, virtual-hosted or not)."""
    return _AWS_HOST.fullmatch(host.lower().rstrip(".")) is not None


def region_of_host(host: str) -> str | None:
    """The region an AWS S3 endpoint names (``None``: the global endpoint, or not S3)."""
    found = _AWS_HOST.fullmatch(host.lower().rstrip("."))
    if found is None or found["region"] is None:
        return None
    region = found["region"]
    return "us-east-1" if region == "external-1" else region


def regional_url(url: str, region: str) -> str:
    """``url`` on the S3 endpoint of ``region`` when its host is AWS S3's; unchanged otherwise
    (an S3-compatible store keeps its one endpoint whatever the region)."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower().rstrip(".")
    found = _AWS_HOST.fullmatch(host)
    if found is None:
        return url
    new_host = f"{found['bucket']}s3.{region}.amazonaws.com{found['cn'] or ''}"
    netloc = f"{new_host}:{parts.port}" if parts.port else new_host
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def s3_moved(
    status: int, headers: Mapping[str, str], url: str, signed_for: str | None
) -> tuple[str, str] | None:
    """Where and for which region to sign again when S3 answered that the bucket lives in
    another region; ``None`` when the answer is no such thing, or the request to the https
    or http ``url`` was not signed with S3 keys (``signed_for``: the region it was signed for).

    The region comes from ``x-amz-bucket-region``, else from the redirect target's host.
    A target on another host is signed for only when it is an AWS S3 endpoint, or the
    answer named the bucket's region and the target is the same host (another port); a
    plain redirect elsewhere is followed unsigned. The caller still puts the target through
    the SSRF guard like any other."""
    if signed_for is None:
        return None
    bucket_region = headers.get("x-amz-bucket-region", "").strip() or None
    if bucket_region is not None and not _REGION.fullmatch(bucket_region):
        return None
    if status in (301, 302, 307, 308):
        location = headers.get("location")
        if not location:  # S3's PermanentRedirect: the region only, no Location
            target = regional_url(url, bucket_region or signed_for)
            if bucket_region is None or (bucket_region == signed_for and target == url):
                return None  # nothing new to sign for
            return target, bucket_region
        target = urljoin(url, location)
        there = urlsplit(target)
        new_region = bucket_region or region_of_host(there.hostname or "")
        if new_region is None or there.scheme not in ("http", "https"):
            return None
        same_host = there.hostname == urlsplit(url).hostname
        if not (is_aws_s3_host(there.hostname or "") or (same_host and bucket_region)):
            return None
        return target, new_region
    if status == 400 and bucket_region is not None and bucket_region != signed_for:
        # AuthorizationHeaderMalformed: the same endpoint, signed for the bucket's region
        return regional_url(url, bucket_region), bucket_region
    return None


_REGION = re.compile(r"[a-z0-9][a-z0-9-]{0,39}")  # signed into the scope: no "/", no spaces


__all__ = ["is_aws_s3_host", "region_of_host", "regional_url", "s3_moved"]
