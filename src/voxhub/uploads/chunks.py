"""Where an upload's bytes land: one folder per upload, files written chunk by chunk.

``<data>/.uploads/<id>/files/<relative path>`` receives each chunk at its
offset (no re-assembly at the end); ``.chunks/<file key>/`` holds one empty
marker per received chunk, created only after its bytes are written, so a
test request never reports a chunk that a crash left half-written.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from voxhub.storage.errors import UnsafePath
from voxhub.storage.local import safe_join
from voxhub.uploads.errors import BadChunk, UploadIncomplete


@dataclass(frozen=True)
class Chunk:
    """One resumable.js chunk request, as numbers (1-based ``number``)."""

    relative_path: str
    number: int
    size: int  # resumableChunkSize: the nominal size of every chunk but the last
    total_size: int
    total_chunks: int

    @property
    def offset(self) -> int:
        return (self.number - 1) * self.size

    def check(self, length: int | None = None) -> None:
        if not (1 <= self.number <= self.total_chunks) or self.size <= 0 or self.total_size < 0:
            raise BadChunk(
                f"chunk {self.number} of {self.total_chunks} (size {self.size}) is out of range"
            )
        expected_chunks = max(1, self.total_size // self.size)
        if self.total_chunks != expected_chunks:
            raise BadChunk(
                f"{self.total_size} bytes in chunks of {self.size} make {expected_chunks} chunks, "
                f"not {self.total_chunks}"
            )
        if length is None:
            return
        last = self.number == self.total_chunks
        expected = self.total_size - self.offset if last else self.size
        if length != expected:
            raise BadChunk(f"chunk {self.number} has {length} bytes, expected {expected}")


def canonical(relative_path: str) -> str:
    """One spelling per file: ``./a``, ``a`` and ``a//b`` vs ``a/b`` name the same file."""
    return "/".join(p for p in relative_path.split("/") if p not in ("", "."))


def _key(relative_path: str) -> str:
    return hashlib.sha256(canonical(relative_path).encode()).hexdigest()[:32]


class UploadFolder:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.files = root / "files"
        self.markers = root / ".chunks"
        # The import job's working copies; the received ``files`` are never changed.
        self.unpacked = root / "unpacked"
        self.unpacking = root / ".unpacking"
        self.build = root / "build"

    def create(self) -> None:
        self.files.mkdir(parents=True, exist_ok=True)
        self.markers.mkdir(exist_ok=True)

    def target(self, relative_path: str) -> Path:
        """The file a relative path names, refusing absolute paths, ``..`` and links out."""
        if "\x00" in relative_path or "\\" in relative_path or len(relative_path) > 1024:
            raise UnsafePath(f"path {relative_path!r} is not allowed")
        path = safe_join(self.files, relative_path)
        if path.is_symlink():
            raise UnsafePath(f"path {relative_path!r} is a link")
        return path

    def has_chunk(self, chunk: Chunk) -> bool:
        return (self.markers / _key(chunk.relative_path) / str(chunk.number)).exists()

    def file_count(self) -> int:
        return sum(1 for _ in self.markers.iterdir()) if self.markers.is_dir() else 0

    def is_new_file(self, relative_path: str) -> bool:
        return not (self.markers / _key(relative_path)).exists()

    def write(self, chunk: Chunk, data: bytes) -> bool:
        """Write ``data`` at the chunk's offset; False when this chunk was already there."""
        chunk.check(len(data))
        path = self.target(chunk.relative_path)
        self._make_parents(path, chunk.relative_path)
        folder = self.markers / _key(chunk.relative_path)
        folder.mkdir(parents=True, exist_ok=True)
        meta = folder / "meta.json"
        described = {"path": canonical(chunk.relative_path), "size": chunk.total_size,
                     "chunks": chunk.total_chunks}  # fmt: skip
        if meta.exists():
            if json.loads(meta.read_text()) != described:
                raise BadChunk(f"{chunk.relative_path}: chunk sizes differ from earlier chunks")
        else:
            meta.write_text(json.dumps(described))
        marker = folder / str(chunk.number)
        if marker.exists():
            return False
        self.target(chunk.relative_path)  # the parents now exist: check no link led astray
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_NOFOLLOW, 0o644)
        except (IsADirectoryError, NotADirectoryError):
            raise _file_and_folder(chunk.relative_path) from None
        try:
            os.pwrite(fd, data, chunk.offset)
        finally:
            os.close(fd)
        try:
            marker.touch(exist_ok=False)
        except FileExistsError:  # a parallel request wrote the same chunk: count it once
            return False
        return True

    @staticmethod
    def _make_parents(path: Path, relative_path: str) -> None:
        """Make the file's folders; a name used as a file and as a folder is refused."""
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except (FileExistsError, NotADirectoryError):
            raise _file_and_folder(relative_path) from None
        if path.is_dir():
            raise _file_and_folder(relative_path)

    def check_complete(self, total_files: int) -> list[Path]:
        """Every file with all its chunks; ``UploadIncomplete`` naming what is missing."""
        found: list[Path] = []
        missing: list[str] = []
        for folder in sorted(self.markers.iterdir()) if self.markers.is_dir() else []:
            meta = json.loads((folder / "meta.json").read_text())
            have = sum(1 for p in folder.iterdir() if p.name.isdigit())
            if have != meta["chunks"]:
                missing.append(f"{meta['path']} ({have}/{meta['chunks']} chunks)")
            found.append(self.target(meta["path"]))
        if missing:
            raise UploadIncomplete("chunks missing: " + ", ".join(missing[:10]))
        if len(found) != total_files:
            raise UploadIncomplete(f"{len(found)} of {total_files} files were uploaded")
        return found

    def discard_work(self) -> None:
        """Remove what an import attempt unpacked or built (a retry starts afresh)."""
        for folder in (self.unpacking, self.unpacked, self.build):
            shutil.rmtree(folder, ignore_errors=True)

    def remove(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)


def _file_and_folder(relative_path: str) -> BadChunk:
    return BadChunk(f"{relative_path}: another file of this upload uses this name for a folder")
