"""When a pack's expiry is reminded: within three days of its last day, with credits left, once per end date."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from gymloop_bookings.domain.pack_reminders import reminder_due

pytestmark = pytest.mark.unit

TODAY = date(2026, 12, 3)


def due(**changes: object) -> bool:
    values: dict[str, object] = {"kind": "pack", "valid_until": TODAY + timedelta(days=3), "ended_on": None,
                                 "credits_left": 4, "reminded_for": None, "today": TODAY}  # fmt: skip
    return reminder_due(**{**values, **changes})  # type: ignore[arg-type]


def test_three_days_before_to_the_last_day_with_credits_left() -> None:
    assert [due(valid_until=TODAY + timedelta(days=d)) for d in (-1, 0, 1, 3, 4)] == [False, True, True, True, False]


def test_nothing_without_credits_for_other_kinds_ended_or_already_reminded() -> None:
    assert not due(credits_left=0)
    assert not due(kind="unlimited")
    assert not due(valid_until=None)
    assert not due(ended_on=TODAY)
    assert not due(reminded_for=TODAY + timedelta(days=3))
    assert due(reminded_for=TODAY + timedelta(days=1))  # reminded of an earlier end date: a pause moved it
