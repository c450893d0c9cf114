"""Naming a bucket: ``VOXHUB_STORAGE`` is checked when the settings load, in one line."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from voxhub.config import Settings
from voxhub.errors import InvalidInput
from voxhub.hub import Hub
from voxhub.storage.s3 import parse_s3_url


@pytest.mark.parametrize(
    ("url", "parts"),
    [("s3://bucket-one", ("bucket-one", "")), ("s3://b.c-d/a/b/", ("b.c-d", "a/b"))],
)
def test_bucket_and_prefix(url, parts):
    assert parse_s3_url(url) == parts
    assert Settings(storage=url).storage == url


@pytest.mark.parametrize(
    "url",
    ["http://bucket/x", "s3://", "s3://B/x", "/tmp/data", "s3://bucket/../x", "s3://bucket/a//b"],
)
def test_anything_else_is_refused(url, tmp_path):
    with pytest.raises((InvalidInput, ValidationError)):  # whichever check comes first
        assert Hub(Settings(data=tmp_path, storage=url)).storage is None
