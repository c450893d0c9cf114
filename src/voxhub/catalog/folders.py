"""Folders: create, rename, move (never into their own subtree), allowed teams, delete when empty.

Moves are checked against the tree as it is inside the transaction, with
the organization's root row locked, so two concurrent moves cannot build a
cycle.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from voxhub.access import audit
from voxhub.access.principal import Principal
from voxhub.catalog.errors import BadFolderMove, FolderNotEmpty, FolderNotFound
from voxhub.catalog.grants import FOLDER_GRANTS, granted, replace_grants
from voxhub.catalog.tree import FolderNode, FolderTree
from voxhub.db.access_models import DatasetSettings, Folder, FolderTeam
from voxhub.db.models import Organization
from voxhub.db.session import bump_epoch
from voxhub.errors import Conflict
from voxhub.names import clean_label


def folder_name(name: object) -> str:
    value = clean_label(name, "folder name", allow_slash=False)
    if value in (".", ".."):
        raise BadFolderMove(f"{value!r} is not a folder name")
    return value


def get_folder(session: Session, folder_id: int, organization_id: int | None = None) -> Folder:
    folder = session.get(Folder, folder_id)
    if folder is None or (
        organization_id is not None and folder.organization_id != organization_id
    ):
        raise FolderNotFound(f"folder {folder_id} not found")
    return folder


def root_folder(session: Session, organization: Organization, lock: bool = False) -> Folder:
    query = (
        select(Folder)
        .where(Folder.organization_id == organization.id, Folder.parent_id.is_(None))
        .order_by(Folder.id)
    )
    if lock:
        query = query.with_for_update()
    root = session.scalars(query).first()
    if root is None:  # organizations made before folders existed, by raw SQL
        root = Folder(organization_id=organization.id, parent_id=None, name=organization.name)
        session.add(root)
        session.flush()
    return root


def load_tree(session: Session, organization_id: int) -> FolderTree:
    """The organization's tree as stored now (not the index's possibly older copy)."""
    teams: dict[int, set[int]] = {}
    rows = session.execute(
        select(FolderTeam.folder_id, FolderTeam.team_id)
        .join(Folder, Folder.id == FolderTeam.folder_id)
        .where(Folder.organization_id == organization_id)
    ).all()
    for folder_id, team_id in rows:
        teams.setdefault(folder_id, set()).add(team_id)
    folders = session.scalars(select(Folder).where(Folder.organization_id == organization_id))
    return FolderTree(
        FolderNode(f.id, f.organization_id, f.parent_id, f.name, frozenset(teams.get(f.id, ())))
        for f in folders
    )


def _check_free(session: Session, parent_id: int, name: str) -> None:
    if session.scalar(select(Folder.id).where(Folder.parent_id == parent_id, Folder.name == name)):
        raise Conflict(f"a folder {name!r} already exists there")


def _label(tree: FolderTree, folder_id: int) -> str:
    return "/" + tree.path(folder_id)


def create_folder(session: Session, actor: Principal, parent: Folder, name: str) -> Folder:
    name = folder_name(name)
    _check_free(session, parent.id, name)
    folder = Folder(organization_id=parent.organization_id, parent_id=parent.id, name=name)
    session.add(folder)
    session.flush()
    audit.record(session, actor, "folder.create", name, folder.organization_id,
                 folder_id=folder.id, parent_id=parent.id)  # fmt: skip
    bump_epoch(session)
    return folder


def ensure_path(
    session: Session, actor: Principal, organization: Organization, path: str
) -> Folder:
    """The folder at ``path`` below the root, creating missing ones (like ``mkdir -p``)."""
    current = root_folder(session, organization)
    for part in (p for p in path.split("/") if p.strip()):
        name = folder_name(part)
        child = session.scalar(
            select(Folder).where(Folder.parent_id == current.id, Folder.name == name)
        )
        current = child or create_folder(session, actor, current, name)
    return current


def find_path(session: Session, organization: Organization, path: str) -> Folder:
    tree = load_tree(session, organization.id)
    return get_folder(session, tree.find(organization.id, path))


def rename_folder(session: Session, actor: Principal, folder: Folder, name: str) -> None:
    name = folder_name(name)
    if name == folder.name:
        return
    if folder.parent_id is not None:
        _check_free(session, folder.parent_id, name)
    audit.record(session, actor, "folder.rename", name, folder.organization_id,
                 folder_id=folder.id, old=folder.name)  # fmt: skip
    folder.name = name
    session.flush()
    bump_epoch(session)


def move_folder(session: Session, actor: Principal, folder: Folder, new_parent: Folder) -> None:
    organization = session.get(Organization, folder.organization_id)
    assert organization is not None
    root_folder(session, organization, lock=True)
    tree = load_tree(session, folder.organization_id)
    tree.check_move(folder.id, new_parent.id)
    if folder.parent_id == new_parent.id:
        return
    _check_free(session, new_parent.id, folder.name)
    audit.record(session, actor, "folder.move", _label(tree, folder.id), folder.organization_id,
                 folder_id=folder.id, new_parent=_label(tree, new_parent.id))  # fmt: skip
    folder.parent_id = new_parent.id
    session.flush()
    bump_epoch(session)


def folder_team_ids(session: Session, folder: Folder) -> frozenset[int]:
    return granted(session, FOLDER_GRANTS, folder.id)


def set_folder_teams(
    session: Session, actor: Principal, folder: Folder, team_ids: Iterable[int]
) -> frozenset[int]:
    """Replace the teams allowed on the folder (and so on everything below it)."""
    path = _label(load_tree(session, folder.organization_id), folder.id)
    return replace_grants(
        session, actor, FOLDER_GRANTS, folder.id, folder.organization_id, team_ids,
        ("folder.teams", path),
    )  # fmt: skip


def _dataset_count(session: Session, folder: Folder) -> int:
    explicit = session.scalar(
        select(func.count())
        .select_from(DatasetSettings)
        .where(DatasetSettings.folder_id == folder.id)
    )
    return int(explicit or 0)


def delete_folder(session: Session, actor: Principal, folder: Folder) -> None:
    if folder.parent_id is None:
        raise BadFolderMove("the root folder cannot be deleted")
    if session.scalar(select(func.count(Folder.id)).where(Folder.parent_id == folder.id)):
        raise FolderNotEmpty(f"folder {folder.name!r} has subfolders")
    if _dataset_count(session, folder):
        raise FolderNotEmpty(f"folder {folder.name!r} holds datasets")
    audit.record(session, actor, "folder.delete", folder.name, folder.organization_id,
                 folder_id=folder.id)  # fmt: skip
    session.delete(folder)
    session.flush()
    bump_epoch(session)
