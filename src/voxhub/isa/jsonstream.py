"""Writing a big ISA-JSON document piece by piece.

A 50 000-row assay is about 200 MB of ISA-JSON (ARCtrl needs every process to
spell out its protocol, categories, units and nodes). Built as one tree of dicts
and dumped at once, the tree, the encoder's pieces and the finished string are all
in memory together, well over a gigabyte. Here the document's spine (investigation,
studies, assays, materials) is walked in Python, and the long arrays in it are
written item by item: a :class:`LazyList` makes its items (processes) only as they
are written, and each item is encoded whole by orjson (some 10x faster than the
standard library, with the same bytes: compact separators, or ``indent=2``).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import IO, Any

import orjson

# A list longer than this is written item by item, so no one encoded piece is large.
_LONG = 256
# How deep to look for a LazyList or a long list under a container (the spine is shallow).
_DEPTH = 7


class LazyList:
    """A JSON array whose items are made when it is iterated (written or listed)."""

    __slots__ = ("_make", "_length")

    def __init__(self, make: Callable[[], Iterator[Any]], length: int) -> None:
        self._make = make
        self._length = length

    def __iter__(self) -> Iterator[Any]:
        return self._make()

    def __len__(self) -> int:
        return self._length


_CONTAINERS = (dict, list, LazyList)


def materialize(value: Any) -> Any:
    """The same tree with every LazyList made a list (for callers that want plain JSON)."""
    if isinstance(value, LazyList):
        return list(value)
    if isinstance(value, dict):
        for key, item in value.items():
            if _streams(item, _DEPTH):
                value[key] = materialize(item)
    elif isinstance(value, list):
        for i, item in enumerate(value):
            if _streams(item, _DEPTH):
                value[i] = materialize(item)
    return value


def _streams(value: Any, depth: int) -> bool:
    """Whether ``value`` holds a LazyList or a long list within ``depth`` levels."""
    if isinstance(value, LazyList) or (isinstance(value, list) and len(value) > _LONG):
        return True
    if depth <= 0:
        return False
    if isinstance(value, dict):
        value = value.values()
    elif not isinstance(value, list):
        return False
    return any(_streams(v, depth - 1) for v in value if isinstance(v, _CONTAINERS))


class _Writer:
    def __init__(self, write: Callable[[bytes], Any], indent: bool) -> None:
        self.write = write
        self.indent = indent
        self.option = orjson.OPT_INDENT_2 if indent else 0

    def whole(self, value: Any, level: int) -> None:
        data = orjson.dumps(value, option=self.option)
        if self.indent and level and b"\n" in data:
            # JSON strings hold no raw newline: every one is indentation.
            data = data.replace(b"\n", b"\n" + b"  " * level)
        self.write(data)

    def value(self, value: Any, level: int) -> None:
        if isinstance(value, LazyList) or (isinstance(value, list) and len(value) > _LONG):
            self.array(value, level, items_whole=True)
        elif isinstance(value, dict) and _streams(value, _DEPTH):
            self.object(value, level)
        elif isinstance(value, list) and _streams(value, _DEPTH):
            self.array(value, level, items_whole=False)
        else:
            self.whole(value, level)

    def _open(self, first: bool, level: int) -> None:
        if not first:
            self.write(b",")
        if self.indent:
            self.write(b"\n" + b"  " * (level + 1))

    def array(self, items: Any, level: int, items_whole: bool) -> None:
        self.write(b"[")
        first = True
        for item in items:
            self._open(first, level)
            first = False
            if items_whole:
                self.whole(item, level + 1)
            else:
                self.value(item, level + 1)
        if not first and self.indent:
            self.write(b"\n" + b"  " * level)
        self.write(b"]")

    def object(self, value: dict[str, Any], level: int) -> None:
        self.write(b"{")
        first = True
        for key, item in value.items():
            self._open(first, level)
            first = False
            self.write(orjson.dumps(key) + (b": " if self.indent else b":"))
            self.value(item, level + 1)
        if not first and self.indent:
            self.write(b"\n" + b"  " * level)
        self.write(b"}")


def dump(tree: Any, fp: IO[bytes], indent: int | None = None) -> None:
    """Write ``tree`` (dicts, lists, LazyLists, strings, numbers) as JSON to a binary file.

    The bytes are those of ``json.dumps(tree, ensure_ascii=False)`` with compact
    separators, or with ``indent=2``; other indents go through the standard library.
    """
    if indent is not None and indent != 2:
        text = json.dumps(materialize(tree), ensure_ascii=False, indent=indent)
        fp.write(text.encode())
        return
    _Writer(fp.write, indent == 2).value(tree, 0)


def dumps(tree: Any, indent: int | None = None) -> bytes:
    """:func:`dump` into bytes (the whole document in memory: for small ones)."""
    parts: list[bytes] = []
    if indent is not None and indent != 2:
        return json.dumps(materialize(tree), ensure_ascii=False, indent=indent).encode()
    _Writer(parts.append, indent == 2).value(tree, 0)
    return b"".join(parts)


__all__ = ["LazyList", "dump", "dumps", "materialize"]
