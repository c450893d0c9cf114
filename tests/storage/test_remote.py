"""The SSRF guard's entry point: which URLs a remote layer may name."""

import pytest

from voxhub.storage.errors import UnsafePath
from voxhub.storage.remote import check_remote_url

ALLOWED = ["https://data.example.org/ds.zarr/1", "http://example.org:8080/a", "s3://bucket/k",
           "gs://bucket/prefix"]  # fmt: skip
REFUSED = [
    "file:///etc/passwd", "ftp://example.org/x", "http:///nohost", "http://localhost/x",
    "http://127.0.0.1:8000/zarr", "http://[::1]/x", "http://169.254.169.254/latest/meta-data",
    "http://10.1.2.3/x", "http://192.168.0.1/x", "http://[::ffff:127.0.0.1]/x",
    "https://user:secret@example.org/x", "http://0.0.0.0/x",
]  # fmt: skip


@pytest.mark.parametrize("url", ALLOWED)
def test_public_urls_pass(url):
    assert check_remote_url(url) == url


@pytest.mark.parametrize("url", REFUSED)
def test_local_and_odd_urls_are_refused(url):
    with pytest.raises(UnsafePath):
        check_remote_url(url)
