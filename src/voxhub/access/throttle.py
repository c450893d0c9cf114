"""Login throttling: exponential back-off per (account, address) pair and per address.

A limit on the account alone would let anyone lock any user out by typing
wrong passwords for their e-mail. So failures count against the pair
(account, address): after ``per_account`` failures from one address, that
address must wait before trying that account again, ``FIRST_DELAY`` seconds,
doubled with every further failure, at most ``window_seconds``. The owner,
logging in from elsewhere, is not slowed down. Failures from one address over
all accounts (credential stuffing) back off the same way after
``per_address``; that slows only the guessing address.

Counting in the database (not in memory) makes the limit hold across
processes and API nodes. Failures older than the window are forgotten; a
successful login forgets its pair's failures.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, delete, func, select
from sqlalchemy.orm import Session

from voxhub.access.errors import TooManyAttempts
from voxhub.db.access_models import LoginFailure
from voxhub.db.models import utcnow

# Long enough that a script gains little, short enough that a person who mistyped
# a few times is hardly held up; then 60, 120, 240 … up to the window.
FIRST_DELAY = 30.0


def backoff_seconds(failures: int, free: int, cap: float) -> float:
    """How long to wait after ``failures`` failures when the first ``free`` cost nothing."""
    if failures < free:
        return 0.0
    return min(cap, FIRST_DELAY * 2.0 ** min(failures - free, 32))


@dataclass(frozen=True)
class LoginThrottle:
    per_account: int
    per_address: int
    window_seconds: float

    def _since(self) -> datetime:
        return utcnow() - timedelta(seconds=self.window_seconds)

    def _wait(self, session: Session, where: ColumnElement[bool], free: int) -> float:
        count, last = session.execute(
            select(func.count(LoginFailure.id), func.max(LoginFailure.at)).where(
                where, LoginFailure.at > self._since()
            )
        ).one()
        delay = backoff_seconds(count or 0, free, self.window_seconds)
        if not delay or last is None:
            return 0.0
        return (last + timedelta(seconds=delay) - utcnow()).total_seconds()

    def check(self, session: Session, account: str, address: str) -> None:
        """Raise ``TooManyAttempts`` while this pair or this address must still wait."""
        pair = and_(LoginFailure.account == account[:256], LoginFailure.address == address[:64])
        for where, free, what in (
            (pair, self.per_account, "this account from your address"),
            (LoginFailure.address == address[:64], self.per_address, "your address"),
        ):
            wait = self._wait(session, where, free)
            if wait > 0:
                raise TooManyAttempts(
                    f"too many failed logins for {what}; try again in {math.ceil(wait)} s",
                    retry_after=math.ceil(wait),
                )

    def failed(self, session: Session, account: str, address: str) -> None:
        session.execute(delete(LoginFailure).where(LoginFailure.at <= self._since()))
        session.add(LoginFailure(account=account[:256], address=address[:64]))

    def succeeded(self, session: Session, account: str, address: str) -> None:
        """Forget this pair's failures (not those of other addresses: they may be an attack)."""
        session.execute(
            delete(LoginFailure).where(
                LoginFailure.account == account[:256], LoginFailure.address == address[:64]
            )
        )
