"""Domain errors: a machine code, the offending field and a message saying what to change."""

from __future__ import annotations


class DomainError(Exception):
    """A broken business rule. `code` is stable for machines, `message` is for the person fixing it."""

    def __init__(self, *, code: str, field: str | None, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.field = field
        self.message = message

    def __repr__(self) -> str:
        return f"DomainError(code={self.code!r}, field={self.field!r}, message={self.message!r})"

    def as_dict(self) -> dict[str, str | None]:
        return {"code": self.code, "field": self.field, "message": self.message}
