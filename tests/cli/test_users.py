"""``voxhub user password|add`` and the first admin: passwords never on the command line."""

from __future__ import annotations

import pytest

from voxhub.access.first_admin import ADMIN_EMAIL

ME = "/api/v1/auth/me"


@pytest.fixture
def cli(cli_result):
    return cli_result  # these tests read stdout and stderr apart, and type input


def login(client, email, password):
    return client.post("/api/v1/auth/login", json={"email": email, "password": password})


def test_password_is_prompted_twice_and_ends_the_sessions(cli, client):
    cli("user", "add", "m@lab.org", "--org", "lab")
    assert login(client, "m@lab.org", "first password").status_code == 401  # none yet
    typed = cli("user", "password", "m@lab.org", input="first password\nfirst password\n")
    assert "password of m@lab.org set" in typed.stdout and "first password" not in typed.output
    assert login(client, "m@lab.org", "first password").status_code == 200
    assert client.get(ME).status_code == 200
    mismatch = "second password\nsecond typo\nsecond password\nsecond password\n"
    assert "do not match" in cli("user", "password", "m@lab.org", input=mismatch).output
    assert client.get(ME).status_code == 401  # the browser session ended with the change
    assert login(client, "m@lab.org", "second password").status_code == 200
    piped = cli("user", "password", "m@lab.org", "--password-stdin", input="from a pipe\n")
    assert "set" in piped.stdout
    assert login(client, "m@lab.org", "from a pipe").status_code == 200


def test_bad_passwords_and_unknown_users_are_one_line_errors(cli):
    cli("user", "add", "m@lab.org", "--org", "lab")
    short = cli("user", "password", "m@lab.org", "--password-stdin", input="short\n", ok=False)
    assert short.output.startswith("error:") and "8 characters" in short.output
    nobody = cli("user", "password", "nobody@lab.org", ok=False)  # refused before any prompt
    assert nobody.output.startswith("error: no user nobody@lab.org")


def test_user_add_never_takes_a_password_argument(cli, client):
    refused = cli(
        "user", "add", "p@lab.org", "--org", "lab", "--password", "on-the-cmdline", ok=False
    )
    assert refused.exit_code == 2
    assert login(client, "p@lab.org", "on-the-cmdline").status_code == 401
    cli(
        "user", "add", "p@lab.org", "--org", "lab", "--password", input="typed twice\ntyped twice\n"
    )
    assert login(client, "p@lab.org", "typed twice").status_code == 200
    cli("user", "add", "q@lab.org", "--org", "lab", "--password-stdin", input="from stdin!\n")
    assert login(client, "q@lab.org", "from stdin!").status_code == 200


def test_token_create_on_a_fresh_data_folder_creates_the_first_admin(cli, client):
    created = cli("token", "create")
    token = created.stdout.strip().splitlines()[-1]
    assert token.startswith("vxh_")
    assert "Created the first admin" in created.stderr and "Created" not in created.stdout
    password = created.stderr.split("with password: ")[1].split()[0]
    assert (
        client.get(ME, headers={"Authorization": f"Bearer {token}"}).json()["email"] == ADMIN_EMAIL
    )
    me = login(client, ADMIN_EMAIL, password)
    assert me.status_code == 200 and me.json()["isSuperuser"]
    again = cli("token", "create")  # only the first command creates it
    assert "first admin" not in again.output


def test_user_password_on_a_fresh_data_folder_sets_the_first_admins(cli, client):
    cli("user", "password", ADMIN_EMAIL, "--password-stdin", input="my own choice\n")
    assert login(client, ADMIN_EMAIL, "my own choice").status_code == 200


def test_deactivation_revokes_tokens_and_reactivation_revives_none(cli, client):
    cli("user", "add", "m@lab.org", "--org", "lab")
    token = cli("token", "create", "--user", "m@lab.org").stdout.strip().splitlines()[-1]
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get(ME, headers=headers).status_code == 200
    said = cli("user", "deactivate", "m@lab.org").stdout
    assert "1 API token(s) revoked" in said
    assert client.get(ME, headers=headers).status_code == 401
    again = cli("user", "deactivate", "m@lab.org", "--undo").stdout
    assert "is now active" in again and "stay revoked" in again
    assert client.get(ME, headers=headers).status_code == 401  # not silently revived
