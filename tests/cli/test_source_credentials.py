"""``voxhub remote credentials add|list|rotate|remove`` on this machine's hub."""

from __future__ import annotations

from sqlalchemy import select

from voxhub.access.secrets import server_secret
from voxhub.access.vault import unseal
from voxhub.catalog.register import ensure_organization
from voxhub.db.remote_models import RemoteCredential

PREFIX = "https://data.example.org/lab/"


def secrets_of(hub) -> dict[str, dict[str, str]]:
    with hub.sessions() as session:
        rows = session.scalars(select(RemoteCredential)).all()
        key = server_secret(hub.settings)
        return {row.name: unseal(key, row.organization_id, row.secret) for row in rows}


def test_add_list_rotate_remove(cli_result, hub):
    with hub.transaction() as session:
        ensure_organization(session, "lab")

    def run(*args: str, stdin: str = "", code: int = 0) -> str:
        result = cli_result("remote", "credentials", *args, input=stdin, ok=code == 0)
        assert result.exit_code == code, result.output
        return str(result.output)

    assert "stored bearer credentials bucket" in run("add", "bucket", PREFIX, "--org", "lab",
                                                     stdin="tok-1\n")  # fmt: skip
    run("add", "keys", "s3://lab-bucket/", "--org", "lab", "--access-key-id", "AKIA1",
        stdin="sk-1\n")  # fmt: skip
    listing = run("list", "--org", "lab")
    assert "bucket" in listing and "bearer" in listing and "s3" in listing
    assert "tok-1" not in listing and "sk-1" not in listing
    assert secrets_of(hub)["keys"] == {"accessKeyId": "AKIA1", "secretAccessKey": "sk-1"}
    run("rotate", "bucket", "--org", "lab", "--username", "u", stdin="pw\n")
    assert secrets_of(hub)["bucket"] == {"username": "u", "password": "pw"}
    run("remove", "keys", "--org", "lab")
    assert set(secrets_of(hub)) == {"bucket"}
    # one line and a non-zero exit for every refusal
    for args, stdin in ((("add", "bucket", PREFIX, "--org", "lab"), "x\n"),
                        (("add", "n", "ftp://x/", "--org", "lab"), "x\n"),
                        (("add", "n", PREFIX, "--org", "lab"), ""),
                        (("rotate", "missing", "--org", "lab"), "x\n"),
                        (("remove", "bucket", "--org", "nope"), "")):  # fmt: skip
        output = run(*args, stdin=stdin, code=2)
        assert output.startswith("error:") and len(output.strip().splitlines()) == 1, output
