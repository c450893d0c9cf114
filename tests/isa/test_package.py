"""voxhub.isa is a pure library with a declared surface."""

import subprocess
import sys

import voxhub.isa


def test_all_names_exist_and_are_sorted():
    assert voxhub.isa.__all__ == sorted(voxhub.isa.__all__, key=str)
    for name in voxhub.isa.__all__:
        assert hasattr(voxhub.isa, name), name


def test_no_web_framework_or_database_is_imported():
    code = (
        "import sys, voxhub.isa, voxhub.isa.isajson, voxhub.isa.fulfil;"
        "bad = [m for m in ('fastapi', 'sqlalchemy', 'starlette') if m in sys.modules];"
        "print(bad)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_errors_carry_codes_from_the_voxhub_tree():
    from voxhub.errors import Conflict, InvalidInput, NotFound, UnreadableInput
    from voxhub.isa import InvalidTable, IsaConflict, IsaNotFound, IsaReadError

    assert issubclass(IsaReadError, UnreadableInput) and IsaReadError.code == "unreadable_isa"
    assert issubclass(InvalidTable, InvalidInput) and InvalidTable.code == "invalid_isa_table"
    assert issubclass(IsaNotFound, NotFound) and issubclass(IsaConflict, Conflict)
    err = IsaReadError("a.xlsx", "cell B2", "bad")
    assert (err.file, err.location, err.detail) == ("a.xlsx", "cell B2", "a.xlsx, cell B2: bad")
