"""What every ``voxhub arc`` command shares: the ARC folder, options, contracts, editing.

Options are defined once here (:func:`option`) and commands are assembled from
lists of them (:func:`command`), so the person options of ``investigation
person``, ``study person`` and ``assay person`` are one list, not three copies.
"""

import inspect
import os
import shlex
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Annotated, Any

import click
import typer

from voxhub.cli._common import clean_errors
from voxhub.isa import (
    ARC,
    Contract,
    InvalidIsa,
    IsaConflict,
    IsaNotFound,
    OntologyAnnotation,
    fulfil_all,
    load_arc,
)

INVESTIGATION_FILE = "isa.investigation.xlsx"
_state: dict[str, Path] = {"root": Path(".")}


def root() -> Path:
    """The ARC folder of this invocation (``--workingdir``/``-p``, default: here)."""
    return _state["root"]


def set_root(path: Path) -> None:
    _state["root"] = path


def load() -> ARC:
    folder = root()
    if not (folder / INVESTIGATION_FILE).is_file():
        raise IsaNotFound(
            f"no ARC at {folder.resolve()} ({INVESTIGATION_FILE} missing); "
            "run 'voxhub arc init' or pass --workingdir PATH"
        )
    return load_arc(folder)


def perform(contracts: Iterable[Contract]) -> list[Contract]:
    """Fulfil the contracts on the ARC folder (all, or none when one fails); print each."""
    from voxhub.cli.arc.apply import apply_all

    done = apply_all(contracts, root())
    for contract in done:
        typer.echo(str(contract))
    return done


# -- options ------------------------------------------------------------------------------
def option(
    name: str,
    *flags: str,
    help: str = "",
    default: Any = None,
    kind: Any = str | None,
    dest: str | None = None,
) -> inspect.Parameter:
    """One command-line option ``--name`` (plus ``flags``) as the keyword parameter ``dest``
    (default: ``name``)."""
    names = flags if any(f.startswith(f"--{name}") for f in flags) else (f"--{name}", *flags)
    return inspect.Parameter(
        dest or name,
        inspect.Parameter.KEYWORD_ONLY,
        default=default,
        annotation=Annotated[kind, typer.Option(*names, help=help, show_default=False)],
    )


def required(param: inspect.Parameter) -> inspect.Parameter:
    """The same option, but mandatory."""
    (opt,) = param.annotation.__metadata__
    kind = param.annotation.__origin__
    if kind == str | None:
        kind = str
    return param.replace(default=inspect.Parameter.empty, annotation=Annotated[kind, opt])


def flag(name: str, *flags: str, help: str = "", dest: str | None = None) -> inspect.Parameter:
    return option(name, *flags, help=help, default=False, kind=bool, dest=dest)


def term_options(name: str, what: str) -> tuple[inspect.Parameter, ...]:
    """``--name`` and its ``--nametermaccessionnumber`` and ``--nametermsourceref``."""
    return (
        option(name, help=f"{what} (a term; ';' separates several where there can be)."),
        option(f"{name}termaccessionnumber", help=f"Accession of the {what.lower()} term."),
        option(f"{name}termsourceref", help=f"Ontology of the {what.lower()} term."),
    )


STUDY = option("studyidentifier", "-s", help="Study identifier.")
ASSAY = option("assayidentifier", "-a", help="Assay identifier.")
TITLE = option("title", help="Title.")
DESCRIPTION = option("description", help="Description.")
SUBMISSION = option("submissiondate", help="Submission date (YYYY-MM-DD).")
RELEASE = option("publicreleasedate", help="Public release date (YYYY-MM-DD).")
REPLACE = flag(
    "replacewithemptyvalues",
    help="Clear the fields not given (without it, only the fields given change).",
)
ADD_IF_MISSING = flag("addifmissing", help="Register it when it does not exist yet.")
FORCE = flag("force", help="Delete the whole folder, files you added included.")


def command(
    app: typer.Typer, name: str, params: Sequence[inspect.Parameter], help: str
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register ``body(**options)`` as ``name`` with the given options (in that order)."""

    def register(body: Callable[..., Any]) -> Callable[..., Any]:
        def run(**values: Any) -> Any:
            return body(**values)

        run.__name__ = run.__qualname__ = f"{body.__name__}_{name}"
        run.__doc__ = help
        wrapped = clean_errors(run)
        # Typer reads a command's options from its signature and annotations.
        wrapped.__signature__ = inspect.Signature(list(params))  # type: ignore[attr-defined]
        wrapped.__annotations__ = {p.name: p.annotation for p in params}
        app.command(name, help=help)(wrapped)
        return body

    return register


# -- values --------------------------------------------------------------------------------
def term(name: str | None, accession: str | None, source: str | None) -> OntologyAnnotation:
    return OntologyAnnotation(name or "", source or "", accession or "")


def given(values: dict[str, Any], replace: bool) -> dict[str, str]:
    """The fields to change: those given, or with ``replace`` every one (not given = empty)."""
    return {k: (v or "") for k, v in values.items() if v is not None or replace}


def edit_fields(fields: dict[str, str], what: str) -> dict[str, str]:
    """Let the user change ``Field: value`` lines in their editor; the fields as saved.

    The editor is the user's ``general.editor`` setting (``arc init --editorpath``), else
    ``$VISUAL``/``$EDITOR``; an editor closed without saving changes nothing.
    """
    text = "".join(f"{k}: {v}\n" for k, v in fields.items())
    from voxhub.cli.arc.settings import settings

    editor = (
        # never the ARC's own .arc/config: a cloned ARC must not choose what runs here
        settings(with_arcs=False).get("general.editor")
        or os.environ.get("VISUAL")
        or os.environ.get("EDITOR")
    )
    header = f"# Edit {what}; one 'field: value' a line. Lines starting with # are ignored.\n"
    edited = click.edit(header + text, editor=editor, extension=".txt", require_save=True)
    if edited is None:
        return fields
    result: dict[str, str] = {}
    for number, line in enumerate(edited.splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        key, sep, value = line.partition(":")
        key = key.strip()
        if not sep or key not in fields:
            raise InvalidIsa(
                f"line {number} of the edited text: expected 'field: value' with "
                f"one of {', '.join(fields)}, got {line[:80]!r}"
            )
        result[key] = value.strip()
    return {k: result.get(k, "") for k in fields}


SCAFFOLDING = ("isa.study.xlsx", "isa.assay.xlsx", "README.md", ".gitkeep")


def check_user_files(arc: ARC, folder: str, force: bool) -> None:
    """Refuse to delete ``folder`` when it holds files the user added, unless ``force``."""
    theirs = sorted(
        p
        for p in arc.file_paths
        if p.startswith(f"{folder}/") and p.rsplit("/", 1)[-1] not in SCAFFOLDING
    )
    if theirs and not force:
        shown = ", ".join(theirs[:3]) + (f" and {len(theirs) - 3} more" if len(theirs) > 3 else "")
        raise IsaConflict(f"{folder} holds files you added ({shown}); --force deletes them too")


def git(*args: str) -> Contract:
    return Contract.execute(["git", *args])


def run_git(*args: str) -> str:
    """Run git in the ARC folder (printing nothing); its standard output."""
    (done,) = fulfil_all([git(*args)], root())
    return done.dto.stdout  # type: ignore[union-attr]


def quote(argv: Sequence[str]) -> str:
    return shlex.join(argv)
