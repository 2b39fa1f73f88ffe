"""Month fractions on dates, on the kit's `add_months`, always from a fixed anchor so that month ends do not
drift."""

from __future__ import annotations

from datetime import date, timedelta
from fractions import Fraction

from gymloop_kit.studio_clock import add_months


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
