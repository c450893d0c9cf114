"""Generated documentation: README's settings and command tables come from the code.

``python -m voxhub.docs`` (``make docs``) rewrites the tables between the
``<!-- settings -->`` and ``<!-- commands -->`` markers; ``tests/test_docs.py``
fails when either is out of date, so a new setting or command cannot ship
undocumented.
"""

from __future__ import annotations

import sys
from pathlib import Path

import typer.main

from voxhub.config import Settings


def _default(value: object) -> str:
    if value is None:
        return "–"
    if isinstance(value, tuple):
        return ",".join(map(str, value))
    if isinstance(value, bool):
        return str(value).lower()
    return str(value)


def settings_table() -> str:
    rows = ["| setting | default | meaning |", "| --- | --- | --- |"]
    for name, field in Settings.model_fields.items():
        rows.append(
            f"| `VOXHUB_{name.upper()}` | `{_default(field.default)}` | {field.description} |"
        )
    return "\n".join(rows)


def _commands(group: typer.core.TyperGroup, prefix: str) -> list[tuple[str, str]]:
    rows = []
    for name, command in group.commands.items():
        path = f"{prefix} {name}"
        if command.hidden:  # an alias (such as ArcCommander's 'arc s' for 'arc study')
            continue
        if isinstance(command, typer.core.TyperGroup) and path.count(" ") >= 3:
            # a group inside a group (voxhub arc study person): one row with its verbs
            verbs = "\\|".join(command.commands)
            help_text = (command.help or "").strip().splitlines()[0]
            rows.append((f"{path} {verbs}", help_text))
        elif isinstance(command, typer.core.TyperGroup):  # a sub-command group
            rows += _commands(command, path)
        else:
            rows.append((path, (command.help or "").strip().splitlines()[0]))
    return rows


def commands_table() -> str:
    from voxhub.cli import app
    from voxhub.cli._lazy import LazyGroup

    rows = ["| command | what |", "| --- | --- |"]
    group = typer.main.get_group(app)
    assert isinstance(group, LazyGroup), "voxhub's top-level group loads its sub-groups lazily"
    group.load_all()
    for path, help_text in _commands(group, "voxhub"):
        rows.append(f"| `{path}` | {help_text} |")
    return "\n".join(rows)


def _replace(text: str, marker: str, table: str) -> str:
    head, rest = text.split(f"<!-- {marker} -->", 1)
    _, tail = rest.split(f"<!-- /{marker} -->", 1)
    return f"{head}<!-- {marker} -->\n{table}\n<!-- /{marker} -->{tail}"


def render(readme: str) -> str:
    """``readme`` with both generated tables brought up to date."""
    readme = _replace(readme, "settings", settings_table())
    return _replace(readme, "commands", commands_table())


def main() -> None:
    path = Path(sys.argv[1] if len(sys.argv) > 1 else "README.md")
    path.write_text(render(path.read_text()))


if __name__ == "__main__":
    main()
