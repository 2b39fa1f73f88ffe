"""Domain errors: a machine code, the field at fault and a message that says what to change."""

from __future__ import annotations

from collections.abc import Iterable


class DomainError(Exception):
    def __init__(self, *, code: str, field: str | None, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.field = field
        self.message = message

    def __repr__(self) -> str:
        return f"DomainError(code={self.code!r}, field={self.field!r}, message={self.message!r})"


class InvalidFieldsError(DomainError):
    """Several field errors at once, so a settings form can show every problem in one round trip."""

    def __init__(self, errors: Iterable[DomainError]) -> None:
        self.errors: tuple[DomainError, ...] = tuple(errors)
        if not self.errors:
            raise ValueError("InvalidFieldsError needs at least one error")
        first = self.errors[0]
        super().__init__(
            code=first.code if len(self.errors) == 1 else "validation_failed",
            field=first.field,
            message="; ".join(f"{error.field}: {error.message}" for error in self.errors),
        )

    @property
    def fields(self) -> tuple[str | None, ...]:
        return tuple(error.field for error in self.errors)


def raise_if_any(errors: Iterable[DomainError]) -> None:
    collected = list(errors)
    if collected:
        raise InvalidFieldsError(collected)
