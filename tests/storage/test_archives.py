"""Bounded inflation: totals across members and nested archives, lying headers, defaults."""

import io
import zipfile

import pytest
from tests.helpers import zip_of

from voxhub.storage.archives import ZipLimits, inflation, read_all, read_member
from voxhub.storage.errors import ArchiveTooLarge


def test_one_inflation_counts_every_archive_read_in_its_context():
    inner = zip_of({"a": b"\0" * 600_000})
    outer = zip_of({"x.xlsx": inner, "y.xlsx": inner})
    with inflation(ZipLimits(max_bytes=1_000_000)) as budget:
        with zipfile.ZipFile(io.BytesIO(outer)) as archive:
            books = [read_member(archive, name) for name in ("x.xlsx", "y.xlsx")]
        assert read_all(books[0])["a"] == b"\0" * 600_000
        with pytest.raises(ArchiveTooLarge):
            read_all(books[1])  # the second workbook would pass the total
    assert budget.total <= 1_000_000 + 2**20


def test_member_limit_and_lying_headers():
    data = zip_of({"big": b"\0" * 2**20})
    with inflation(ZipLimits(max_bytes=10 * 2**20, max_member_bytes=2**19)):
        with pytest.raises(ArchiveTooLarge, match="unpacks to"):
            read_all(data)
    raw = bytearray(data)
    central = raw.rfind(b"PK\x01\x02")
    raw[central + 24 : central + 28] = (1000).to_bytes(4, "little")
    with pytest.raises((ArchiveTooLarge, zipfile.BadZipFile)):  # never past the declared size
        read_all(bytes(raw))


def test_without_a_context_each_read_has_library_limits():
    assert read_all(zip_of({"a": b"abc", "d/": b""})) == {"a": b"abc"}
