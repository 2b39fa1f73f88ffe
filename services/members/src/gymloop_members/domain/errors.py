"""Domain errors: a machine code, the input field and a message that says what to change.

They subclass the kit's AppError (plain Python, no web framework) so the API answers them as 422 or 409 in the
same shape as FastAPI's own validation errors.
"""

from __future__ import annotations

from gymloop_kit.errors import Conflict, InvalidInput


class DomainError(InvalidInput):
    """Input that breaks a rule (answered 422)."""

    def __init__(self, *, code: str, field: str | None, message: str) -> None:
        super().__init__(message, code=code, field=field)


class DomainConflict(Conflict):
    """Input that clashes with existing state (answered 409)."""

    def __init__(self, *, code: str, field: str | None, message: str) -> None:
        super().__init__(message, code=code, field=field)
