"""The one permission check: ``can(principal, action, resource)``.

Every route calls it before reading or changing anything. It is a pure
function of the principal and the resource entry (both carry what it needs,
precomputed), so it costs nothing on the chunk hot path.
"""

from __future__ import annotations

from typing import Literal, Protocol

from voxhub.access.principal import Principal

Action = Literal["view", "edit", "manage", "admin"]
ACTIONS: tuple[Action, ...] = ("view", "edit", "manage", "admin")
MANAGER_ROLES = ("admin", "dataset_manager")


class DatasetLike(Protocol):
    organization_id: int
    is_public: bool
    allowed_team_ids: frozenset[int]
    sharing_token_hash: str | None


class OrganizationLike(Protocol):
    id: int


def _is_org_manager(principal: Principal, organization_id: int) -> bool:
    return principal.organization_id == organization_id and principal.role in MANAGER_ROLES


def can_dataset(principal: Principal, action: Action, dataset: DatasetLike) -> bool:
    if principal.is_superuser:
        return True
    if _is_org_manager(principal, dataset.organization_id):
        return action != "admin" or principal.role == "admin"
    same_org = principal.organization_id == dataset.organization_id
    teams = principal.team_ids & dataset.allowed_team_ids if same_org else frozenset()
    if action == "view":
        return bool(
            dataset.is_public
            or teams
            or (
                dataset.sharing_token_hash
                and dataset.sharing_token_hash in principal.share_token_hashes
            )
        )
    if action == "edit":
        return bool(principal.managed_team_ids & teams)
    return False


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


def can(principal: Principal, action: Action, resource: object) -> bool:
    """May ``principal`` do ``action`` on ``resource`` (a dataset entry or an organization id)?"""
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}")
    if isinstance(resource, int):
        return can_organization(principal, action, resource)
    if hasattr(resource, "allowed_team_ids"):
        return can_dataset(principal, action, resource)  # type: ignore[arg-type]
    if resource == "server":
        return principal.is_superuser
    raise TypeError(f"no access rule for {type(resource).__name__}")
