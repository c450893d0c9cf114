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


@pytest.mark.parametrize(
    ("package", "above"),
    [
        ("access", ("voxhub.catalog", "voxhub.jobs", "voxhub.api", "voxhub.web", "voxhub.hub")),
        ("catalog", ("voxhub.jobs", "voxhub.api", "voxhub.web", "voxhub.hub")),
    ],
)
def test_services_import_only_downwards(package, above):
    """``catalog`` builds on ``access`` (who did it, who may), never the other way round."""
    import ast
    from pathlib import Path

    import voxhub

    root = Path(voxhub.__file__).parent / package
    found = []
    for path in sorted(root.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            found += [
                f"{path.name}: {n}"
                for n in names
                if any(n == a or n.startswith(a + ".") for a in above)
            ]
    assert found == []
