"""Login throttling: failed attempts counted per account and per address, in the database.

Counting in the database (not in memory) makes the limit hold across
processes and API nodes. A successful login clears its account's count.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from voxhub.access.errors import TooManyAttempts
from voxhub.db.access_models import LoginFailure
from voxhub.db.models import utcnow


@dataclass(frozen=True)
class LoginThrottle:
    per_account: int
    per_address: int
    window_seconds: float

    def _since(self):  # type: ignore[no-untyped-def]
        return utcnow() - timedelta(seconds=self.window_seconds)

    def check(self, session: Session, account: str, address: str) -> None:
        """Raise ``TooManyAttempts`` while either count is at its limit."""
        since = self._since()
        for column, value, limit, what in (
            (LoginFailure.account, account, self.per_account, "this account"),
            (LoginFailure.address, address, self.per_address, "this address"),
        ):
            count = session.scalar(
                select(func.count(LoginFailure.id)).where(column == value, LoginFailure.at > since)
            )
            if count and count >= limit:
                raise TooManyAttempts(
                    f"too many failed logins for {what}; try again later",
                    retry_after=int(self.window_seconds),
                )

    def failed(self, session: Session, account: str, address: str) -> None:
        session.execute(delete(LoginFailure).where(LoginFailure.at <= self._since()))
        session.add(LoginFailure(account=account[:256], address=address[:64]))

    def succeeded(self, session: Session, account: str) -> None:
        session.execute(delete(LoginFailure).where(LoginFailure.account == account))
