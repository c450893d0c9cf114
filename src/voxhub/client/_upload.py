"""Uploading through the server's resumable protocol (the one resumable.js speaks).

An upload is reserved once (name, organization, file count, bytes); each file
is cut into ``chunk_size`` pieces (the last one takes the remainder, as
resumable.js does), each piece is asked for first (200: the server has it,
so a second run resumes where the first stopped) and sent otherwise, several
at a time. ``finish`` queues the import job.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from voxhub.client._http import Http

CHUNK_SIZE = 8 * 1024 * 1024


@dataclass(frozen=True)
class Piece:
    path: Path
    relative: str
    number: int  # 1-based, as in resumable.js
    offset: int
    length: int
    chunk_size: int
    total_size: int
    total_chunks: int

    def fields(self) -> dict[str, str]:
        return {
            "resumableChunkNumber": str(self.number),
            "resumableChunkSize": str(self.chunk_size),
            "resumableTotalSize": str(self.total_size),
            "resumableTotalChunks": str(self.total_chunks),
            "resumableRelativePath": self.relative,
        }


def files_of(path: Path) -> list[tuple[Path, str]]:
    """The files to send with their relative paths (a folder keeps its own name on top)."""
    if path.is_file():
        return [(path, path.name)]
    if not path.is_dir():
        raise FileNotFoundError(f"{path}: no such file or folder")
    found = sorted(p for p in path.rglob("*") if p.is_file() and not p.is_symlink())
    return [(p, f"{path.name}/{p.relative_to(path).as_posix()}") for p in found]


def pieces(files: list[tuple[Path, str]], chunk_size: int = CHUNK_SIZE) -> Iterator[Piece]:
    for path, relative in files:
        total = path.stat().st_size
        count = max(1, total // chunk_size)
        for index in range(count):
            offset = index * chunk_size
            length = total - offset if index == count - 1 else chunk_size
            yield Piece(path, relative, index + 1, offset, length, chunk_size, total, count)


def _read(piece: Piece) -> bytes:
    with open(piece.path, "rb") as f:
        f.seek(piece.offset)
        return f.read(piece.length)


def send_all(
    http: Http,
    upload_id: str,
    all_pieces: list[Piece],
    parallel: int,
    progress: Callable[[int], None] | None = None,
    ask_first: bool = True,
) -> None:
    """Send every piece the server does not have yet, ``parallel`` at a time
    (``ask_first``: ask for each piece before sending it, for resumed uploads)."""
    route = f"/api/v1/uploads/{upload_id}/chunks"

    def one(piece: Piece) -> None:
        present = ask_first and http.request("GET", route, params=piece.fields()).status_code == 200
        if not present:
            http.request(
                "POST",
                route,
                data=piece.fields(),
                files={"file": (os.path.basename(piece.relative), _read(piece))},
            )
        if progress is not None:
            progress(piece.length)

    with ThreadPoolExecutor(max_workers=parallel) as pool:
        for done in pool.map(one, all_pieces):
            del done


def reserve_body(
    name: str, organization: str, files: list[tuple[Path, str]], **options: Any
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": name,
        "organization": organization,
        "totalFileCount": len(files),
        "totalBytes": sum(p.stat().st_size for p, _ in files),
    }
    body.update({k: v for k, v in options.items() if v is not None})
    return body
