"""The one permission check: ``can(principal, action, resource)``.

Every route calls it before reading or changing anything. It is a pure
function of the principal and the resource entry (both carry what it needs,
precomputed), so it costs nothing on the chunk hot path.

The rules, after WEBKNOSSOS:

- **dataset** view: public; an admin or dataset manager of its organization;
  a member of a team allowed on it or on its folder or any ancestor
  (``allowed_team_ids`` is cumulative); anyone presenting its current sharing
  token. Edit: admins, dataset managers, and managers of a team with access.
  Manage (delete, restore): admins and dataset managers. Admin: admins.
- **folder** view: managers of its organization; members of a team allowed
  on it, above it or anywhere below it. Edit: managers, and managers of a
  team in its cumulative teams.
- **team** view: anyone of its organization. Edit (memberships): admins and
  the team's managers. Manage and admin: admins.
- **investigation** (ISA) view: its organization's members, anyone when
  public. Edit, manage: the organization's managers. Admin: admins.
- **organization** (its id): view for members, edit/manage for managers,
  admin for admins. ``"server"``: superusers only.

Superusers may do everything. Principals never act across organizations
except to view public datasets and datasets whose sharing token they hold.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal, Protocol

from voxhub.access.errors import Forbidden
from voxhub.access.principal import Principal

Action = Literal["view", "edit", "manage", "admin"]
ACTIONS: tuple[Action, ...] = ("view", "edit", "manage", "admin")
MANAGER_ROLES = ("admin", "dataset_manager")


class DatasetLike(Protocol):
    organization: str
    name: str
    organization_id: int
    is_public: bool
    allowed_team_ids: frozenset[int]
    sharing_token_hash: str | None


class FolderLike(Protocol):
    organization_id: int
    parent_id: int | None
    allowed_team_ids: frozenset[int]
    visible_team_ids: frozenset[int]


class TeamLike(Protocol):
    id: int
    organization_id: int


def _manager_can(principal: Principal, action: Action, organization_id: int) -> bool | None:
    """The verdict for superusers and the organization's managers; None for everyone else."""
    if principal.is_superuser:
        return True
    if principal.organization_id == organization_id and principal.role in MANAGER_ROLES:
        return action != "admin" or principal.role == "admin"
    return None


def can_dataset(principal: Principal, action: Action, dataset: DatasetLike) -> bool:
    if principal.presented is not None:  # on a datastore node: only reads, and the hub decides
        verdicts = principal.presented.verdicts
        return action == "view" and verdicts.may_view(principal, dataset.organization, dataset.name)
    verdict = _manager_can(principal, action, dataset.organization_id)
    if verdict is not None:
        return verdict
    same_org = principal.organization_id == dataset.organization_id
    if action == "view":
        return bool(
            dataset.is_public
            or (same_org and principal.team_ids & dataset.allowed_team_ids)
            or (
                dataset.sharing_token_hash
                and dataset.sharing_token_hash in principal.share_token_hashes
            )
        )
    if action == "edit":
        return bool(same_org and principal.managed_team_ids & dataset.allowed_team_ids)
    return False


def can_folder(principal: Principal, action: Action, folder: FolderLike) -> bool:
    verdict = _manager_can(principal, action, folder.organization_id)
    if verdict is not None:
        return verdict
    if principal.organization_id != folder.organization_id or not principal.is_authenticated:
        return False
    if action == "view":
        return folder.parent_id is None or bool(principal.team_ids & folder.visible_team_ids)
    if action == "edit":
        return bool(principal.managed_team_ids & folder.allowed_team_ids)
    return False


def can_team(principal: Principal, action: Action, team: TeamLike) -> bool:
    if principal.is_superuser:
        return True
    if principal.organization_id != team.organization_id or not principal.is_authenticated:
        return False
    if principal.role == "admin" or action == "view":
        return True
    return action == "edit" and team.id in principal.managed_team_ids


def can_organization(principal: Principal, action: Action, organization_id: int) -> bool:
    if principal.is_superuser:
        return True
    if principal.organization_id != organization_id or not principal.is_authenticated:
        return False
    if action == "view":
        return True
    if action in ("edit", "manage"):
        return principal.role in MANAGER_ROLES
    return principal.role == "admin"


class InvestigationLike(Protocol):
    organization_id: int
    is_public: bool


def can_investigation(
    principal: Principal, action: Action, investigation: InvestigationLike
) -> bool:
    """ISA metadata: readable by its organization (and anyone when public), edited by managers."""
    verdict = _manager_can(principal, action, investigation.organization_id)
    if verdict is not None:
        return verdict
    if action != "view":
        return False
    same_org = (
        principal.is_authenticated and principal.organization_id == investigation.organization_id
    )
    return bool(investigation.is_public or same_org)


RULES: dict[str, Callable[[Principal, Action, Any], bool]] = {
    "dataset": can_dataset,
    "folder": can_folder,
    "team": can_team,
    "investigation": can_investigation,
}


def can(principal: Principal, action: Action, resource: object) -> bool:
    """May ``principal`` do ``action`` on ``resource``?

    ``resource`` is an index entry (dataset, folder, team: its ``kind`` picks
    the rule), an organization id, or ``"server"``.
    """
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}")
    rule = RULES.get(getattr(resource, "kind", ""))
    if rule is not None:
        return rule(principal, action, resource)
    if isinstance(resource, int) and not isinstance(resource, bool):
        return can_organization(principal, action, resource)
    if resource == "server":
        return principal.is_superuser
    if hasattr(resource, "allowed_team_ids"):  # dataset-shaped objects without a kind
        return can_dataset(principal, action, resource)  # type: ignore[arg-type]
    raise TypeError(f"no access rule for {type(resource).__name__}")


def team_grant_change(
    principal: Principal, organization_id: int, current: frozenset[int], wanted: frozenset[int]
) -> frozenset[int]:
    """The grant set after ``principal`` asks to replace ``current`` with ``wanted``.

    Managers of the organization may set anything. Team managers may add or
    remove only teams they manage; asking to change any other grant is refused,
    so grants made by others stay.
    """
    if _manager_can(principal, "edit", organization_id):
        return wanted
    managed = principal.managed_team_ids
    if (wanted - managed) != (current - managed):
        raise Forbidden("team managers may add or remove only the teams they manage")
    return wanted
