"""Sub-command groups imported when a command line names them, not when help lists them.

``voxhub --help`` lists every group with a one-line help. Importing the
groups' modules for that would import SQLAlchemy, zarr and dask (seconds of
start-up); instead each group is a placeholder carrying its name and help
until ``resolve_command`` meets it on a command line, and only then is its
module imported and the real group put in its place.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

import typer.main
from typer.core import TyperGroup

if TYPE_CHECKING:  # typer carries its own copy of click (0.29+): its classes, not click's
    from typer._click import Command, Context


class _Placeholder(TyperGroup):
    def __init__(self, name: str, help: str, module: str) -> None:
        super().__init__(name=name, help=help)
        self.module = module


class LazyGroup(TyperGroup):
    """A Typer group whose ``lazy`` sub-groups (module, name, help) load on first use."""

    lazy: tuple[tuple[str, str, str], ...] = ()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for module, name, help_text in self.lazy:
            self.commands.setdefault(name, _Placeholder(name, help_text, module))

    def load(self, name: str) -> Command | None:
        """The real command ``name`` (importing its module if it is still a placeholder)."""
        command = self.commands.get(name)
        if isinstance(command, _Placeholder):
            module = importlib.import_module(f"voxhub.cli.{command.module}")
            real = typer.main.get_group(module.app)
            real.name, real.help = name, command.help
            self.commands[name] = command = real
        return command

    def load_all(self) -> None:
        for name in list(self.commands):
            self.load(name)

    def resolve_command(
        self, ctx: Context, args: list[str]
    ) -> tuple[str | None, Command | None, list[str]]:
        if args:
            self.load(args[0])
        return super().resolve_command(ctx, args)
