"""The ARC as a whole: ``init``, ``export``, ``convert``, ``get``, ``sync``, ``version``."""

import enum
import inspect
import re
import shutil
from typing import Annotated, Any

import typer

from voxhub import __version__
from voxhub.cli.arc._base import (
    ASSAY,
    DESCRIPTION,
    INVESTIGATION_FILE,
    STUDY,
    TITLE,
    command,
    flag,
    git,
    load,
    option,
    perform,
    required,
    root,
    run_git,
)
from voxhub.cli.arc.credentials import helper_args
from voxhub.cli.arc.exporting import (
    OUTPUT,
    PROCESS_SEQUENCE,
    assay_json,
    investigation_json,
    write_bytes,
    write_json,
)
from voxhub.cli.arc.settings import set_value
from voxhub.isa import (
    ARC,
    ArcInvestigation,
    Contract,
    InvalidIsa,
    IsaConflict,
    IsaNotFound,
    write_arc_zip,
)
from voxhub.isa.fulfil import list_files

app = typer.Typer()  # the commands are added to 'voxhub arc' itself

REPOSITORY = option(
    "repositoryaddress",
    "--repositoryadress",
    "-r",
    help="Git remote of the ARC (e.g. https://git.nfdi4plants.org/me/arc.git).",
)
BRANCH = option("branch", "-b", help="Git branch.")
NO_LFS = flag("nolfs", "-n", help="Do not download git LFS files (big data stays remote).")
GITIGNORE = ".gitignore"
_DEFAULT_GITIGNORE = "# files git should not track\n.DS_Store\n~$*.xlsx\n"
_LFS_SKIP = [
    "-c",
    "filter.lfs.smudge=git-lfs smudge --skip -- %f",
    "-c",
    "filter.lfs.process=git-lfs filter-process --skip",
]


def check_remote(address: str) -> str:
    """A git remote that is a URL or a path, never an option or a helper transport."""
    if (
        not address
        or address.startswith("-")
        or "::" in address
        or len(address) > 2048
        or any(ord(c) < 32 for c in address)
    ):
        raise InvalidIsa(f"'{address[:80]}' is not a git repository address")
    return address


def _remote_options(no_lfs: bool) -> list[str]:
    """git options for talking to a remote: stored tokens, and LFS files left there."""
    return [*helper_args(), *(_LFS_SKIP if no_lfs else [])]


def check_branch(branch: str | None) -> list[str]:
    """``[branch]`` when given and a plain branch name (never an option), else ``[]``."""
    if branch is None:
        return []
    if not re.fullmatch(r"[A-Za-z0-9._][A-Za-z0-9._/-]{0,199}", branch) or ".." in branch:
        raise InvalidIsa(f"'{branch[:80]}' is not a branch name")
    return [branch]


def create_arc(identifier: str | None, values: dict[str, Any]) -> ARC:
    """Write a new ARC's layout and investigation into the folder."""
    folder = root()
    if (folder / INVESTIGATION_FILE).exists():
        raise IsaConflict(f"{folder.resolve()} already holds an ARC")
    name = identifier or re.sub(r"[^A-Za-z0-9_\- ]", "-", folder.resolve().name).strip() or "arc"
    arc = ARC(
        ArcInvestigation(
            name,
            title=values.get("title") or "",
            description=values.get("description") or "",
            submission_date=values.get("submissiondate") or "",
            public_release_date=values.get("publicreleasedate") or "",
        )
    )
    folder.mkdir(parents=True, exist_ok=True)
    arc.file_paths = set(list_files(folder))
    perform(arc.write_contracts())
    return arc


@command(
    app,
    "init",
    [
        option(
            "investigationidentifier",
            "--identifier",
            "-i",
            help="Investigation identifier (default: the folder's name).",
        ),
        TITLE,
        DESCRIPTION,
        BRANCH,
        REPOSITORY,
        option(
            "editorpath",
            help="Editor for the 'edit' commands (kept in your settings, not the ARC's).",
        ),
        option("gitlfsbytethreshold", help="Files larger than this many bytes go to git LFS."),
        flag("gitignore", help="Also write a .gitignore."),
        option(
            "git",
            "--git/--no-git",
            default=None,
            kind=bool | None,
            dest="with_git",
            help="Run 'git init' (default: when git is installed).",
        ),
    ],
    "Create an ARC in the folder (and a git repository).",
)
def init(
    investigationidentifier: str | None,
    branch: str | None,
    repositoryaddress: str | None,
    editorpath: str | None,
    gitlfsbytethreshold: str | None,
    gitignore: bool,
    with_git: bool | None,
    **values: Any,
) -> None:
    if repositoryaddress is not None:
        check_remote(repositoryaddress)
    if gitlfsbytethreshold is not None and not gitlfsbytethreshold.isdigit():
        raise InvalidIsa("--gitlfsbytethreshold takes a number of bytes")
    check_branch(branch)
    use_git = shutil.which("git") is not None if with_git is None else with_git
    if repositoryaddress and not use_git:
        raise InvalidIsa("--repositoryaddress needs git (installed, and not --no-git)")
    create_arc(investigationidentifier, values)
    folder = root()
    if editorpath:
        set_value("general.editor", editorpath, global_=True)  # see edit_fields: not the ARC's
    if gitlfsbytethreshold:
        set_value("general.gitlfsbytethreshold", gitlfsbytethreshold)
    contracts: list[Contract] = []
    if gitignore and not (folder / GITIGNORE).exists():
        (folder / GITIGNORE).write_text(_DEFAULT_GITIGNORE, encoding="utf-8")
        typer.echo(f"CREATE {GITIGNORE}")
    if use_git and not (folder / ".git").exists():
        contracts.append(git("init", "-b", branch or "main"))
    if repositoryaddress:
        contracts.append(git("remote", "add", "origin", repositoryaddress))
    perform(contracts)


class ExportFormat(enum.StrEnum):
    isa_json = "isa-json"
    xlsx_zip = "xlsx-zip"


@command(
    app,
    "export",
    [
        option(
            "format",
            "-f",
            default=ExportFormat.isa_json,
            kind=ExportFormat,
            help="What to write (default: isa-json).",
        ),
        OUTPUT,
        PROCESS_SEQUENCE,
        flag(
            "id-references",
            help="isa-json: refer to nodes, protocols and terms by @id (smaller; "
            "ARCtrl reads only the default, spelled-out form).",
            dest="id_references",
        ),
    ],
    "Export the ARC as ISA-JSON (to standard output or -o) or as a zip of the ARC.",
)
def export(
    format: ExportFormat, output: str | None, processsequence: bool, id_references: bool
) -> None:
    arc = load()
    if format is ExportFormat.isa_json:
        write_json(investigation_json(arc, processsequence, id_references), output)
        return
    if output is None:
        raise IsaNotFound("--format xlsx-zip needs --output FILE.zip")
    write_bytes(write_arc_zip(arc), output)


CONVERTERS = {
    "isa-json": "the investigation (or -s study, -a assay) as ISA-JSON",
    "process-sequence": "every process of the investigation (or -s study, -a assay) as JSON",
}


@command(
    app,
    "convert",
    [
        inspect.Parameter(
            "target",
            inspect.Parameter.KEYWORD_ONLY,
            annotation=Annotated[
                str, typer.Argument(help=f"What to convert to: {', '.join(CONVERTERS)}.")
            ],
        ),
        STUDY,
        ASSAY,
        OUTPUT,
    ],
    "Convert the ARC (or one study or assay) with a built-in converter.",
)
def convert(
    target: str, studyidentifier: str | None, assayidentifier: str | None, output: str | None
) -> None:
    if target not in CONVERTERS:
        known = "; ".join(f"{k}: {v}" for k, v in CONVERTERS.items())
        raise InvalidIsa(f"unknown converter '{(target or '')[:80]}' (have {known})")
    arc = load()
    sequence = target == "process-sequence"
    if assayidentifier:
        data = assay_json(arc, assayidentifier, sequence)
    elif studyidentifier:
        arc.investigation.get_study(studyidentifier)
        studies = investigation_json(arc, False)["studies"]
        study = next(
            s for s in studies if s.get("filename", "").split("/")[1:2] == [studyidentifier]
        )
        data = (
            [p for p in study.get("processSequence", [])]
            + [p for a in study.get("assays", []) for p in a.get("processSequence", [])]
            if sequence
            else study
        )
    else:
        data = investigation_json(arc, sequence)
    write_json(data, output)


@command(
    app,
    "get",
    [
        required(REPOSITORY),
        option("branchname", "-b", help="Branch to check out."),
        NO_LFS,
        flag("merge", "-m", help="Merge it into the ARC already here."),
    ],
    "Download an ARC from a git remote into the folder.",
)
def get(repositoryaddress: str, branchname: str | None, nolfs: bool, merge: bool) -> None:
    address = check_remote(repositoryaddress)
    folder = root()
    skip = _remote_options(nolfs)
    named = check_branch(branchname)
    branch = ["-b", *named] if named else []
    if merge:
        if not (folder / ".git").exists():
            raise IsaNotFound(f"{folder.resolve()} is not a git repository to merge into")
        # the address was checked not to be an option ('git pull' takes no '--' before it)
        perform([git(*skip, "pull", "--no-rebase", address, *named)])
        return
    if folder.exists() and any(folder.iterdir()):
        raise IsaConflict(f"{folder.resolve()} is not empty (--merge merges into it)")
    folder.mkdir(parents=True, exist_ok=True)
    clone = [
        "-c",
        "protocol.ext.allow=never",
        *skip,
        "clone",
        *branch,
        "--",
        address,
        ".",
    ]
    perform([git(*clone)])


@command(
    app,
    "sync",
    [
        REPOSITORY,
        option(
            "commitmessage",
            "--message",
            "-m",
            help="Commit message.",
            default="Update ARC",
            kind=str,
        ),
        BRANCH,
        NO_LFS,
        flag("force", "-f", help="Push even if the remote has diverged."),
        option(
            "pull",
            "--pull/--no-pull",
            default=None,
            kind=bool | None,
            help="git pull first (default: when there is a remote).",
        ),
        option(
            "push",
            "--push/--no-push",
            default=None,
            kind=bool | None,
            help="git push afterwards (default: when there is a remote).",
        ),
    ],
    "Commit the ARC's changes to git, and pull and push when it has a remote.",
)
def sync(
    repositoryaddress: str | None,
    commitmessage: str,
    branch: str | None,
    nolfs: bool,
    force: bool,
    pull: bool | None,
    push: bool | None,
) -> None:
    load()
    folder = root()
    if not (folder / ".git").exists():
        raise IsaNotFound(
            f"{folder.resolve()} is not a git repository; run 'voxhub arc init --git'"
        )
    if repositoryaddress is not None:
        check_remote(repositoryaddress)
        verb = "set-url" if "origin" in run_git("remote").split() else "add"
        perform([git("remote", verb, "origin", repositoryaddress)])
    remote = "origin" in run_git("remote").split()
    if pull is None:
        pull = remote and bool(run_git("branch", "-r").strip())
    if push is None:
        push = remote
    for name in check_branch(branch):
        perform([git("checkout", "-B", name)])
    if pull:
        perform([git(*_remote_options(nolfs), "pull", "--no-rebase")])
    if run_git("status", "--porcelain").strip():
        perform([git("add", "-A"), git("commit", "-m", commitmessage)])
    else:
        typer.echo("nothing to commit")
    if push:
        head = run_git("rev-parse", "--abbrev-ref", "HEAD").strip()
        perform(
            [
                git(
                    *_remote_options(False),
                    "push",
                    *(["--force"] if force else []),
                    "-u",
                    "origin",
                    head,
                )
            ]
        )


@command(app, "version", [], "Print voxhub's version.")
def version() -> None:
    typer.echo(f"voxhub {__version__}")
