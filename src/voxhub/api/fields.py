"""Bounded types for every number and key a request carries.

Every integer in a path, query, form or JSON body is an ``Int64``: whatever a
client sends beyond what a 64-bit database column holds is a 400 when the
request is parsed, never an overflow in SQLite or PostgreSQL (a 500).
``tests/api/test_fields.py`` walks the OpenAPI schema and fails on any request
integer without these bounds.
"""

from __future__ import annotations

from typing import Annotated

from annotated_types import Interval

INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1

Int64 = Annotated[int, Interval(ge=INT64_MIN, le=INT64_MAX)]

__all__ = ["INT64_MAX", "INT64_MIN", "Int64"]
