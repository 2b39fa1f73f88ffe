"""Integer request fields bounded by the columns that store them, so an out-of-range value is a 422 field
error instead of a database error (500). A field with its own, tighter bounds keeps using `Field(ge=, le=)`.

Each type carries both bounds in its own annotation: pydantic replaces, not combines, a bound of the same
kind given again with `= Field(...)`, so `NonNegativeInt32 = Field(default=1)` is the way to add a default.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

INT32_MIN = -(2**31)
INT32_MAX = 2**31 - 1  # PostgreSQL `integer`

Int32 = Annotated[int, Field(ge=INT32_MIN, le=INT32_MAX)]
NonNegativeInt32 = Annotated[int, Field(ge=0, le=INT32_MAX)]
PositiveInt32 = Annotated[int, Field(ge=1, le=INT32_MAX)]
