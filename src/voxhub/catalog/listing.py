"""Filtering, searching, sorting and paging datasets over the in-memory index.

Pure: no SQL is built from user input. Every search word must occur
(case-insensitively) in the name, display name, description or a tag.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime

from voxhub.catalog.index import DatasetEntry
from voxhub.catalog.tree import FolderTree

SORT_KEYS: dict[str, Callable[[DatasetEntry], object]] = {
    "name": lambda e: (e.organization, e.name),
    "displayName": lambda e: ((e.display_name or e.name).casefold(), e.name),
    "created": lambda e: e.created or datetime.min,
    "lastUsed": lambda e: e.last_used or datetime.min,
}

SORT_PATTERN = r"^-?(name|displayName|created|lastUsed)$"


@dataclass(frozen=True)
class DatasetQuery:
    organization: str | None = None
    folder_id: int | None = None
    include_subfolders: bool = False
    tags: tuple[str, ...] = ()
    search: str = ""
    status: str | None = None
    is_public: bool | None = None
    sort: str = "name"
    offset: int = 0
    limit: int = 1000
    words: tuple[str, ...] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "words", tuple(w.casefold() for w in self.search.split()))


def _matches_words(entry: DatasetEntry, words: tuple[str, ...]) -> bool:
    haystack = "\n".join((entry.name, entry.display_name, entry.description, *entry.tags))
    haystack = haystack.casefold()
    return all(word in haystack for word in words)


def _folders(query: DatasetQuery, tree: FolderTree) -> frozenset[int] | None:
    if query.folder_id is None:
        return None
    if query.folder_id not in tree:
        return frozenset()
    if query.include_subfolders:
        return frozenset(tree.subtree(query.folder_id))
    return frozenset({query.folder_id})


def select_datasets(
    entries: Iterable[DatasetEntry], query: DatasetQuery, tree: FolderTree
) -> tuple[int, list[DatasetEntry]]:
    """``(total matching, the requested page)``; ``entries`` are those the caller may see."""
    folders = _folders(query, tree)
    wanted_tags = set(query.tags)
    found = [
        e
        for e in entries
        if (query.organization is None or e.organization == query.organization)
        and (folders is None or e.folder_id in folders)
        and wanted_tags <= set(e.tags)
        and (query.status is None or e.status == query.status)
        and (query.is_public is None or e.is_public == query.is_public)
        and _matches_words(e, query.words)
    ]
    descending = query.sort.startswith("-")
    key = SORT_KEYS[query.sort.lstrip("-")]
    found.sort(key=key, reverse=descending)  # type: ignore[arg-type]
    return len(found), found[query.offset : query.offset + query.limit]
