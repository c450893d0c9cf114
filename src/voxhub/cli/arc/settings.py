"""``voxhub arc config`` and ``voxhub arc remote``: ArcCommander's settings and tokens.

Settings are ``section.key = value`` pairs in an INI file, per ARC
(``.arc/config``) or per user (``$XDG_CONFIG_HOME/voxhub/arc.config``); the
ARC's win. Tokens are kept per server in the user's ``arc.tokens`` (mode 600).
"""

import configparser
import os
from pathlib import Path

import typer

from voxhub.cli.arc._base import command, edit_fields, flag, git, option, perform, required, root
from voxhub.cli.arc.credentials import tokens_path, user_dir
from voxhub.isa import InvalidIsa, IsaNotFound

config_app = typer.Typer(help="Show and change ArcCommander settings.", no_args_is_help=True)
remote_app = typer.Typer(help="Access tokens for remote servers (DataHUBs).", no_args_is_help=True)
token_app = typer.Typer(help="Store access tokens.", no_args_is_help=True)
remote_app.add_typer(token_app, name="token")
remote_app.add_typer(token_app, name="accesstoken", hidden=True)

LOCAL = flag("local", "-l", help="The ARC's settings (.arc/config).")
GLOBAL = flag("global", "-g", help="Your settings for every ARC.", dest="global_")
NAME = option("name", "-n", help="Setting, as section.key (e.g. general.editor).")
VALUE = option("value", "-v", help="The value.")
SERVER = option("server", "-s", help="Server, e.g. git.nfdi4plants.org (default: that).")
DEFAULT_SERVER = "git.nfdi4plants.org"
MAX_VALUE = 4096


def _path(local: bool, global_: bool) -> Path:
    if local and global_:
        raise InvalidIsa("give --local or --global, not both")
    return user_dir() / "arc.config" if global_ else root() / ".arc" / "config"


def _read(path: Path) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(interpolation=None)
    if path.is_file():
        try:
            parser.read(path, encoding="utf-8")
        except configparser.Error as exc:
            raise InvalidIsa(
                f"{path}: not a settings file ({exc.message.splitlines()[0]})"
            ) from None
    return parser


def _save(parser: configparser.ConfigParser, path: Path, mode: int = 0o644) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    with open(
        os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode), "w", encoding="utf-8"
    ) as fh:
        parser.write(fh)
    os.replace(tmp, path)


def _split(name: str) -> tuple[str, str]:
    section, dot, key = name.partition(".")
    if not dot or not section.strip() or not key.strip() or any(c in name for c in "[]=:\n\r"):
        raise InvalidIsa(f"setting '{name[:80]}' is not section.key (e.g. general.editor)")
    return section.strip(), key.strip()


def settings(with_arcs: bool = True) -> dict[str, str]:
    """Every setting, the ARC's over the user's (``with_arcs=False``: the user's only)."""
    merged: dict[str, str] = {}
    for path in (_path(False, True), _path(True, False))[: 2 if with_arcs else 1]:
        parser = _read(path)
        for section in parser.sections():
            merged.update({f"{section}.{k}": v for k, v in parser.items(section)})
    return merged


def set_value(name: str, value: str, global_: bool = False) -> None:
    if len(value) > MAX_VALUE or "\n" in value or "\r" in value:
        raise InvalidIsa(f"the value of {name} must be one line of at most {MAX_VALUE} characters")
    section, key = _split(name)
    path = _path(not global_, global_)
    parser = _read(path)
    if not parser.has_section(section):
        parser.add_section(section)
    parser.set(section, key, value)
    _save(parser, path)


@command(config_app, "list", [LOCAL, GLOBAL], "Print the settings (default: merged).")
def config_list(local: bool, global_: bool) -> None:
    if local or global_:
        parser = _read(_path(local, global_))
        found = {f"{s}.{k}": v for s in parser.sections() for k, v in parser.items(s)}
    else:
        found = settings()
    for name, value in sorted(found.items()):
        typer.echo(f"{name}={value}")


@command(config_app, "set", [LOCAL, GLOBAL, required(NAME), required(VALUE)], "Set a setting.")
def config_set(local: bool, name: str, value: str, global_: bool) -> None:
    _path(local, global_)
    set_value(name, value, global_)
    typer.echo(f"{name}={value}")


@command(config_app, "unset", [LOCAL, GLOBAL, required(NAME)], "Remove a setting.")
def config_unset(local: bool, name: str, global_: bool) -> None:
    section, key = _split(name)
    path = _path(local, global_)
    parser = _read(path)
    if not parser.has_option(section, key):
        raise IsaNotFound(f"no setting {name} in {path}")
    parser.remove_option(section, key)
    _save(parser, path)
    typer.echo(f"unset {name}")


@command(config_app, "edit", [LOCAL, GLOBAL], "Change the settings in your editor ($EDITOR).")
def config_edit(local: bool, global_: bool) -> None:
    path = _path(local, global_)
    parser = _read(path)
    current = {f"{s}.{k}": v for s in parser.sections() for k, v in parser.items(s)}
    for name, value in edit_fields(current, str(path)).items():
        section, key = _split(name)
        parser.set(section, key, value)
    _save(parser, path)


@command(
    config_app,
    "setgituser",
    [LOCAL, GLOBAL, NAME, option("email", "-e", help="E-mail.")],
    "Set git's user.name and user.email (for this ARC, or --global).",
)
def config_setgituser(local: bool, name: str | None, email: str | None, global_: bool) -> None:
    scope = ["--global"] if global_ else ["--local"]
    if not global_ and not (root() / ".git").exists():
        raise IsaNotFound(f"{root().resolve()} is not a git repository; use --global")
    contracts = [git("config", *scope, "user.name", name)] if name else []
    contracts += [git("config", *scope, "user.email", email)] if email else []
    if not contracts:
        raise InvalidIsa("give --name and/or --email")
    perform(contracts)


# -- tokens ---------------------------------------------------------------------------------
@command(
    token_app,
    "store",
    [
        required(option("token", "-t", help="The access token.")),
        option("user", "-u", help="User name on the server."),
        SERVER,
    ],
    "Keep an access token for a server (in your settings folder, readable only by you).",
)
def token_store(token: str, user: str | None, server: str | None) -> None:
    host = server or DEFAULT_SERVER
    if len(token) > MAX_VALUE or any(c.isspace() for c in token) or not token:
        raise InvalidIsa("a token is one word of at most 4096 characters")
    _split(f"{host}.token")
    path = tokens_path()
    parser = _read(path)
    if not parser.has_section(host):
        parser.add_section(host)
    parser.set(host, "token", token)
    if user:
        parser.set(host, "user", user)
    _save(parser, path, 0o600)
    os.chmod(path, 0o600)
    typer.echo(f"stored the token for {host}")


@command(
    token_app,
    "get",
    [
        SERVER,
        flag("oauth2", help="OAuth2 login (not supported)."),
        flag("openid", help="OpenID login (not supported)."),
    ],
    "Log in to a server in the browser for a token (not supported: use 'token store').",
)
def token_get(server: str | None, oauth2: bool, openid: bool) -> None:
    raise InvalidIsa(
        "voxhub cannot run a DataHUB's browser login; create a personal access token on "
        f"{server or DEFAULT_SERVER} and run 'voxhub arc remote token store -t TOKEN'"
    )
