"""Date arithmetic the billing rules share, on the kit's `add_months` (month steps clamp to the month's last day)."""

from __future__ import annotations

from datetime import date, timedelta

from gymloop_kit.studio_clock import add_months


def last_day_of_period(period_start: date, months: int) -> date:
    """Inclusive last day of a period of `months` months starting on `period_start`."""
    return add_months(period_start, months) - timedelta(days=1)


def month_key(day: date) -> str:
    """'YYYY-MM' for the month a date falls in."""
    return f"{day.year:04d}-{day.month:02d}"


def previous_month_key(key: str) -> str:
    year, month = (int(part) for part in key.split("-"))
    previous = add_months(date(year, month, 1), -1)
    return month_key(previous)
