"""Each library package declares its public names, and each of them imports."""

import importlib

import pytest

PACKAGES = ["voxhub.arrays", "voxhub.formats", "voxhub.storage", "voxhub.isa"]


@pytest.mark.parametrize("name", PACKAGES)
def test_all_names_exist(name):
    module = importlib.import_module(name)
    assert module.__all__, f"{name} declares no __all__"
    assert sorted(module.__all__) == sorted(set(module.__all__))
    for public in module.__all__:
        assert hasattr(module, public), f"{name}.{public} is in __all__ but missing"


@pytest.mark.parametrize("name", ["voxhub.arrays", "voxhub.formats", "voxhub.storage"])
def test_pure_libraries_do_not_import_the_web_or_sql_stacks(name):
    import subprocess
    import sys

    code = (
        f"import sys, {name}; "
        "bad = [m for m in ('fastapi', 'sqlalchemy', 'starlette') if m in sys.modules]; "
        "print(','.join(bad))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "", f"{name} pulls in {out.stdout.strip()}"
