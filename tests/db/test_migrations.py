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
