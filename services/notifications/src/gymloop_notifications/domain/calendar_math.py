"""Month arithmetic on dates, always from a fixed anchor so that month ends do not drift."""

from __future__ import annotations

import calendar
from datetime import date, timedelta
from fractions import Fraction


def add_months(anchor: date, months: int) -> date:
    """31 January + 1 month is 28/29 February (clamped), + 2 months is 31 March again."""
    month_index = anchor.month - 1 + months
    year = anchor.year + month_index // 12
    month = month_index % 12 + 1
    day = min(anchor.day, calendar.monthrange(year, month)[1])
    return date(year, month, day)


def add_month_fraction(anchor: date, months: Fraction) -> date:
    """Whole months by the calendar; the fractional rest as that share of the following month's days."""
    return add_month_ratio(anchor, months.numerator, months.denominator)


def add_month_ratio(anchor: date, numerator: int, denominator: int) -> date:
    """`add_month_fraction(anchor, numerator / denominator)` in integer arithmetic (the hot path)."""
    whole, rest = divmod(numerator, denominator)
    start = add_months(anchor, whole)
    if rest == 0:
        return start
    month_days = (add_months(anchor, whole + 1) - start).days
    return start + timedelta(days=month_days * rest // denominator)
