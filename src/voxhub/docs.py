"""Generated documentation: the settings table in README.md comes from ``Settings``.

``python -m voxhub.docs`` rewrites the table between the ``<!-- settings -->``
markers; ``tests/test_docs.py`` fails when it is out of date.
"""

from __future__ import annotations

import sys
from pathlib import Path

from voxhub.config import Settings

START, END = "<!-- settings -->", "<!-- /settings -->"


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


def render(readme: str) -> str:
    head, rest = readme.split(START, 1)
    _, tail = rest.split(END, 1)
    return f"{head}{START}\n{settings_table()}\n{END}{tail}"


def main() -> None:
    path = Path(sys.argv[1] if len(sys.argv) > 1 else "README.md")
    path.write_text(render(path.read_text()))


if __name__ == "__main__":
    main()
