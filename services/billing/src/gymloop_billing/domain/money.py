"""Money is integer cents plus an ISO 4217 currency code; never floats."""

from __future__ import annotations

import re

from gymloop_billing.domain.errors import DomainError

_CURRENCY_PATTERN = re.compile(r"^[A-Z]{3}$")


def validate_currency(currency: str, field: str = "currency") -> str:
    """Return the currency code if it looks like ISO 4217 (three capital letters)."""
    if not isinstance(currency, str) or not _CURRENCY_PATTERN.match(currency):
        raise DomainError(
            code="currency_invalid",
            field=field,
            message=f"currency {currency!r} is not an ISO 4217 code: use three capital letters such as 'EUR'",
        )
    return currency


def validate_cents(amount: int, field: str, *, allow_zero: bool = True) -> int:
    """Return the amount if it is a non-negative int (bool is rejected: True is not one cent)."""
    if isinstance(amount, bool) or not isinstance(amount, int):
        raise DomainError(
            code="amount_not_integer",
            field=field,
            message=f"{field} must be a whole number of cents, got {amount!r}",
        )
    if amount < 0:
        raise DomainError(
            code="amount_negative",
            field=field,
            message=f"{field} is {amount} cents: it must not be negative",
        )
    if amount == 0 and not allow_zero:
        raise DomainError(
            code="amount_zero",
            field=field,
            message=f"{field} must be more than 0 cents",
        )
    return amount


def format_cents(amount: int) -> str:
    """Format cents as a decimal string with two digits ('1234' -> '12.34'), exact, no float."""
    sign = "-" if amount < 0 else ""
    whole, cents = divmod(abs(amount), 100)
    return f"{sign}{whole}.{cents:02d}"
