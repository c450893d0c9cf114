"""Parsing a big ISA-JSON document without building all of it at once.

A 50 000-row assay is some 180 MB of ISA-JSON; parsed into dicts at once it takes
over 800 MB, nearly all of it processes and materials, which a reader only needs one
at a time. :func:`parse` builds the document's spine (investigation, studies, assays
and every small field) as usual, but leaves the items of the long arrays
(``processSequence``, the ``materials`` lists, ``dataFiles``) as undecoded slices of
the text (``msgspec.Raw``, 48 bytes each) in a :class:`RawList`, which decodes an
item when it is read. The first pass still checks the syntax of the whole text.

msgspec (not orjson) because it can stop at a field and hand back its text
(``dict[str, Raw]``); an item is then decoded by msgspec too, or, for what msgspec
refuses and the standard library reads (NaN, numbers out of range), by ``json``,
as :func:`voxhub.isa.isajson.loads` always has.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any, SupportsIndex, overload

import msgspec
from msgspec import Raw

from voxhub.isa.errors import IsaReadError

_OBJECT = msgspec.json.Decoder(dict[str, Raw])
_ARRAY = msgspec.json.Decoder(list[Raw])
_ANY = msgspec.json.Decoder()
_ERRORS = (msgspec.DecodeError, msgspec.ValidationError, RecursionError)

# Arrays whose items are decoded when read; objects walked into (their fields decoded
# one by one, so that the arrays under them stay lazy). Everything else is decoded whole.
_LAZY = frozenset({"processSequence", "sources", "samples", "otherMaterials", "dataFiles"})
_WALK = frozenset({"studies", "assays", "materials"})


def decode(text: str | bytes | Raw | memoryview, source: str) -> Any:
    """One JSON value; what msgspec refuses goes to the standard library, which decides."""
    try:
        return _ANY.decode(text)
    except _ERRORS:
        pass
    try:
        raw = text if isinstance(text, str) else bytes(memoryview(text)).decode()
        return json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        line = getattr(exc, "lineno", None)
        where = f"line {line} column {getattr(exc, 'colno', '?')}" if line else None
        raise IsaReadError(source, where, f"not valid JSON ({exc})") from None
    except RecursionError:
        raise IsaReadError(source, None, "not valid JSON (nested too deeply)") from None


# Fields whose values repeat from item to item (a big table has a few hundred distinct
# parameter values, protocols, characteristics): decoded once per distinct text and
# shared, so that the reader can also work each out once (by identity).
_SHARED = frozenset({"executesProtocol", "parameterValues", "characteristics", "factorValues"})
_NODES = frozenset({"inputs", "outputs"})
_MEMO_ITEMS = 50_000  # distinct texts remembered (beyond: decoded each time)
_MEMO_SIZE = 64 * 1024  # the longest text remembered


class ItemDecoder:
    """Decodes the items of one document's :class:`RawList` s (see ``_SHARED``)."""

    def __init__(self, source: str) -> None:
        self.source = source
        self._memo: dict[bytes, Any] = {}
        # Whether a node id is declared elsewhere (a reader's catalog): a process's
        # inputs and outputs with such an id come back as ``{"@id": ...}`` alone, as
        # the reader takes the declared node and never looks at the rest.
        self.known: Callable[[str], bool] | None = None

    def item(self, raw: Raw) -> Any:
        parts = fields(raw)
        if parts is None:
            return decode(raw, self.source)  # not an object: the reader says so
        return {key: self._value(key, value) for key, value in parts.items()}

    def _value(self, key: str, raw: Raw) -> Any:
        if key in _SHARED:
            text = bytes(raw)
            found = self._memo.get(text)
            if found is None:
                found = decode(raw, self.source)
                if len(self._memo) < _MEMO_ITEMS and len(text) <= _MEMO_SIZE:
                    self._memo[text] = found
            return found
        if key in _NODES:
            nodes = items(raw)
            if nodes is not None:
                return [self._node(node) for node in nodes]
        return decode(raw, self.source)

    def _node(self, raw: Raw) -> Any:
        parts = fields(raw) if self.known is not None else None
        if parts is not None and "@id" in parts and len(parts) > 1:
            node_id = decode(parts["@id"], self.source)
            if type(node_id) is str and self.known(node_id):  # type: ignore[misc]
                return {"@id": node_id}
        return self.item(raw)


class RawList(list):  # type: ignore[type-arg]
    """A JSON array whose items are decoded when read (iterated or indexed).

    A ``list`` for every ``isinstance`` check and ``len``; each read decodes the item
    anew, so nothing is kept that the reader does not keep itself.
    """

    __slots__ = ("decoder",)

    def __init__(self, items: list[Raw], decoder: ItemDecoder) -> None:
        super().__init__(items)
        self.decoder = decoder

    @property
    def source(self) -> str:
        return self.decoder.source

    def __iter__(self) -> Iterator[Any]:
        item = self.decoder.item
        for raw in list.__iter__(self):
            yield item(raw)

    @overload
    def __getitem__(self, index: SupportsIndex) -> Any: ...
    @overload
    def __getitem__(self, index: slice) -> list[Any]: ...
    def __getitem__(self, index: SupportsIndex | slice) -> Any:
        if isinstance(index, slice):
            return [self.decoder.item(raw) for raw in list.__getitem__(self, index)]
        return self.decoder.item(list.__getitem__(self, index))

    def raw_items(self) -> Iterator[Raw]:
        """The items' undecoded text, in order."""
        return list.__iter__(self)


def fields(raw: Raw) -> dict[str, Raw] | None:
    """An object's fields, each still text (None: not an object, or not valid JSON)."""
    try:
        return _OBJECT.decode(raw)
    except _ERRORS:
        return None


def items(raw: Raw) -> list[Raw] | None:
    """An array's items, each still text (None: not an array, or not valid JSON)."""
    try:
        return _ARRAY.decode(raw)
    except _ERRORS:
        return None


def parse(text: str | bytes, source: str) -> Any:
    """The document with its long arrays lazy (see the module docstring).

    Raises :class:`IsaReadError` for text that is not JSON.
    """
    try:
        top = _OBJECT.decode(text)
    except _ERRORS:
        return decode(text, source)  # not an object at the top (or not JSON): decide there
    return _walk(top, ItemDecoder(source))


def _walk(parts: dict[str, Raw], decoder: ItemDecoder) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, raw in parts.items():
        if key in _LAZY:
            out[key] = _lazy_array(raw, decoder)
        elif key in _WALK:
            out[key] = _spine(raw, decoder)
        else:
            out[key] = decode(raw, decoder.source)
    return out


def _lazy_array(raw: Raw, decoder: ItemDecoder) -> Any:
    found = items(raw)
    if found is None:
        return decode(raw, decoder.source)  # not an array: the reader says what is wrong
    return RawList(found, decoder)


def _spine(raw: Raw, decoder: ItemDecoder) -> Any:
    """An object or an array of objects under which lazy arrays may stand."""
    parts = fields(raw)
    if parts is not None:
        return _walk(parts, decoder)
    found = items(raw)
    if found is None:
        return decode(raw, decoder.source)
    return [
        _walk(parts, decoder)
        if (parts := fields(item)) is not None
        else decode(item, decoder.source)
        for item in found
    ]


__all__ = ["ItemDecoder", "RawList", "decode", "fields", "items", "parse"]
