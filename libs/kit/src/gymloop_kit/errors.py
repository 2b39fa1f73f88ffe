"""Errors a use case raises for the API to answer clearly: which field, what is wrong, what to do."""

from __future__ import annotations


class AppError(Exception):
    """Base: `code` is machine-readable, `message` says what to change, `field` names the input."""

    status_code = 422

    def __init__(self, message: str, *, code: str = "invalid", field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.field = field

    def as_detail(self) -> list[dict[str, object]]:
        loc: list[str] = ["body", self.field] if self.field else []
        return [{"loc": loc, "msg": self.message, "type": self.code}]


class InvalidInput(AppError):
    status_code = 422


class Conflict(AppError):
    status_code = 409

    def __init__(self, message: str, *, code: str = "conflict", field: str | None = None) -> None:
        super().__init__(message, code=code, field=field)


class NotFound(AppError):
    """Also answered for other studios' resources, so their existence is not revealed."""

    status_code = 404

    def __init__(self, message: str = "not found", *, code: str = "not_found", field: str | None = None) -> None:
        super().__init__(message, code=code, field=field)


class Forbidden(AppError):
    status_code = 403

    def __init__(self, message: str = "not allowed", *, code: str = "forbidden", field: str | None = None) -> None:
        super().__init__(message, code=code, field=field)


class Unauthorized(AppError):
    status_code = 401

    def __init__(self, message: str = "not authenticated", *, code: str = "unauthorized") -> None:
        super().__init__(message, code=code)
