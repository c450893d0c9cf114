"""S3 keys of remote sources: voxhub's SigV4 signature equals botocore's for the same GET."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

import pytest

from voxhub.storage.fetch import Credentials, sigv4_headers

botocore_auth = pytest.importorskip("botocore.auth")  # installed with moto (test extra)
SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
NOW = datetime(2026, 11, 30, 12, 0, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    "url",
    [
        "https://bucket.s3.amazonaws.com/data/img.zarr/s0/c/0/1/2",
        "https://bucket.s3.amazonaws.com/a%20b/zarr.json?x-id=GetObject&b=2",
        "http://127.0.0.1:9000/bucket/img.zarr/.zarray",
    ],
)
def test_signature_matches_botocore(url: str) -> None:
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials as BotoCredentials

    empty = hashlib.sha256(b"").hexdigest()  # botocore signs the empty body's hash
    request = AWSRequest(
        method="GET", url=url,
        headers={"X-Amz-Date": NOW.strftime("%Y%m%dT%H%M%SZ"), "X-Amz-Content-SHA256": empty},
    )  # fmt: skip
    request.context["timestamp"] = NOW.strftime("%Y%m%dT%H%M%SZ")
    signer = botocore_auth.S3SigV4Auth(BotoCredentials("AKIDEXAMPLE", SECRET), "s3", "eu-west-1")
    canonical = signer.canonical_request(request)
    string = signer.string_to_sign(request, canonical)
    expected = signer.signature(string, request)
    ours = sigv4_headers(url, "AKIDEXAMPLE", SECRET, "eu-west-1", NOW, payload=empty)
    assert ours["Authorization"].endswith(f"Signature={expected}")


def test_s3_credentials_sign_and_half_keys_are_refused() -> None:
    keys = Credentials.parse({"accessKeyId": "AKID", "secretAccessKey": SECRET})
    assert keys is not None and keys.kind == "s3"
    headers = keys.headers("https://bucket.s3.amazonaws.com/x")
    assert headers["Authorization"].startswith("AWS4-HMAC-SHA256 Credential=AKID/")
    assert headers["x-amz-content-sha256"] == "UNSIGNED-PAYLOAD"
    with pytest.raises(Exception, match="both"):
        Credentials.parse({"accessKeyId": "AKID"})
