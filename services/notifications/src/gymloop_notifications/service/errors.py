"""Domain errors answered as the kit's 422s, every field at once."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from gymloop_kit.errors import InvalidInput

from gymloop_notifications.domain.errors import DomainError, InvalidFieldsError


class InvalidFields(InvalidInput):
    def __init__(self, errors: tuple[DomainError, ...]) -> None:
        first = errors[0]
        super().__init__(first.message, code=first.code, field=first.field)
        self.errors = errors

    def as_detail(self) -> list[dict[str, object]]:
        return [
            {"loc": ["body", *(e.field.split(".") if e.field else [])], "msg": e.message, "type": e.code}
            for e in self.errors
        ]


@contextmanager
def as_invalid_input() -> Iterator[None]:
    try:
        yield
    except InvalidFieldsError as error:
        raise InvalidFields(error.errors) from error
    except DomainError as error:
        raise InvalidFields((error,)) from error
