"""Turning domain errors into the kit's HTTP errors (same JSON shape as FastAPI's 422s)."""

from __future__ import annotations

from gymloop_kit.errors import InvalidInput

from gymloop_billing.domain.errors import DomainError


def invalid(error: DomainError) -> InvalidInput:
    return InvalidInput(error.message, code=error.code, field=error.field)
