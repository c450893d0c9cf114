"""The README documents every setting and every command: a new one without docs fails here."""

from pathlib import Path

import typer.main

from voxhub.cli import app
from voxhub.config import Settings
from voxhub.docs import render

README = (Path(__file__).parents[1] / "README.md").read_text()


def test_every_setting_is_documented():
    missing = [
        f"VOXHUB_{name.upper()}"
        for name in Settings.model_fields
        if f"VOXHUB_{name.upper()}" not in README
    ]
    assert not missing, f"document these settings in README.md: {missing}"


def test_every_command_is_documented():
    group = typer.main.get_group(app)
    missing = [f"voxhub {name}" for name in group.commands if f"voxhub {name}" not in README]
    assert not missing, f"document these commands in README.md: {missing}"


def test_readme_starts_with_the_two_commands():
    first_block = README.split("```sh", 1)[1].split("```", 1)[0]
    commands = [line.split("#")[0].strip() for line in first_block.strip().splitlines()]
    assert commands == ["make serve", "make test"]
