"""Notifications' domain errors: thin names for the kit's family (422), raised with a machine code, the field at
fault and a message saying what to change. The kit answers them; nothing translates them."""

from __future__ import annotations

from collections.abc import Iterable

from gymloop_kit.errors import AppError, InvalidFields, InvalidInput


class DomainError(InvalidInput):
    """Input that breaks a notifications rule."""


class InvalidFieldsError(InvalidFields):
    """Several field errors at once, so a settings form can show every problem in one round trip."""


def raise_if_any(errors: Iterable[AppError]) -> None:
    collected = list(errors)
    if collected:
        raise InvalidFieldsError(collected)
