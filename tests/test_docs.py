"""README's settings and command tables are generated from the code and must be current."""

from pathlib import Path

from voxhub.config import Settings
from voxhub.docs import commands_table, render, settings_table

README = (Path(__file__).parents[1] / "README.md").read_text()


def test_generated_tables_are_up_to_date():
    assert render(README) == README, "README's settings/commands tables are stale: run `make docs`"


def test_tables_list_every_setting_and_command():
    for name in Settings.model_fields:
        assert f"`VOXHUB_{name.upper()}`" in settings_table()
    for command in ("voxhub serve", "voxhub import", "voxhub scan", "voxhub token create"):
        assert f"`{command}`" in commands_table()


def test_every_setting_has_a_description():
    assert all(field.description for field in Settings.model_fields.values())


def test_readme_starts_with_the_two_commands():
    first_block = README.split("```sh", 1)[1].split("```", 1)[0]
    commands = [line.split("#")[0].strip() for line in first_block.strip().splitlines()]
    assert commands == ["make serve", "make test"]
