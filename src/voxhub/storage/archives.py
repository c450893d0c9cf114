"""Inflating zip members without trusting the archive: every byte is counted.

Headers can lie, so sizes are counted while inflating, never taken from the
central directory alone. One ``Inflation`` counts everything one piece of
work unpacks (an upload, an ISA import with xlsx files nested in an ARC zip)
against its limits: the total, each member, and the number of entries.

A high compression ratio alone is not refused: a KNOSSOS zip of mostly empty
edge cubes compresses hundreds of times and is real data. What bounds memory
and disk is the total, which is what an attacker cannot exceed.

``read_member`` is the bounded ``ZipFile.read`` for libraries (the ISA-XLSX
reader): it charges the ``Inflation`` the caller set with ``inflation()``,
or, when none is set, one with ``LIBRARY_LIMITS`` per archive read.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import IO

from voxhub.storage.errors import ArchiveTooLarge

COPY_BUFFER = 1 << 20


@dataclass(frozen=True)
class ZipLimits:
    """How much one piece of work may inflate."""

    max_bytes: int  # every member together
    max_member_bytes: int | None = None  # one member (default: ``max_bytes``)
    max_entries: int = 100_000

    @property
    def member_limit(self) -> int:
        return self.max_bytes if self.max_member_bytes is None else self.max_member_bytes


# Reading an xlsx or ARC file as a library (the CLI, scripts): generous, but finite.
LIBRARY_LIMITS = ZipLimits(max_bytes=2 << 30, max_member_bytes=1 << 30)


class Inflation:
    """The inflated bytes and entries of one piece of work, checked as they grow."""

    def __init__(self, limits: ZipLimits) -> None:
        self.limits = limits
        self.total = 0
        self.entries = 0

    def check_declared(self, infos: Iterable[zipfile.ZipInfo]) -> int:
        """Refuse early what the central directory already admits to; the declared total."""
        infos = list(infos)
        if self.entries + len(infos) > self.limits.max_entries:
            raise ArchiveTooLarge(
                f"the zip has {len(infos)} entries (limit {self.limits.max_entries})"
            )
        declared = 0
        for info in infos:
            if info.file_size > self.limits.member_limit:
                raise ArchiveTooLarge(
                    f"zip entry {info.filename!r} unpacks to {info.file_size} bytes "
                    f"(limit {self.limits.member_limit})"
                )
            declared += info.file_size
        if self.total + declared > self.limits.max_bytes:
            raise ArchiveTooLarge(
                f"the zip unpacks to {declared} bytes (limit {self.limits.max_bytes})"
            )
        return declared

    def copy(
        self, archive: zipfile.ZipFile, info: zipfile.ZipInfo, write: Callable[[bytes], object]
    ) -> int:
        """Inflate one member into ``write``, counting; the member's size."""
        self.entries += 1
        if self.entries > self.limits.max_entries:
            raise ArchiveTooLarge(f"more than {self.limits.max_entries} zip entries")
        member = 0
        with archive.open(info) as source:
            while block := source.read(COPY_BUFFER):
                member += len(block)
                self.total += len(block)
                if member > info.file_size:
                    raise ArchiveTooLarge(
                        f"zip entry {info.filename!r} inflates past its declared size"
                    )
                if member > self.limits.member_limit or self.total > self.limits.max_bytes:
                    raise ArchiveTooLarge(
                        f"zip entry {info.filename!r}: unpacking exceeds the limit of "
                        f"{min(self.limits.member_limit, self.limits.max_bytes)} bytes"
                    )
                write(block)
        return member

    def read(self, archive: zipfile.ZipFile, member: str | zipfile.ZipInfo) -> bytes:
        info = member if isinstance(member, zipfile.ZipInfo) else archive.getinfo(member)
        self.check_declared([info])
        parts: list[bytes] = []
        self.copy(archive, info, parts.append)
        return b"".join(parts)


_current: ContextVar[Inflation | None] = ContextVar("voxhub_inflation", default=None)


@contextmanager
def inflation(limits: ZipLimits) -> Iterator[Inflation]:
    """Charge every ``read_member`` in this context (and threads started with its
    context, e.g. ``asyncio.to_thread``) to one ``Inflation``."""
    budget = Inflation(limits)
    token = _current.set(budget)
    try:
        yield budget
    finally:
        _current.reset(token)


def current_inflation() -> Inflation:
    """The caller's ``Inflation``, or a fresh one with ``LIBRARY_LIMITS``."""
    return _current.get() or Inflation(LIBRARY_LIMITS)


def read_member(
    archive: zipfile.ZipFile, member: str | zipfile.ZipInfo, budget: Inflation | None = None
) -> bytes:
    """``archive.read(member)``, bounded: charged to ``budget`` or the current one."""
    return (budget or current_inflation()).read(archive, member)


def read_all(source: bytes | IO[bytes], names: Iterable[str] | None = None) -> dict[str, bytes]:
    """Every member (or those named) of a zip, bounded like ``read_member``.

    ``zipfile.BadZipFile`` passes through for the caller to word.
    """
    budget = current_inflation()
    with zipfile.ZipFile(io.BytesIO(source) if isinstance(source, bytes) else source) as archive:
        infos = [i for i in archive.infolist() if not i.is_dir()]
        if names is not None:
            wanted = set(names)
            infos = [i for i in infos if i.filename in wanted]
        budget.check_declared(infos)
        return {info.filename: budget.read(archive, info) for info in infos}
