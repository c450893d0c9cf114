"""Dataset sizes are measured in the background, once per version of a dataset."""

from __future__ import annotations

from datetime import UTC, datetime

from voxhub.catalog.disk_usage import DiskUsage, folder_bytes


def test_folder_bytes_counts_files_below_and_skips_what_is_not_there(tmp_path):
    (tmp_path / "a" / "b").mkdir(parents=True)
    (tmp_path / "a" / "one").write_bytes(b"x" * 100)
    (tmp_path / "a" / "b" / "two").write_bytes(b"y" * 23)
    (tmp_path / "a" / "dangling").symlink_to(tmp_path / "gone")
    assert folder_bytes(tmp_path / "a") == 123
    assert folder_bytes(tmp_path / "missing") is None


def test_a_miss_answers_none_then_the_size_and_a_change_measures_again(tmp_path):
    folder = tmp_path / "ds"
    folder.mkdir()
    (folder / "chunk").write_bytes(b"z" * 50)
    usage = DiskUsage()
    first = datetime(2026, 1, 1, tzinfo=UTC)
    assert usage.get(7, first, folder) is None  # never walked while a request waits
    assert usage.wait()
    assert usage.get(7, first, folder) == 50
    assert usage.get(7, first, folder) == 50
    assert usage.stats["walks"] == 1 and usage.stats["hits"] == 2
    (folder / "more").write_bytes(b"z" * 10)
    later = datetime(2026, 1, 2, tzinfo=UTC)
    assert usage.get(7, later, folder) == 50  # the older size until the new one is known
    assert usage.wait()
    assert usage.get(7, later, folder) == 60
    assert usage.stats["walks"] == 2


def test_the_queue_is_bounded(tmp_path):
    usage = DiskUsage(max_queue=2)
    usage._start = lambda: None  # no walker: see what would be queued
    for dataset_id in range(10):
        usage.get(dataset_id, None, tmp_path)
    assert len(usage._queued) == 2 and len(usage._order) == 2
