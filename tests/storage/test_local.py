import os

import pytest

from voxhub.storage.errors import AlreadyExists, UnsafePath
from voxhub.storage.local import check_name, clean_staging, publish, safe_join, staging_folder


def test_staging_folder_is_removed_on_error(tmp_path):
    with pytest.raises(RuntimeError), staging_folder(tmp_path / "st") as folder:
        (folder / "x").write_text("half")
        raise RuntimeError("crash")
    assert list((tmp_path / "st").iterdir()) == []


def test_publish_is_a_rename_and_never_replaces(tmp_path):
    with staging_folder(tmp_path / "st") as folder:
        (folder / "ds").mkdir()
        (folder / "ds" / "file").write_text("data")
        publish(folder / "ds", tmp_path / "out" / "ds")
    assert (tmp_path / "out" / "ds" / "file").read_text() == "data"
    other = tmp_path / "other"
    other.mkdir()
    with pytest.raises(AlreadyExists):
        publish(other, tmp_path / "out" / "ds")


@pytest.mark.parametrize("relative", ["../x", "/etc/passwd", "a/../../b", "C:/x", ""])
def test_safe_join_refuses_escapes(tmp_path, relative):
    with pytest.raises(UnsafePath):
        safe_join(tmp_path, relative)


def test_safe_join_refuses_symlink_escape(tmp_path):
    (tmp_path / "root").mkdir()
    os.symlink("/", tmp_path / "root" / "link")
    with pytest.raises(UnsafePath):
        safe_join(tmp_path / "root", "link/etc")
    assert safe_join(tmp_path / "root", "a/b") == tmp_path / "root" / "a" / "b"


@pytest.mark.parametrize("name", ["ok_name-1.v2", "A"])
def test_good_names(name):
    assert check_name(name) == name


def test_clean_staging_removes_only_old_folders(tmp_path):
    old = tmp_path / "old"
    old.mkdir()
    os.utime(old, (0, 0))
    (tmp_path / "new").mkdir()
    assert clean_staging(tmp_path, older_than_seconds=3600) == 1
    assert [p.name for p in tmp_path.iterdir()] == ["new"]
