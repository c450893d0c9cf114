"""The migration history is one line, and its newest step can be undone and redone."""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect

from voxhub.db.session import MIGRATIONS, migrate


def _config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def test_exactly_one_head() -> None:
    script = ScriptDirectory.from_config(_config("sqlite://"))
    assert len(script.get_heads()) == 1, script.get_heads()


def test_every_revision_but_merges_has_one_parent() -> None:
    script = ScriptDirectory.from_config(_config("sqlite://"))
    merges = [r.revision for r in script.walk_revisions() if r.is_merge_point]
    # The one merge joins the history the first sessions grew in four branches.
    assert merges == ["0002"], merges


def test_downgrade_and_upgrade_latest(database_url: str) -> None:
    migrate(database_url)
    config = _config(database_url)
    engine = create_engine(database_url)
    before = set(inspect(engine).get_table_names())
    script = ScriptDirectory.from_config(config)
    down = script.get_revision(script.get_current_head()).down_revision
    # A merge point has several parents and "-1" is ambiguous there: undo everything instead.
    command.downgrade(config, down if isinstance(down, str) else "base")
    command.upgrade(config, "head")
    after = set(inspect(engine).get_table_names())
    engine.dispose()
    assert before == after


def test_emails_that_differ_only_in_case_stop_the_upgrade_and_are_named(database_url: str) -> None:
    import pytest
    from sqlalchemy import text

    from voxhub.db.errors import MigrationRefused

    config = _config(database_url)
    command.upgrade(config, "0002")
    engine = create_engine(database_url)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO organizations (id, name, display_name, created) VALUES "
                          "(1, 'a', 'a', '2024-01-01'), (2, 'b', 'b', '2024-01-01')"))  # fmt: skip
        for user_id, email, org in ((1, "newhire@a.org", 1), (2, "NEWHIRE@A.ORG", 2),
                                    (3, "other@a.org", 1)):  # fmt: skip
            conn.execute(
                text("INSERT INTO users (id, email, name, organization_id, role, active, "
                     "is_superuser, created) VALUES (:id, :email, '', :org, 'member', true, "
                     "false, '2024-01-01')"),
                {"id": user_id, "email": email, "org": org},
            )  # fmt: skip
    with pytest.raises(MigrationRefused) as refused:
        migrate(database_url)
    detail = refused.value.detail
    assert "newhire@a.org (id 1, a) = NEWHIRE@A.ORG (id 2, b)" in detail and "other@" not in detail
    with engine.begin() as conn:  # nothing changed: still at 0002, the operator fixes the row
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == "0002"
        conn.execute(text("UPDATE users SET email = 'newhire@b.org' WHERE id = 2"))
    migrate(database_url)
    with engine.begin() as conn:
        try:
            conn.execute(text("UPDATE users SET email = 'Other@A.org' WHERE id = 1"))
        except Exception as exc:  # the database itself now refuses a clash
            assert "unique" in str(exc).lower()
        else:
            raise AssertionError("lower(email) is not unique")
    engine.dispose()


def test_segment_ids_keep_their_values_and_take_uint64(database_url: str) -> None:
    from sqlalchemy import text

    command.upgrade(_config(database_url), "0003")
    engine = create_engine(database_url)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO organizations (id, name, display_name, created) VALUES "
                          "(1, 'a', 'a', '2024-01-01')"))  # fmt: skip
        conn.execute(text("INSERT INTO datasets (id, organization_id, name, status, status_detail, "
                          "display_name, description, is_public, voxel_size, unit, properties, "
                          "created, updated) VALUES (1, 1, 'd', 'active', '', 'd', '', false, "
                          "'[1, 1, 1]', 'nm', '{}', '2024-01-01', '2024-01-01')"))  # fmt: skip
        conn.execute(text("INSERT INTO layers (id, dataset_id, name, category, element_class, "
                          "data_format, bounding_box, mags, num_channels, largest_segment_id) "
                          "VALUES (1, 1, 's', 'segmentation', 'uint64', 'zarr3', '{}', '[]', 1, "
                          "2000000011)"))  # fmt: skip
    migrate(database_url)
    from sqlalchemy.orm import Session

    from voxhub.db.models import Layer

    with Session(engine) as session, session.begin():
        layer = session.get(Layer, 1)
        assert layer.largest_segment_id == 2000000011  # kept
        layer.largest_segment_id = 2**64 - 1
    with Session(engine) as session:
        assert session.get(Layer, 1).largest_segment_id == 2**64 - 1
    engine.dispose()
