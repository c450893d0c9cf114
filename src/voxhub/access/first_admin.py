"""The first admin: created by whichever command needs an account on a fresh data folder.

``voxhub serve``, ``voxhub token create``, ``voxhub user password`` … all call
``ensure_admin``; the first of them to run on a store without users creates
``admin@voxhub.local`` (a superuser in the sample organization) with a
generated password and, when asked, an API token. Both are returned in clear
text exactly once, for the command to print; only their hashes are stored.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from voxhub.access.accounts import create_user, issue_token
from voxhub.access.passwords import hash_password
from voxhub.db.models import Organization, User

ADMIN_EMAIL = "admin@voxhub.local"
ADMIN_ORGANIZATION = "sample_organization"


@dataclass(frozen=True)
class FirstAdmin:
    """What was created; the secrets exist only here."""

    email: str
    password: str
    token: str | None

    def announcement(self, url: str | None = None) -> str:
        """The lines a command prints (once) so the operator can log in."""
        where = f" at {url}/ui" if url else " in the browser"
        lines = [
            f"Created the first admin {self.email}.",
            f"  Log in{where} with password: {self.password}",
        ]
        if self.token:
            lines.append(f"  Its API token: {self.token}")
        lines.append(
            "  Both are shown only this once. Change the password with "
            f"`voxhub user password {self.email}`; new tokens: `voxhub token create`."
        )
        return "\n".join(lines)


def ensure_admin(session: Session, *, with_token: bool = False) -> FirstAdmin | None:
    """Create the first admin when there are no users yet; None when there are."""
    if session.scalar(select(func.count(User.id))):
        return None
    org = session.scalar(select(Organization).where(Organization.name == ADMIN_ORGANIZATION))
    if org is None:
        org = Organization(name=ADMIN_ORGANIZATION, display_name=ADMIN_ORGANIZATION)
        session.add(org)
        session.flush()
    password = secrets.token_urlsafe(12)
    admin = create_user(
        session, email=ADMIN_EMAIL, organization=org, role="admin", name="admin",
        password_hash=hash_password(password), is_superuser=True,
    )  # fmt: skip
    token = issue_token(session, admin, name="first start").token if with_token else None
    return FirstAdmin(ADMIN_EMAIL, password, token)
