"""``FolderTree``: cumulative teams, paths, subtrees and the move check, as plain data."""

import pytest

from voxhub.catalog.errors import BadFolderMove, FolderNotFound
from voxhub.catalog.tree import FolderNode, FolderTree


@pytest.fixture
def tree():
    #  1 (root, org 1)          10 (root, org 2)
    #  ├── 2 projects {A}
    #  │   └── 3 deep {B}
    #  │       └── 4 x
    #  └── 5 other
    return FolderTree([
        FolderNode(1, 1, None, "lab"), FolderNode(2, 1, 1, "projects", frozenset({"A"})),
        FolderNode(3, 1, 2, "deep", frozenset({"B"})), FolderNode(4, 1, 3, "x"),
        FolderNode(5, 1, 1, "other"), FolderNode(10, 2, None, "elsewhere"),
    ])  # fmt: skip


def test_cumulative_teams_flow_down(tree):
    assert tree.cumulative(1) == set()
    assert tree.cumulative(3) == {"A", "B"}
    assert tree.cumulative(4) == {"A", "B"}
    assert tree.cumulative(5) == set()


def test_paths_and_lookup(tree):
    assert tree.path(1) == "" and tree.path(4) == "projects/deep/x"
    assert tree.find(1, "projects/deep/x") == 4 and tree.find(1, "/projects/") == 2
    assert tree.find(1, "") == 1
    with pytest.raises(FolderNotFound):
        tree.find(1, "projects/nothing")
    with pytest.raises(FolderNotFound):
        tree.find(3, "x")  # an organization without folders


def test_ancestors_subtree_and_union(tree):
    assert tree.ancestors(4) == [1, 2, 3, 4]
    assert tree.subtree(2) == [2, 3, 4]
    union = tree.subtree_union({4: frozenset({"z"}), 5: frozenset({"y"})})
    assert union[1] == {"z", "y"} and union[2] == {"z"} and union[5] == {"y"}


@pytest.mark.parametrize(
    ("folder", "parent", "message"),
    [(2, 4, "own subfolders"), (2, 2, "itself"), (1, 5, "root"), (5, 10, "organization")],
)
def test_bad_moves(tree, folder, parent, message):
    with pytest.raises(BadFolderMove, match=message):
        tree.check_move(folder, parent)


def test_good_move_and_unknown_folders(tree):
    tree.check_move(4, 5)
    with pytest.raises(FolderNotFound):
        tree.check_move(99, 1)


def test_unreachable_folders_are_not_in_the_tree():
    # a cycle (which moves prevent) must not hang the walk or leak teams
    cyclic = FolderTree([FolderNode(1, 1, None, "r"), FolderNode(2, 1, 3, "a"),
                         FolderNode(3, 1, 2, "b", frozenset({"T"}))])  # fmt: skip
    assert 2 not in cyclic and cyclic.cumulative(2) == set()
    assert cyclic.subtree_union({})[1] == set()
