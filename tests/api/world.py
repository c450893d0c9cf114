"""A small but complete access world for the API tests.

Organization ``lab`` with teams A and B and a five-deep folder chain whose top
folder allows team A; organization ``other`` with team O. Datasets cover every
way to be allowed or refused; users cover every role.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
from tests.helpers import add_dataset, volume

from voxhub.access import teams as team_service
from voxhub.access.accounts import create_user, issue_token, revoke_token
from voxhub.access.passwords import hash_password
from voxhub.access.principal import system_principal
from voxhub.access.secrets import server_secret
from voxhub.catalog import datasets as dataset_service
from voxhub.catalog import folders as folder_service
from voxhub.catalog import sharing
from voxhub.catalog.register import ensure_organization
from voxhub.hub import Hub

OPERATOR = system_principal("tests")
PASSWORD = "correct horse battery"
DEEP_PATH = "f1/f2/f3/f4/f5"

# dataset key -> own teams; deep_ds sits in the 5-deep folder whose top allows A.
DATASETS = {
    "lab/team_ds": ("A",),
    "lab/other_team_ds": ("B",),
    "lab/deep_ds": (),
    "lab/public_ds": (),
    "lab/shared_ds": (),
    "lab/revoked_share_ds": (),
    "lab/private_ds": (),
    "other/ds": ("O",),
}

# user -> (organization, role, teams, managed teams)
USERS = {
    "admin": ("lab", "admin", (), ()),
    "manager": ("lab", "dataset_manager", (), ()),
    "alice": ("lab", "member", ("A",), ()),
    "bob": ("lab", "member", ("B",), ()),
    "carol": ("lab", "member", ("A",), ("A",)),
    "nobody": ("lab", "member", (), ()),
    "revoked": ("lab", "member", ("A",), ()),
    "other_admin": ("other", "admin", (), ()),
    "other_member": ("other", "member", ("O",), ()),
}


@functools.cache
def password_hash() -> str:
    """Argon2 is slow on purpose; hash the shared test password once."""
    return hash_password(PASSWORD)


@dataclass
class World:
    tokens: dict[str, str] = field(default_factory=dict)
    user_ids: dict[str, int] = field(default_factory=dict)
    team_ids: dict[str, int] = field(default_factory=dict)
    folder_ids: dict[str, int] = field(default_factory=dict)
    share_token: str = ""
    old_share_token: str = ""

    def email(self, user: str) -> str:
        return f"{user}@{USERS[user][0]}.org"


def build_world(
    hub: Hub, datasets: Iterable[str] = tuple(DATASETS), data: np.ndarray | None = None
) -> World:
    """The organizations, teams, users and folders, and those of ``DATASETS`` asked for."""
    world = World()
    data = volume((8, 24, 20)) if data is None else data
    wanted = list(datasets)
    for key in wanted:
        org, name = key.split("/")
        add_dataset(hub, org, name, data, public=name == "public_ds")
    secret = server_secret(hub.settings)
    with hub.transaction() as session:
        orgs = {name: ensure_organization(session, name) for name in ("lab", "other")}
        for team, org in (("A", "lab"), ("B", "lab"), ("O", "other")):
            world.team_ids[team] = team_service.create_team(session, OPERATOR, orgs[org], team).id
        for user, (org, role, teams, managed) in USERS.items():
            row = create_user(
                session, email=world.email(user), organization=orgs[org], role=role,
                password_hash=password_hash() if user == "alice" else None,
            )  # fmt: skip
            world.user_ids[user] = row.id
            issued = issue_token(session, row, "tests")
            world.tokens[user] = issued.token
            for team in teams:
                team_row = team_service.get_team(session, world.team_ids[team])
                team_service.set_member(session, OPERATOR, team_row, row, team in managed)
            if user == "revoked":
                revoke_token(session, issued.row.id)
        deep = folder_service.ensure_path(session, OPERATOR, orgs["lab"], DEEP_PATH)
        world.folder_ids["f5"] = deep.id
        top = folder_service.find_path(session, orgs["lab"], "f1")
        world.folder_ids["f1"] = top.id
        folder_service.set_folder_teams(session, OPERATOR, top, [world.team_ids["A"]])
        for key in wanted:
            row = dataset_service.find_dataset(session, *key.split("/"))
            ids = [world.team_ids[t] for t in DATASETS[key]]
            dataset_service.set_teams(session, OPERATOR, row, ids)
            if key == "lab/deep_ds":
                dataset_service.move(session, OPERATOR, [row], deep)
            elif key == "lab/shared_ds":
                world.share_token = sharing.renew(session, secret, OPERATOR, row, key)
            elif key == "lab/revoked_share_ds":
                world.old_share_token = sharing.renew(session, secret, OPERATOR, row, key)
                sharing.renew(session, secret, OPERATOR, row, key)  # the first one is now dead
    hub.index.refresh(force=True)
    return world


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
