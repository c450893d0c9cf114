"""``can()``: the rules for datasets, folders, teams, organizations and the server."""

from dataclasses import dataclass

import pytest

from voxhub.access.errors import Forbidden
from voxhub.access.policy import can, team_grant_change
from voxhub.access.principal import ANONYMOUS, Principal
from voxhub.catalog.index import FolderEntry, TeamEntry


@dataclass(frozen=True)
class Dataset:
    kind = "dataset"
    organization_id: int = 1
    is_public: bool = False
    allowed_team_ids: frozenset[int] = frozenset()
    sharing_token_hash: str | None = None


def user(role="member", org=1, teams=(), managed=(), superuser=False, shares=()):
    return Principal(
        user_id=7, email="u@x", organization_id=org, role=role, is_superuser=superuser,
        team_ids=frozenset(teams), managed_team_ids=frozenset(managed),
        share_token_hashes=frozenset(shares),
    )  # fmt: skip


def folder(parent=1, cumulative=(), visible=(), org=1):
    return FolderEntry(
        id=5, organization_id=org, parent_id=parent, name="f", team_ids=frozenset(),
        allowed_team_ids=frozenset(cumulative),
        visible_team_ids=frozenset(visible) | frozenset(cumulative),
    )  # fmt: skip


@pytest.mark.parametrize(
    ("principal", "dataset", "view", "edit", "manage", "admin"),
    [
        (user("admin"), Dataset(), True, True, True, True),
        (user("dataset_manager"), Dataset(), True, True, True, False),
        (user("admin", org=2), Dataset(), False, False, False, False),
        (user(teams=[3]), Dataset(allowed_team_ids=frozenset({3})), True, False, False, False),
        (user(teams=[3], managed=[3]), Dataset(allowed_team_ids=frozenset({3})),
         True, True, False, False),
        (user(teams=[4], managed=[4]), Dataset(allowed_team_ids=frozenset({3})),
         False, False, False, False),
        (user(org=2, teams=[3]), Dataset(allowed_team_ids=frozenset({3})),
         False, False, False, False),
        (ANONYMOUS, Dataset(is_public=True), True, False, False, False),
        (user(org=2), Dataset(is_public=True), True, False, False, False),
        (ANONYMOUS.with_share_token("h"), Dataset(sharing_token_hash="h"),
         True, False, False, False),
        (ANONYMOUS.with_share_token("old"), Dataset(sharing_token_hash="h"),
         False, False, False, False),
        (ANONYMOUS, Dataset(), False, False, False, False),
        (user(superuser=True, org=9), Dataset(), True, True, True, True),
    ],
)  # fmt: skip
def test_dataset_rules(principal, dataset, view, edit, manage, admin):
    got = [can(principal, a, dataset) for a in ("view", "edit", "manage", "admin")]
    assert got == [view, edit, manage, admin]


def test_share_token_grants_nothing_when_the_dataset_has_none():
    assert not can(ANONYMOUS.with_share_token(""), "view", Dataset(sharing_token_hash=None))


def test_folder_rules():
    member = user(teams=[3], managed=[3])
    assert can(member, "view", folder(parent=None))  # everyone of the organization sees the root
    assert not can(user(org=2), "view", folder(parent=None))
    assert not can(ANONYMOUS, "view", folder(parent=None))
    assert can(member, "view", folder(visible=[3]))  # something below is theirs: see the path
    assert not can(member, "edit", folder(visible=[3]))
    assert can(member, "edit", folder(cumulative=[3]))
    assert not can(user(teams=[3]), "edit", folder(cumulative=[3]))
    assert can(user("dataset_manager"), "edit", folder())
    assert not can(user("dataset_manager", org=2), "view", folder())


def test_team_rules():
    team = TeamEntry(3, 1, "A")
    assert can(user(), "view", team) and not can(user(), "edit", team)
    assert can(user(managed=[3]), "edit", team) and not can(user(managed=[3]), "manage", team)
    assert can(user("admin"), "admin", team)
    assert not can(user("admin", org=2), "view", team)
    assert not can(ANONYMOUS, "view", team)


def test_organization_and_server_rules():
    assert can(user(), "view", 1) and not can(user(), "edit", 1)
    manager = user("dataset_manager")
    assert can(manager, "manage", 1) and not can(manager, "admin", 1)
    assert can(user("admin"), "admin", 1) and not can(user("admin"), "view", 2)
    assert not can(user("admin"), "view", "server") and can(user(superuser=True), "admin", "server")


def test_unknown_actions_and_resources_are_errors():
    with pytest.raises(ValueError):
        can(user(), "delete", Dataset())  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        can(user(), "view", object())
    with pytest.raises(TypeError):
        can(user(), "view", True)  # a bool is no organization id


def test_team_managers_change_only_their_teams():
    manager = user(managed=[1])
    current = frozenset({1, 2})
    assert team_grant_change(manager, 1, current, frozenset({2})) == {2}
    assert team_grant_change(manager, 1, frozenset({2}), frozenset({1, 2})) == {1, 2}
    with pytest.raises(Forbidden):
        team_grant_change(manager, 1, current, frozenset({1}))  # removing team 2
    with pytest.raises(Forbidden):
        team_grant_change(manager, 1, current, frozenset({1, 2, 3}))  # adding team 3
    assert team_grant_change(user("admin"), 1, current, frozenset({3})) == {3}
