"""A git credential helper answering with the tokens ``voxhub arc remote token store`` kept.

``voxhub arc sync`` and ``get`` run git with
``-c credential.helper=!<python> -m voxhub.cli.arc.credentials``, so the token
reaches git on a pipe, never on a command line other users can see::

    $ printf 'protocol=https\\nhost=git.nfdi4plants.org\\n\\n' \\
        | python -m voxhub.cli.arc.credentials get
    username=me
    password=<token>
"""

import configparser
import os
import shlex
import sys
from pathlib import Path


def user_dir() -> Path:
    """The user's voxhub settings folder (``$XDG_CONFIG_HOME/voxhub``)."""
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "voxhub"


def tokens_path() -> Path:
    return user_dir() / "arc.tokens"


def helper_args() -> list[str]:
    """The ``git -c`` options that make git ask this helper (none when no token is kept)."""
    if not tokens_path().is_file():
        return []
    command = shlex.join([sys.executable, "-m", "voxhub.cli.arc.credentials"])
    return ["-c", f"credential.helper=!{command}"]


def answer(request: str, path: Path) -> str:
    """git's credential request (``key=value`` lines) → the ``username``/``password`` lines."""
    fields = dict(line.split("=", 1) for line in request.splitlines() if "=" in line)
    host = fields.get("host", "")
    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read(path, encoding="utf-8")
    except configparser.Error:
        return ""
    if fields.get("protocol") != "https" or not parser.has_option(host, "token"):
        return ""  # git goes on to its other helpers (or asks)
    user = parser.get(host, "user", fallback="oauth2")
    return f"username={user}\npassword={parser.get(host, 'token')}\n"


def main(argv: list[str]) -> int:
    if argv[:1] != ["get"]:  # 'store' and 'erase': the tokens are managed by voxhub only
        return 0
    sys.stdout.write(answer(sys.stdin.read(65536), tokens_path()))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
