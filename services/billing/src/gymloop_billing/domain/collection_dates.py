"""Requested collection dates: TARGET2 business days (ECB calendar), at least the studio's lead time after the
run's creation (one TARGET business day unless the studio's bank asks for more).

TARGET is closed on weekends, 1 Jan, Good Friday, Easter Monday, 1 May, 25 and 26 Dec; the
`holidays` package ships that calendar as the financial market "XECB".
"""

from __future__ import annotations

from datetime import date, timedelta

import holidays

from gymloop_billing.domain.errors import DomainError

# The holidays object fills in years lazily on lookup, so one instance serves every year.
_TARGET_CLOSING_DAYS = holidays.financial_holidays("XECB")
_MAX_SEARCH_DAYS = 14  # TARGET is never closed this long; a guard against an endless loop


def is_target_business_day(day: date) -> bool:
    return day.weekday() < 5 and day not in _TARGET_CLOSING_DAYS


def next_collection_date(on_or_after: date) -> date:
    """The first TARGET business day on or after `on_or_after`."""
    day = on_or_after
    for _ in range(_MAX_SEARCH_DAYS):
        if is_target_business_day(day):
            return day
        day += timedelta(days=1)
    raise AssertionError(f"no TARGET business day within {_MAX_SEARCH_DAYS} days of {on_or_after}")


DEFAULT_LEAD_BUSINESS_DAYS = 1  # SEPA Core: the file reaches the bank at least one TARGET business day ahead
MAX_LEAD_BUSINESS_DAYS = 10


def earliest_collection_date(today: date, lead_business_days: int = DEFAULT_LEAD_BUSINESS_DAYS) -> date:
    """The first collection date a run created `today` may ask for: `lead_business_days` TARGET business days
    after today (a bank wants the file that long before the collection; some set a longer cut-off)."""
    day = today
    remaining = lead_business_days
    while remaining > 0:
        day += timedelta(days=1)
        if is_target_business_day(day):
            remaining -= 1
    return next_collection_date(day)


def validate_collection_date(
    requested: date,
    today: date,
    field: str = "collection_date",
    lead_business_days: int = DEFAULT_LEAD_BUSINESS_DAYS,
) -> date:
    earliest = earliest_collection_date(today, lead_business_days)
    if requested < today:
        raise DomainError(
            code="collection_date_in_past",
            field=field,
            message=f"collection date {requested.isoformat()} is in the past: the earliest collection date is "
            f"{earliest.isoformat()}",
        )
    if requested < earliest:
        days = "day" if lead_business_days == 1 else "days"
        raise DomainError(
            code="collection_date_too_early",
            field=field,
            message=f"collection date {requested.isoformat()} is too early: the bank needs the file "
            f"{lead_business_days} TARGET business {days} before the collection, so the earliest collection date "
            f"is {earliest.isoformat()}",
        )
    if not is_target_business_day(requested):
        reason = _TARGET_CLOSING_DAYS.get(requested) or "a weekend"
        raise DomainError(
            code="collection_date_not_business_day",
            field=field,
            message=f"collection date {requested.isoformat()} is not a TARGET business day ({reason}): "
            f"choose {next_collection_date(requested).isoformat()}",
        )
    return requested
