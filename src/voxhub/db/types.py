"""Column types the databases lack: unsigned 64-bit integers.

Segment ids are uint64 (WEBKNOSSOS ``largestSegmentId`` may be up to
2^64 - 1), but SQL's BIGINT is signed: SQLite and PostgreSQL overflow above
2^63 - 1. ``UInt64`` stores them exactly — ``NUMERIC(20, 0)`` on PostgreSQL,
text on SQLite (whose NUMERIC would turn large values into lossy REALs) — and
hands back Python ints.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import Numeric, String
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator, TypeEngine

UINT64_MAX = 2**64 - 1


class UInt64(TypeDecorator[int]):
    impl = String(20)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "postgresql":
            return dialect.type_descriptor(Numeric(20, 0))
        return dialect.type_descriptor(String(20))

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if value is None:
            return None
        number = int(value)
        if not 0 <= number <= UINT64_MAX:
            raise ValueError(f"{number} is not an unsigned 64-bit integer")
        return Decimal(number) if dialect.name == "postgresql" else str(number)

    def process_result_value(self, value: Any, dialect: Dialect) -> int | None:
        return None if value is None else int(value)


__all__ = ["UINT64_MAX", "UInt64"]
