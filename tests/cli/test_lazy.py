"""``voxhub --help`` starts fast: the heavy libraries load only in commands that use them."""

from __future__ import annotations

import json
import subprocess
import sys

from typer.testing import CliRunner

from voxhub.cli import app

HEAVY = ("dask", "zarr", "sqlalchemy", "alembic", "numpy", "fastapi", "tifffile")
SCRIPT = """
import json, sys
sys.argv = ["voxhub", *sys.argv[1:]]
from voxhub.cli import main
try:
    main()
except SystemExit:
    pass
print(json.dumps(sorted(m for m in {heavy!r} if m in sys.modules)))
"""


def loaded_by(*args: str) -> tuple[list[str], str]:
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT.format(heavy=HEAVY), *args],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    *help_lines, last = result.stdout.strip().splitlines()
    return json.loads(last), "\n".join(help_lines)


def test_help_imports_no_heavy_library():
    loaded, text = loaded_by("--help")
    assert loaded == [], f"voxhub --help imported {loaded}: import them inside the commands"
    for group in ("token", "user", "dataset", "arc", "serve", "import"):
        assert group in text
    loaded, text = loaded_by("token", "--help")  # a group's help loads that group only
    assert "create" in text


def test_groups_load_when_named_on_the_command_line():
    result = CliRunner().invoke(app, ["user", "--help"])
    assert result.exit_code == 0 and "password" in result.output
    unknown = CliRunner().invoke(app, ["nosuchgroup"])
    assert unknown.exit_code == 2
