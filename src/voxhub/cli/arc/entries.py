"""The six verbs ArcCommander has for every list inside an ISA object.

People, publications, design descriptors, factors and protocols of an
investigation, a study or an assay are each edited with ``register``,
``update``, ``unregister``, ``show``, ``list`` and ``edit``. A :class:`Kind`
says how one entry looks as flat ``option: value`` fields; an :class:`Owner`
says where the list is and which file to write. :func:`add_entry_commands`
builds the verbs for one pair.
"""

import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import typer

from voxhub.cli.arc._base import (
    ADD_IF_MISSING,
    REPLACE,
    command,
    edit_fields,
    given,
    load,
    perform,
    required,
)
from voxhub.isa import ARC, Contract, IsaConflict, IsaNotFound

Flat = dict[str, str]


class Kind:
    """One kind of entry: its options, and conversions to and from flat fields."""

    noun: str = ""
    key: tuple[inspect.Parameter, ...] = ()  # the options that identify an entry
    optional_key: tuple[inspect.Parameter, ...] = ()  # narrow the match when given
    values: tuple[inspect.Parameter, ...] = ()

    def entries(self, owner: Any) -> list[Any]:
        raise NotImplementedError

    def to_flat(self, entry: Any) -> Flat:
        raise NotImplementedError

    def from_flat(self, flat: Flat, base: Any | None) -> Any:
        """The entry the fields describe (``base``: the entry it replaces, for what the
        fields do not cover, such as comments)."""
        raise NotImplementedError

    def put(self, owner: Any, entry: Any, old: Any | None) -> None:
        """Store ``entry`` in place of ``old`` (append when ``old`` is None)."""
        items = self.entries(owner)
        if old is None:
            items.append(entry)
        else:
            items[next(i for i, e in enumerate(items) if e is old)] = entry

    def drop(self, owner: Any, entry: Any) -> None:
        items = self.entries(owner)
        del items[next(i for i, e in enumerate(items) if e is entry)]

    # -- derived ----------------------------------------------------------------------------
    @property
    def names(self) -> list[str]:
        return [p.name for p in (*self.key, *self.optional_key, *self.values)]

    def describe(self, key: Flat) -> str:
        return " ".join(v for v in key.values() if v) or "(empty)"

    def find(self, owner: Any, key: Flat) -> Any | None:
        wanted = {k: v for k, v in key.items() if v is not None}
        for entry in list(self.entries(owner)):
            flat = self.to_flat(entry)
            if all(flat.get(k, "") == v for k, v in wanted.items()):
                return entry
        return None


@dataclass(frozen=True)
class Owner:
    """Where a list lives: the investigation, or a study or assay named by an option."""

    what: str  # "investigation", "study", "assay"
    param: inspect.Parameter | None  # the option naming it (None: the investigation)
    # both get the option's value (None for the investigation's own lists)
    resolve: Callable[[ARC, Any], Any]
    write: Callable[[ARC, Any], list[Contract]]

    def label(self, ident: str | None) -> str:
        return f"{self.what} '{ident}'" if ident else "the investigation"


def add_entry_commands(app: typer.Typer, kind: Kind, owner: Owner) -> None:
    """``register``, ``update``, ``unregister``, ``show``, ``list`` and ``edit`` for ``kind``."""
    owner_params = [owner.param] if owner.param is not None else []
    key_params = [required(p) for p in kind.key] + list(kind.optional_key)
    key_names = [p.name for p in key_params]
    noun = kind.noun

    def split(values: dict[str, Any]) -> tuple[str | None, Flat, dict[str, Any]]:
        ident = values.pop(owner.param.name) if owner.param is not None else None
        key = {k: values.pop(k) for k in key_names}
        return ident, key, values

    def context(ident: str | None) -> tuple[ARC, Any]:
        arc = load()
        return arc, owner.resolve(arc, ident)

    def existing(target: Any, key: Flat, ident: str | None) -> Any:
        entry = kind.find(target, key)
        if entry is None:
            raise IsaNotFound(f"no {noun} {kind.describe(key)} in {owner.label(ident)}")
        return entry

    def store(arc: ARC, target: Any, entry: Any, old: Any | None, ident: str | None) -> None:
        kind.put(target, entry, old)
        perform(owner.write(arc, ident))

    @command(
        app,
        "register",
        owner_params + key_params + list(kind.values),
        f"Add a {noun} to the {owner.what}.",
    )
    def register(**values: Any) -> None:
        ident, key, rest = split(values)
        arc, target = context(ident)
        if kind.find(target, {k: key[k] for k in key_names[: len(kind.key)]}) is not None:
            raise IsaConflict(
                f"{noun} {kind.describe(key)} is already registered in {owner.label(ident)}"
            )
        entry = kind.from_flat({**given(key, True), **given(rest, True)}, None)
        store(arc, target, entry, None, ident)

    @command(
        app,
        "update",
        owner_params + key_params + list(kind.values) + [REPLACE, ADD_IF_MISSING],
        f"Change a {noun} of the {owner.what} (only the fields given, unless "
        "--replacewithemptyvalues).",
    )
    def update(replacewithemptyvalues: bool, addifmissing: bool, **values: Any) -> None:
        ident, key, rest = split(values)
        arc, target = context(ident)
        old = kind.find(target, key)
        if old is None and not addifmissing:
            raise IsaNotFound(
                f"no {noun} {kind.describe(key)} in {owner.label(ident)} "
                "(--addifmissing registers it)"
            )
        flat = kind.to_flat(old) if old is not None else {}
        flat.update(given(key, False))
        flat.update(given(rest, replacewithemptyvalues or old is None))
        store(arc, target, kind.from_flat(flat, old), old, ident)

    @command(
        app, "unregister", owner_params + key_params, f"Remove a {noun} from the {owner.what}."
    )
    def unregister(**values: Any) -> None:
        ident, key, _ = split(values)
        arc, target = context(ident)
        kind.drop(target, existing(target, key, ident))
        perform(owner.write(arc, ident))

    @command(app, "show", owner_params + key_params, f"Print a {noun}'s fields.")
    def show(**values: Any) -> None:
        ident, key, _ = split(values)
        _, target = context(ident)
        for name, value in kind.to_flat(existing(target, key, ident)).items():
            typer.echo(f"{name}: {value}")

    @command(
        app,
        "edit",
        owner_params + key_params,
        f"Change a {noun}'s fields in your editor ($EDITOR).",
    )
    def edit(**values: Any) -> None:
        ident, key, _ = split(values)
        arc, target = context(ident)
        old = existing(target, key, ident)
        flat = edit_fields(kind.to_flat(old), f"{noun} {kind.describe(key)}")
        store(arc, target, kind.from_flat(flat, old), old, ident)

    @command(app, "list", owner_params, f"List the {noun} entries of the {owner.what}.")
    def list_(**values: Any) -> None:
        ident, _, _ = split({**values, **dict.fromkeys(key_names)})
        _, target = context(ident)
        for entry in kind.entries(target):
            flat = kind.to_flat(entry)
            typer.echo("\t".join(flat.get(n, "") for n in kind.names[:4]))
