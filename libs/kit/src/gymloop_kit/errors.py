"""The one error family of every service: domain code raises these, the kit answers them.

Plain Python (no web framework, no I/O), so pure domain modules import it. Each error says which input is
at fault (`field`), what is wrong and what to change (`message`) and a stable machine `code`; the HTTP
answer is an RFC 9457 problem document built by `gymloop_kit.http.problems`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import ClassVar


def body_location(field_name: str | None) -> tuple[str, ...]:
    """Where a field sits in the request, in FastAPI's `loc` convention: "absence.days" -> body/absence/days."""
    return ("body", *field_name.split(".")) if field_name else ()


@dataclass(frozen=True)
class FieldError:
    """One problem with one input: `loc` as in FastAPI's validation errors, `type` the machine code."""

    loc: tuple[str | int, ...]
    msg: str
    type: str
    context: Mapping[str, object] = field(default_factory=dict)  # extra members, e.g. the row of a file

    def as_dict(self) -> dict[str, object]:
        return {"loc": list(self.loc), "msg": self.msg, "type": self.type, **self.context}


class AppError(Exception):
    """Base of the family. The class decides the HTTP status and title; the instance says what happened."""

    status_code: ClassVar[int] = 422
    title: ClassVar[str] = "Invalid input"
    default_code: ClassVar[str] = "invalid"
    default_message: ClassVar[str] = "the request is not valid"

    def __init__(
        self,
        message: str | None = None,
        *,
        code: str | None = None,
        field: str | None = None,
        field_errors: Iterable[FieldError] = (),
    ) -> None:
        self.message = message or self.default_message
        self.code = code or self.default_code
        self.field = field
        # Always at least one entry, so a client finds every problem in one list.
        self.field_errors: tuple[FieldError, ...] = tuple(field_errors) or (
            FieldError(body_location(field), self.message, self.code),
        )
        super().__init__(self.message)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(code={self.code!r}, field={self.field!r}, message={self.message!r})"

    @property
    def headers(self) -> Mapping[str, str]:
        """HTTP headers the answer must carry (e.g. WWW-Authenticate, Retry-After)."""
        return {}

    def as_dict(self) -> dict[str, str | None]:
        return {"code": self.code, "field": self.field, "message": self.message}


class InvalidInput(AppError):
    """The request breaks a rule on its own (422)."""


class InvalidFields(InvalidInput):
    """Several problems answered at once, so a form can show every field in one round trip."""

    def __init__(self, problems: Iterable[AppError]) -> None:
        self.problems: tuple[AppError, ...] = tuple(problems)
        if not self.problems:
            raise ValueError("InvalidFields needs at least one problem")
        first = self.problems[0]
        super().__init__(
            "; ".join(f"{p.field}: {p.message}" if p.field else p.message for p in self.problems),
            code=first.code if len(self.problems) == 1 else "validation_failed",
            field=first.field,
            field_errors=[error for problem in self.problems for error in problem.field_errors],
        )

    @property
    def fields(self) -> tuple[str | None, ...]:
        return tuple(problem.field for problem in self.problems)


class Conflict(AppError):
    """The request clashes with the current state (409): it may succeed once that state changes."""

    status_code = 409
    title = "Conflict"
    default_code = "conflict"
    default_message = "this clashes with the current state"


class NotFound(AppError):
    """Also answered for other studios' (and other members') resources, so their existence is not revealed."""

    status_code = 404
    title = "Not found"
    default_code = "not_found"
    default_message = "not found"


class Gone(AppError):
    """The resource existed but was deleted on purpose (e.g. after its retention time); the message says what to do
    instead (410)."""

    status_code = 410
    title = "Gone"
    default_code = "gone"
    default_message = "this no longer exists"


class Forbidden(AppError):
    status_code = 403
    title = "Forbidden"
    default_code = "forbidden"
    default_message = "not allowed"


class Unauthorized(AppError):
    status_code = 401
    title = "Not authenticated"
    default_code = "unauthorized"
    default_message = "not authenticated"

    @property
    def headers(self) -> Mapping[str, str]:
        return {"WWW-Authenticate": "Bearer"}


class TooManyRequests(AppError):
    status_code = 429
    title = "Too many requests"
    default_code = "too_many_requests"
    default_message = "too many requests: try again later"

    def __init__(self, message: str | None = None, *, retry_after_s: int, code: str | None = None) -> None:
        super().__init__(message, code=code)
        self.retry_after_s = retry_after_s

    @property
    def headers(self) -> Mapping[str, str]:
        return {"Retry-After": str(self.retry_after_s)}
