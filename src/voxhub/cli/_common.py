"""What every CLI command shares: the hub, clean errors, progress bars."""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.markup import escape

from voxhub.errors import VoxhubError

if TYPE_CHECKING:  # the hub imports SQLAlchemy, zarr and dask: only commands that work need it
    from voxhub.hub import Hub

F = TypeVar("F", bound=Callable[..., Any])

# Options several commands take, defined once (the same flag, the same help everywhere).
OrgOption = Annotated[str, typer.Option("--org", help="Organization name")]
DatasetNameOption = Annotated[str, typer.Option("--name", help="Dataset name")]
VoxelSizeOption = Annotated[str | None, typer.Option(help="X,Y,Z voxel size")]
TeamsOption = Annotated[list[str], typer.Option("--team", help="A team to allow (repeat)")]
ClearTeamsOption = Annotated[bool, typer.Option("--clear", help="Allow no team")]
err = Console(stderr=True)
out = Console()


def clean_errors(func: F) -> F:
    """Turn errors into one line on stderr and a non-zero exit, never a traceback."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except VoxhubError as exc:
            # escaped: a detail quoting input (a URL like http://[::1]/) is not rich markup
            err.print(f"[red]error:[/red] {escape(exc.detail)}", highlight=False, soft_wrap=True)
            raise typer.Exit(2) from None
        except KeyboardInterrupt:
            # The command's ``finally`` blocks have run (staging removed, nothing published).
            # Leave without the interpreter's shutdown, where asyncio and dask threads that
            # were cut short print "Task was destroyed but it is pending" and tracebacks.
            err.print("interrupted", highlight=False)
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(130)
        except (typer.Exit, typer.Abort):
            raise
        except Exception as exc:
            if os.environ.get("VOXHUB_DEBUG"):
                raise
            err.print(
                f"[red]error:[/red] {type(exc).__name__}: {exc}", highlight=False, soft_wrap=True
            )
            raise typer.Exit(1) from None

    return wrapper  # type: ignore[return-value]


def open_hub() -> Hub:
    from voxhub.hub import Hub

    return Hub().prepare()


def ensure_first_admin(hub: Hub, *, with_token: bool = False, url: str | None = None) -> None:
    """On a store without users, create the first admin and print its secrets (once)."""
    from voxhub.access.first_admin import ensure_admin

    with hub.transaction() as session:
        created = ensure_admin(session, with_token=with_token)
    if created is not None:
        # stderr: a command's own output (a token, a table) stays alone on stdout
        err.print(created.announcement(url), highlight=False, soft_wrap=True)


@contextmanager
def progress_bar(description: str) -> Iterator[Callable[[int, int], None]]:
    """A rich progress bar fed by ``(done, total)`` calls; silent when not a terminal."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )

    progress = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=err,
        disable=not sys.stderr.isatty() and not os.environ.get("VOXHUB_PROGRESS"),
    )
    task = progress.add_task(description, total=None)

    def report(done: int, total: int) -> None:
        progress.update(task, completed=done, total=total)

    with progress:
        yield report
