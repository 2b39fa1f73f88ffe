"""Date arithmetic the billing rules share (month steps clamp to the month's last day)."""

from __future__ import annotations

import calendar
from datetime import date, timedelta


def add_months(day: date, months: int) -> date:
    """`day` plus `months` calendar months; 31 Jan + 1 month is 28/29 Feb, not 3 Mar."""
    month_index = day.year * 12 + (day.month - 1) + months
    year, month_zero_based = divmod(month_index, 12)
    month = month_zero_based + 1
    last_day = calendar.monthrange(year, month)[1]
    return date(year, month, min(day.day, last_day))


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
