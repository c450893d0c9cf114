"""Bounded types for every number and key a request carries.

Every integer in a path, query, form or JSON body is an ``Int64``, and every
row id an ``Id`` (the id columns are 32-bit on PostgreSQL): whatever a client
sends beyond what the database column holds is a 400 when the request is
parsed, never an overflow in SQLite or PostgreSQL (a 500).
``tests/api/test_fields.py`` walks the OpenAPI schema and fails on any request
integer without these bounds.
"""

from __future__ import annotations

from typing import Annotated

from annotated_types import Interval

INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1
# Row ids are INTEGER columns: 32 bits on PostgreSQL (SQLite would take 64).
ID_MAX = 2**31 - 1

Int64 = Annotated[int, Interval(ge=INT64_MIN, le=INT64_MAX)]
Id = Annotated[int, Interval(ge=INT64_MIN, le=ID_MAX)]

__all__ = ["ID_MAX", "INT64_MAX", "INT64_MIN", "Id", "Int64"]
