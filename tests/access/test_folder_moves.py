"""Folder moves keep cumulative access right: random trees, grants and moves, through the
real services and catalog index, compared with a brute-force reference of who may see what."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from voxhub.access import teams as team_service
from voxhub.access.accounts import create_user, get_user, principal_for
from voxhub.access.policy import can
from voxhub.access.principal import system_principal
from voxhub.catalog import datasets as dataset_service
from voxhub.catalog import folders as folder_service
from voxhub.catalog.errors import BadFolderMove
from voxhub.catalog.register import ensure_organization
from voxhub.db.models import Dataset

OPERATOR = system_principal("tests")
TEAMS = 3
counter = itertools.count()


@st.composite
def worlds(draw):
    folders = draw(st.integers(1, 7))
    # folder i+1 hangs below folder parents[i] (0 is the root): always a tree
    parents = [draw(st.integers(0, i)) for i in range(folders)]
    team_sets = st.frozensets(st.integers(0, TEAMS - 1), max_size=2)
    grants = draw(st.lists(team_sets, min_size=folders + 1, max_size=folders + 1))
    datasets = draw(st.lists(st.tuples(st.integers(0, folders), team_sets), min_size=1, max_size=5))
    moves = draw(st.lists(st.tuples(st.integers(1, folders), st.integers(0, folders)), max_size=6))
    member_of = draw(st.frozensets(st.integers(0, TEAMS - 1), min_size=1, max_size=TEAMS))
    manages = draw(st.frozensets(st.sampled_from(sorted(member_of))))
    return parents, grants, datasets, moves, member_of, manages


def ancestors(parent: dict[int, int | None], node: int) -> list[int]:
    chain = [node]
    while parent[chain[-1]] is not None:
        chain.append(parent[chain[-1]])  # type: ignore[arg-type]
    return chain


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(world=worlds())
def test_cumulative_access_survives_moves(hub, world):
    parents, grants, datasets, moves, member_of, manages = world
    n = next(counter)
    with hub.transaction() as session:
        org = ensure_organization(session, f"org{n}")
        teams = [team_service.create_team(session, OPERATOR, org, f"t{i}").id for i in range(TEAMS)]
        nodes = [folder_service.root_folder(session, org)]
        for i, p in enumerate(parents):
            nodes.append(folder_service.create_folder(session, OPERATOR, nodes[p], f"f{i + 1}"))
        for node, grant in zip(nodes, grants, strict=True):
            folder_service.set_folder_teams(session, OPERATOR, node, [teams[t] for t in grant])
        names = []
        for d, (where, grant) in enumerate(datasets):
            row = Dataset(organization_id=org.id, name=f"d{d}", display_name=f"d{d}")
            session.add(row)
            session.flush()
            dataset_service.set_initial_access(
                session, row, folder_id=nodes[where].id, team_ids=[teams[t] for t in grant]
            )
            names.append(row.name)
        user = create_user(session, email=f"u{n}@x.org", organization=org)
        for t in member_of:
            team_service.set_member(
                session, OPERATOR, team_service.get_team(session, teams[t]), user, t in manages
            )
        ids = [node.id for node in nodes]
        user_id = user.id

    parent: dict[int, int | None] = {0: None, **{i + 1: p for i, p in enumerate(parents)}}
    for child, new_parent in moves:
        invalid = child in ancestors(parent, new_parent)
        with hub.transaction() as session:
            folder = folder_service.get_folder(session, ids[child])
            target = folder_service.get_folder(session, ids[new_parent])
            if invalid:
                with pytest.raises(BadFolderMove):
                    folder_service.move_folder(session, OPERATOR, folder, target)
            else:
                folder_service.move_folder(session, OPERATOR, folder, target)
                parent[child] = new_parent

    hub.index.refresh(force=True)
    snapshot = hub.index.snapshot()
    with hub.transaction() as session:
        user = get_user(session, user_id)
        principal = principal_for(user, **team_service.team_fields(session, user))
    mine = {teams[t] for t in member_of}
    managed = {teams[t] for t in manages}
    for d, (where, grant) in enumerate(datasets):
        entry = snapshot.datasets[(org.name, names[d])]
        reference = {teams[t] for t in grant}
        for node in ancestors(parent, where):
            reference |= {teams[t] for t in grants[node]}
        assert entry.allowed_team_ids == reference
        assert can(principal, "view", entry) == bool(reference & mine)
        assert can(principal, "edit", entry) == bool(reference & managed)
        assert not can(principal, "manage", entry)
    for i, folder_id in enumerate(ids):
        entry = snapshot.folders[folder_id]
        reference = set().union(*({teams[t] for t in grants[a]} for a in ancestors(parent, i)))
        below = [j for j in parent if i in ancestors(parent, j)]
        granted_below = {teams[t] for j in below for t in grants[j]} | {
            teams[t] for where, grant in datasets if where in below for t in grant
        }
        assert entry.allowed_team_ids == reference
        assert snapshot.tree.path(folder_id).count("/") == max(len(ancestors(parent, i)) - 2, 0)
        assert can(principal, "view", entry) == (i == 0 or bool((reference | granted_below) & mine))
        assert can(principal, "edit", entry) == bool(reference & managed)
