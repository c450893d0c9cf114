"""Folder trees as plain data: ancestors, cumulative teams, subtrees, paths.

Pure and immutable: built from rows once per catalog refresh, then asked
questions on the hot path. A team allowed on a folder is allowed on all
of its descendants, so a folder's *cumulative* teams are its own teams and
those of every ancestor.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass

from voxhub.catalog.errors import BadFolderMove, FolderNotFound


@dataclass(frozen=True)
class FolderNode:
    id: int
    organization_id: int
    parent_id: int | None
    name: str
    team_ids: frozenset[int] = frozenset()


class FolderTree:
    """All organizations' folders; every node reachable from its organization's root."""

    def __init__(self, nodes: Iterable[FolderNode]) -> None:
        self.nodes: dict[int, FolderNode] = {node.id: node for node in nodes}
        self.children: dict[int, list[int]] = {node_id: [] for node_id in self.nodes}
        self.roots: dict[int, int] = {}
        for node in sorted(self.nodes.values(), key=lambda n: n.id):
            if node.parent_id is None:
                self.roots.setdefault(node.organization_id, node.id)
            elif node.parent_id in self.children:
                self.children[node.parent_id].append(node.id)
        self._cumulative: dict[int, frozenset[int]] = {}
        self._depth: dict[int, int] = {}
        for root in self.roots.values():
            for node_id, parent in self._walk(root):
                inherited = self._cumulative[parent] if parent is not None else frozenset()
                self._cumulative[node_id] = inherited | self.nodes[node_id].team_ids
                self._depth[node_id] = self._depth[parent] + 1 if parent is not None else 0

    def _walk(self, start: int) -> Iterator[tuple[int, int | None]]:
        """``(node, parent)`` pairs in pre-order; parents always come first."""
        stack: list[tuple[int, int | None]] = [(start, None)]
        while stack:
            node_id, parent = stack.pop()
            yield node_id, parent
            stack.extend((child, node_id) for child in reversed(self.children[node_id]))

    def __contains__(self, folder_id: object) -> bool:
        return folder_id in self._cumulative

    def node(self, folder_id: int) -> FolderNode:
        if folder_id not in self._cumulative:
            raise FolderNotFound(f"folder {folder_id} not found")
        return self.nodes[folder_id]

    def root(self, organization_id: int) -> int | None:
        return self.roots.get(organization_id)

    def cumulative(self, folder_id: int) -> frozenset[int]:
        """Teams allowed on the folder or on any ancestor."""
        return self._cumulative.get(folder_id, frozenset())

    def ancestors(self, folder_id: int) -> list[int]:
        """From the root down to ``folder_id`` itself."""
        chain = [self.node(folder_id).id]
        while (parent := self.nodes[chain[-1]].parent_id) is not None:
            chain.append(parent)
        return chain[::-1]

    def subtree(self, folder_id: int) -> list[int]:
        """``folder_id`` and every folder below it, parents first."""
        self.node(folder_id)
        return [node_id for node_id, _ in self._walk(folder_id)]

    def subtree_union(self, values: Mapping[int, frozenset[int]]) -> dict[int, frozenset[int]]:
        """For every folder, the union of ``values`` over its subtree."""
        result: dict[int, frozenset[int]] = {}
        for node_id in sorted(self._cumulative, key=self._depth.__getitem__, reverse=True):
            below = values.get(node_id, frozenset())
            for child in self.children[node_id]:
                below = below | result[child]
            result[node_id] = below
        return result

    def path(self, folder_id: int) -> str:
        """Names from below the root, joined by ``/``; the root is ``""``."""
        return "/".join(self.nodes[i].name for i in self.ancestors(folder_id)[1:])

    def find(self, organization_id: int, path: str) -> int:
        """The folder at ``path`` (``projects/deep``) below the organization's root."""
        current = self.root(organization_id)
        if current is None:
            raise FolderNotFound("the organization has no root folder")
        for name in (part for part in path.strip("/").split("/") if part):
            match = next((c for c in self.children[current] if self.nodes[c].name == name), None)
            if match is None:
                raise FolderNotFound(f"no folder {path!r}")
            current = match
        return current

    def check_move(self, folder_id: int, new_parent_id: int) -> None:
        """Refuse moving the root, across organizations, or into the folder's own subtree."""
        node, parent = self.node(folder_id), self.node(new_parent_id)
        if node.parent_id is None:
            raise BadFolderMove("the root folder cannot be moved")
        if parent.organization_id != node.organization_id:
            raise BadFolderMove("folders cannot move to another organization")
        if folder_id in self.ancestors(new_parent_id):
            raise BadFolderMove("a folder cannot move into itself or its own subfolders")
