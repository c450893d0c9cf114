"""``voxhub remote credentials add|list|rotate|remove``: an organization's stored credentials.

Like ``voxhub remote add``, these work on this machine's hub (the operator's
shell); over HTTP, organization admins use ``/api/v1/remote-credentials`` or
the Python client. A secret is never an argument (it would show in ``ps`` and
the shell history): the password, token or S3 secret key is read from the
first line of standard input.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Annotated, Any

import typer

from voxhub.cli._common import OrgOption, clean_errors, open_hub, out
from voxhub.errors import InvalidInput

if TYPE_CHECKING:  # SQLAlchemy and pycurl load when a command runs, not for `remote explore`
    from sqlalchemy.orm import Session

    from voxhub.hub import Hub
    from voxhub.storage.fetch import Credentials

app = typer.Typer(no_args_is_help=True)

Username = Annotated[
    str | None, typer.Option(help="HTTP basic: the user name (the password comes from stdin)")
]
AccessKey = Annotated[
    str | None,
    typer.Option("--access-key-id", help="S3: the access key id (the secret key from stdin)"),
]
Region = Annotated[str | None, typer.Option(help="S3: the region (default us-east-1)")]


def _read(username: str | None, access_key_id: str | None, region: str | None) -> Credentials:
    """Credentials of the options and the secret on stdin's first line (a bearer token
    when neither --username nor --access-key-id is given)."""
    from voxhub.storage.fetch import Credentials

    if username and access_key_id:
        raise InvalidInput("give --username or --access-key-id, not both")
    secret = sys.stdin.readline().strip()
    if not secret:
        raise InvalidInput("give the password, token or S3 secret key on standard input")
    if access_key_id:
        fields = {"accessKeyId": access_key_id, "secretAccessKey": secret, "region": region or ""}
    elif username:
        fields = {"username": username, "password": secret}
    else:
        fields = {"token": secret}
    credentials = Credentials.parse(fields)
    assert credentials is not None  # a secret was given
    return credentials


@contextmanager
def _change(org: str, action: str, name: str) -> Iterator[tuple[Hub, Session, int, dict[str, Any]]]:
    """A transaction on an organization's credentials: (hub, session, organization id, the
    details the audit entry ``credential.<action>`` gets, written when the change is)."""
    from voxhub.access import audit
    from voxhub.cli.admin_common import operator, organization

    hub = open_hub()
    with hub.transaction() as session:
        owner = organization(session, org).id
        details: dict[str, Any] = {}
        yield hub, session, owner, details
        audit.record(session, operator(), f"credential.{action}", f"{org}:{name}", owner, **details)


@app.command()
@clean_errors
def add(
    name: Annotated[str, typer.Argument(help="A name for the credentials")],
    url_prefix: Annotated[str, typer.Argument(help="URLs starting with this use them")],
    org: OrgOption,
    dataset: Annotated[str | None, typer.Option(help="Only this dataset uses them")] = None,
    username: Username = None,
    access_key_id: AccessKey = None,
    region: Region = None,
) -> None:
    """Store credentials (encrypted) for a URL prefix of an organization."""
    from voxhub.catalog.credentials import add_credential, check_prefix
    from voxhub.catalog.datasets import find_dataset

    credentials = _read(username, access_key_id, region)
    with _change(org, "add", name) as (hub, session, owner, details):
        prefix = check_prefix(url_prefix, hub.remote_allowed)
        dataset_id = find_dataset(session, org, dataset).id if dataset else None
        row = add_credential(
            session, hub.remote.secret, owner, name=name, url_prefix=prefix,
            credentials=credentials, dataset_id=dataset_id,
        )  # fmt: skip
        details.update(kind=row.kind, urlPrefix=prefix, dataset=dataset)
        row_id = row.id
    shown = f"stored {credentials.kind} credentials {name} (id {row_id}) for {prefix}"
    out.print(shown, highlight=False)


@app.command("list")
@clean_errors
def list_(org: OrgOption) -> None:
    """List an organization's credentials (never their secrets)."""
    from rich.table import Table

    from voxhub.catalog.credentials import list_credentials
    from voxhub.cli.admin_common import organization

    hub = open_hub()
    with hub.sessions() as session:
        found = list_credentials(session, organization(session, org).id)
    table = Table("id", "name", "kind", "prefix", "dataset", "created")
    for info in found:
        created = info.created.isoformat(timespec="seconds")
        scope = info.dataset or "(organization)"
        table.add_row(str(info.id), info.name, info.kind, info.url_prefix, scope, created)
    out.print(table)


@app.command()
@clean_errors
def rotate(
    name: Annotated[str, typer.Argument(help="The credentials' name")],
    org: OrgOption,
    username: Username = None,
    access_key_id: AccessKey = None,
    region: Region = None,
) -> None:
    """Replace the secret of stored credentials (read from stdin)."""
    from voxhub.catalog.credentials import find_credential, rotate_credential

    credentials = _read(username, access_key_id, region)
    with _change(org, "rotate", name) as (hub, session, owner, details):
        row = find_credential(session, owner, name)
        rotate_credential(session, hub.remote.secret, row, credentials)
        details.update(kind=row.kind)
    out.print(f"rotated credentials {name}", highlight=False)


@app.command()
@clean_errors
def remove(
    name: Annotated[str, typer.Argument(help="The credentials' name")], org: OrgOption
) -> None:
    """Remove stored credentials."""
    from voxhub.catalog.credentials import find_credential, remove_credential

    with _change(org, "remove", name) as (_hub, session, owner, _details):
        remove_credential(session, find_credential(session, owner, name))
    out.print(f"removed credentials {name}", highlight=False)
