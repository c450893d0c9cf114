"""Unpacking untrusted zips: path escapes, links, bombs and corrupt archives are refused."""

import stat
import zipfile

import pytest

from voxhub.uploads.errors import ArchiveTooLarge, UnsafeArchive
from voxhub.uploads.unzip import ZipLimits, check_zip, extract_zip

LIMITS = ZipLimits(max_bytes=50 * 2**20, max_entries=100)


def make_zip(path, entries):
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return path


def test_a_normal_zip_unpacks(tmp_path):
    archive = make_zip(tmp_path / "ok.zip", {"stack/a.txt": b"a", "stack/sub/b.txt": b"bb"})
    assert check_zip(archive, LIMITS) == 3
    out = extract_zip(archive, tmp_path / "out", LIMITS)
    assert (out / "stack/sub/b.txt").read_bytes() == b"bb"


@pytest.mark.parametrize("name", ["../evil.txt", "a/../../evil.txt", "/etc/evil", "C:/evil"])
def test_path_escapes_are_refused(tmp_path, name):
    archive = make_zip(tmp_path / "bad.zip", {"fine.txt": b"x", name: b"evil"})
    with pytest.raises(UnsafeArchive):
        check_zip(archive, LIMITS)
    with pytest.raises(UnsafeArchive):
        extract_zip(archive, tmp_path / "out", LIMITS)
    assert not (tmp_path / "out").exists()
    assert not (tmp_path / "evil.txt").exists()


def test_symlink_entries_are_refused(tmp_path):
    info = zipfile.ZipInfo("link")
    info.external_attr = (stat.S_IFLNK | 0o777) << 16
    with zipfile.ZipFile(tmp_path / "link.zip", "w") as archive:
        archive.writestr(info, "/etc/passwd")
    with pytest.raises(UnsafeArchive, match="link"):
        extract_zip(tmp_path / "link.zip", tmp_path / "out", LIMITS)


def test_a_high_ratio_alone_is_not_a_bomb(tmp_path):
    """Empty KNOSSOS edge cubes compress hundreds of times: fine while the total fits."""
    archive = make_zip(tmp_path / "cubes.zip", {"zeros.bin": b"\0" * (40 * 2**20)})
    assert archive.stat().st_size < 200_000
    assert check_zip(archive, LIMITS) == 40 * 2**20
    out = extract_zip(archive, tmp_path / "out", LIMITS)
    assert (out / "zeros.bin").stat().st_size == 40 * 2**20


def test_many_exact_megabyte_entries_count_against_the_total(tmp_path):
    archive = make_zip(tmp_path / "bomb.zip", {f"{i}.raw": b"\0" * 2**20 for i in range(60)})
    with pytest.raises(ArchiveTooLarge, match="unpacks to"):
        check_zip(archive, LIMITS)
    with pytest.raises(ArchiveTooLarge):
        extract_zip(archive, tmp_path / "out", LIMITS)
    assert not (tmp_path / "out").exists()


def test_zip_larger_than_the_quota_is_refused(tmp_path):
    archive = make_zip(tmp_path / "big.zip", {f"f{i}": b"\0" * 2**20 for i in range(3)})
    with pytest.raises(ArchiveTooLarge, match="unpacks to"):
        check_zip(archive, ZipLimits(max_bytes=2 * 2**20))


def test_lying_headers_are_caught_while_inflating(tmp_path):
    """A central directory that understates sizes cannot smuggle a bomb past the checks."""
    archive = make_zip(tmp_path / "liar.zip", {"data.bin": b"\0" * 2**20})
    raw = bytearray(archive.read_bytes())
    central = raw.rfind(b"PK\x01\x02")
    raw[central + 24 : central + 28] = (1000).to_bytes(4, "little")  # uncompressed size
    archive.write_bytes(bytes(raw))
    with pytest.raises((ArchiveTooLarge, UnsafeArchive)):
        extract_zip(archive, tmp_path / "out", LIMITS)
    assert not (tmp_path / "out").exists()


def test_too_many_entries(tmp_path):
    archive = make_zip(tmp_path / "many.zip", {f"{i}.txt": b"" for i in range(101)})
    with pytest.raises(ArchiveTooLarge, match="entries"):
        check_zip(archive, LIMITS)


def test_corrupt_zip(tmp_path):
    (tmp_path / "junk.zip").write_bytes(b"PK\x03\x04 not a zip at all")
    with pytest.raises(UnsafeArchive, match="junk.zip"):
        check_zip(tmp_path / "junk.zip", LIMITS)
