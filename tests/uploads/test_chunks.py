"""The chunk store: offsets, repeats, bad numbers and paths that try to leave the upload."""

import pytest

from voxhub.storage.errors import UnsafePath
from voxhub.uploads.chunks import Chunk, UploadFolder
from voxhub.uploads.errors import BadChunk, UploadIncomplete


@pytest.fixture
def folder(tmp_path):
    store = UploadFolder(tmp_path / "upload")
    store.create()
    return store


def chunks_of(path, data, size):
    total = max(1, len(data) // size)
    for number in range(1, total + 1):
        start = (number - 1) * size
        end = len(data) if number == total else start + size
        yield Chunk(path, number, size, len(data), total), data[start:end]


def test_chunks_in_any_order_assemble_the_file(folder):
    data = bytes(range(256)) * 41  # 10,496 bytes: last chunk carries the remainder
    pieces = list(chunks_of("stack/a.tif", data, 1000))
    assert len(pieces) == 10
    for chunk, part in reversed(pieces):
        assert folder.write(chunk, part)
    assert folder.write(*pieces[0]) is False  # a repeat is accepted once
    assert folder.has_chunk(pieces[3][0])
    assert folder.check_complete(1) == [folder.files / "stack/a.tif"]
    assert (folder.files / "stack/a.tif").read_bytes() == data


def test_missing_chunks_are_reported(folder):
    pieces = list(chunks_of("a.bin", b"x" * 3000, 1000))
    folder.write(*pieces[0])
    folder.write(*pieces[2])
    with pytest.raises(UploadIncomplete, match="a.bin \\(2/3 chunks\\)"):
        folder.check_complete(1)


@pytest.mark.parametrize(
    "path", ["../outside.bin", "/etc/passwd", "a/../../outside.bin", "a\\..\\x", "nul\x00byte"]
)
def test_paths_cannot_escape(folder, path):
    chunk = Chunk(path, 1, 10, 4, 1)
    with pytest.raises(UnsafePath):
        folder.write(chunk, b"evil")
    assert not (folder.root.parent / "outside.bin").exists()


def test_symlinks_inside_the_upload_are_not_followed(folder, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (folder.files / "link").symlink_to(outside)
    with pytest.raises(UnsafePath):
        folder.write(Chunk("link/x.bin", 1, 10, 4, 1), b"evil")
    assert list(outside.iterdir()) == []


@pytest.mark.parametrize(
    "chunk, length",
    [
        (Chunk("a", 0, 10, 30, 3), 10),  # chunk numbers start at 1
        (Chunk("a", 4, 10, 30, 3), 10),  # past the last chunk
        (Chunk("a", 1, 10, 30, 2), 10),  # total chunks that do not fit the sizes
        (Chunk("a", 1, 10, 30, 3), 9),  # a short middle chunk
        (Chunk("a", 3, 10, 30, 3), 11),  # a last chunk longer than the remainder
    ],
)
def test_inconsistent_chunk_numbers_are_refused(folder, chunk, length):
    with pytest.raises(BadChunk):
        folder.write(chunk, b"x" * length)
