"""The one exception the domain raises: a machine code, the field at fault and what to change."""

from __future__ import annotations


class DomainError(Exception):
    """A rule refused the request; nothing was changed."""

    def __init__(self, code: str, message: str, field: str | None = None) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.field = field
        self.message = message

    def as_dict(self) -> dict[str, str | None]:
        return {"code": self.code, "field": self.field, "message": self.message}
