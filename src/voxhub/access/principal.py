"""Who is asking: the resolved identity behind a request's credentials."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Protocol


class HubVerdicts(Protocol):
    """Where a datastore node asks the hub (``voxhub.datastore.access.HubAccess``)."""

    def may_view(self, principal: Principal, organization: str, name: str) -> bool: ...


@dataclass(frozen=True)
class Presented:
    """The credentials a request brought to an external datastore, which cannot check
    them itself (it has no users): the hub decides, through ``verdicts``."""

    verdicts: HubVerdicts = field(compare=False, repr=False)
    token: str | None = field(default=None, repr=False)
    session: str | None = field(default=None, repr=False)


@dataclass(frozen=True)
class Principal:
    """A user (or nobody), with what ``can`` needs precomputed.

    ``share_token_hashes`` holds the hashes of dataset sharing tokens the
    request presented; they add read access to those datasets only.
    """

    user_id: int | None = None
    email: str | None = None
    organization_id: int | None = None
    role: str | None = None
    is_superuser: bool = False
    team_ids: frozenset[int] = frozenset()
    managed_team_ids: frozenset[int] = frozenset()
    share_token_hashes: frozenset[str] = field(default_factory=frozenset)
    presented: Presented | None = None  # on a datastore node: the hub decides

    @property
    def is_authenticated(self) -> bool:
        return self.user_id is not None

    def with_share_token(self, token_hash: str) -> Principal:
        return replace(self, share_token_hashes=self.share_token_hashes | {token_hash})

    def with_share_tokens(self, token_hashes: frozenset[str]) -> Principal:
        if not token_hashes:
            return self
        return replace(self, share_token_hashes=self.share_token_hashes | token_hashes)


ANONYMOUS = Principal()


def system_principal(name: str) -> Principal:
    """The server operator acting through the CLI: may do everything, audited by ``name``."""
    return Principal(email=name, is_superuser=True)
