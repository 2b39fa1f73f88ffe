"""When a member is reminded that their session pack is about to expire with credits left (pure)."""

from __future__ import annotations

from datetime import date

REMIND_DAYS_BEFORE = 3


def reminder_due(
    *, kind: str, valid_until: date | None, ended_on: date | None, credits_left: int, reminded_for: date | None,
    today: date,
) -> bool:  # fmt: skip
    """A pack with credits left whose last day is at most three days after the studio's today, not reminded of for
    that end date yet (a moved end date is reminded of again)."""
    if kind != "pack" or valid_until is None or ended_on is not None or credits_left <= 0:
        return False
    if reminded_for == valid_until:
        return False
    return 0 <= (valid_until - today).days <= REMIND_DAYS_BEFORE
