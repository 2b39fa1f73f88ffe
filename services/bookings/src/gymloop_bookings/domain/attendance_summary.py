"""A member's attendance and credits in a few numbers, for dashboards and reports (pure counting).

A visit is a session the member was on the list of and did not miss: attended, not flagged as no-show (seed 002).
Weeks and periods are counted back from the studio's local today, today included.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from gymloop_bookings.domain.bookings import BookingStatus
from gymloop_bookings.domain.entitlements import Entitlement
from gymloop_bookings.domain.member_statistics import RECENT_WEEKS, average_per_week

SHORT_WEEKS, LONG_WEEKS = RECENT_WEEKS


@dataclass(frozen=True, slots=True)
class BookingFact:
    """What counting needs of one booking."""

    local_date: date
    status: BookingStatus
    no_show: bool = False

    @property
    def is_visit(self) -> bool:
        return self.status is BookingStatus.ATTENDED and not self.no_show


@dataclass(frozen=True, slots=True)
class AttendanceSummary:
    member_id: uuid.UUID
    last_visit: date | None
    visits_4_weeks: int
    visits_12_weeks: int
    average_per_week_4_weeks: float
    average_per_week_12_weeks: float
    period_days: int
    visits_in_period: int  # the last `period_days` days
    visits_in_previous_period: int  # the `period_days` days before those
    no_shows_12_weeks: int
    late_cancels_12_weeks: int
    credits_left: int | None  # None: no valid pack (unlimited or no subscription), so credits cannot run out
    credits_valid_until: date | None  # the first day after which some of those credits lapse


def history_start(today: date, period_days: int) -> date:
    """The first local day a summary looks at (older bookings only matter for the last visit)."""
    return today - timedelta(days=max(LONG_WEEKS * 7, 2 * period_days) - 1)


def summarize(
    member_id: uuid.UUID,
    bookings: Iterable[BookingFact],
    entitlements: Iterable[Entitlement],
    today: date,
    period_days: int,
    last_visit: date | None = None,
) -> AttendanceSummary:
    """`last_visit` is the member's last visit ever when known (it may lie before the bookings given)."""
    facts = [b for b in bookings if b.local_date <= today]

    def since(days: int) -> date:
        return today - timedelta(days=days - 1)

    def visits_between(first: date, last: date) -> int:
        return sum(1 for b in facts if b.is_visit and first <= b.local_date <= last)

    visits_4 = visits_between(since(SHORT_WEEKS * 7), today)
    visits_12 = visits_between(since(LONG_WEEKS * 7), today)
    long_start = since(LONG_WEEKS * 7)
    seen = [b.local_date for b in facts if b.is_visit]
    newest = max([*seen, *([last_visit] if last_visit else [])], default=None)
    packs = [e for e in entitlements if e.is_pack and not e.lapsed_on(today)]
    return AttendanceSummary(
        member_id=member_id,
        last_visit=newest,
        visits_4_weeks=visits_4,
        visits_12_weeks=visits_12,
        average_per_week_4_weeks=average_per_week(visits_4, SHORT_WEEKS),
        average_per_week_12_weeks=average_per_week(visits_12, LONG_WEEKS),
        period_days=period_days,
        visits_in_period=visits_between(since(period_days), today),
        visits_in_previous_period=visits_between(since(2 * period_days), since(period_days) - timedelta(days=1)),
        no_shows_12_weeks=sum(
            1 for b in facts if b.status is BookingStatus.ATTENDED and b.no_show and b.local_date >= long_start
        ),
        late_cancels_12_weeks=sum(
            1 for b in facts if b.status is BookingStatus.LATE_CANCELLED and b.local_date >= long_start
        ),
        credits_left=sum(e.credits.left for e in packs) if packs else None,
        credits_valid_until=min((e.valid_until for e in packs if e.valid_until), default=None),
    )
