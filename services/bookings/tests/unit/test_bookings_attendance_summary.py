"""Attendance summaries: visits (attended, not no-show) counted per local-day window, trends, credits left."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import pytest
from gymloop_bookings.domain.attendance_summary import BookingFact, history_start, summarize
from gymloop_bookings.domain.bookings import BookingStatus
from gymloop_bookings.domain.credits import CreditBuckets
from gymloop_bookings.domain.entitlements import Entitlement, EntitlementKind

pytestmark = pytest.mark.unit

MEMBER = uuid.UUID(int=7)
TODAY = date(2026, 12, 2)


def visit(days_ago: int, status: BookingStatus = BookingStatus.ATTENDED, no_show: bool = False) -> BookingFact:
    return BookingFact(TODAY - timedelta(days=days_ago), status, no_show)


def pack(left: int, valid_until: date | None, ended_on: date | None = None) -> Entitlement:
    return Entitlement(
        subscription_id=uuid.uuid4(),
        studio_id=uuid.UUID(int=1),
        member_id=MEMBER,
        kind=EntitlementKind.PACK,
        valid_from=date(2026, 1, 1),
        valid_until=valid_until,
        ended_on=ended_on,
        credits=CreditBuckets(granted=10, left=left, attended=10 - left),
    )


def test_visits_are_counted_per_window_from_the_local_today_today_included():
    bookings = [visit(0), visit(27), visit(28), visit(83), visit(84), visit(-1, BookingStatus.ACTIVE)]
    summary = summarize(MEMBER, bookings, [], TODAY, period_days=21)
    assert (summary.visits_4_weeks, summary.visits_12_weeks) == (2, 4)
    assert (summary.average_per_week_4_weeks, summary.average_per_week_12_weeks) == (0.5, 0.33)
    assert summary.last_visit == TODAY


def test_no_shows_late_cancels_and_sign_outs_are_no_visits():
    bookings = [
        visit(1, no_show=True),
        visit(2, BookingStatus.LATE_CANCELLED),
        visit(3, BookingStatus.SIGNED_OUT),
        visit(4, BookingStatus.SESSION_CANCELLED),
        visit(100, no_show=True),  # older than 12 weeks: not counted
    ]
    summary = summarize(MEMBER, bookings, [], TODAY, period_days=21)
    assert (summary.visits_12_weeks, summary.last_visit) == (0, None)
    assert (summary.no_shows_12_weeks, summary.late_cancels_12_weeks) == (1, 1)


def test_the_two_periods_compared_for_a_trend_are_back_to_back():
    bookings = [visit(0), visit(13), visit(14), visit(15), visit(27), visit(28)]
    summary = summarize(MEMBER, bookings, [], TODAY, period_days=14)
    assert (summary.period_days, summary.visits_in_period, summary.visits_in_previous_period) == (14, 2, 3)


def test_the_last_visit_known_from_before_the_window_is_kept_unless_a_newer_one_is_seen():
    old = TODAY - timedelta(days=200)
    assert summarize(MEMBER, [], [], TODAY, 21, last_visit=old).last_visit == old
    assert summarize(MEMBER, [visit(3)], [], TODAY, 21, last_visit=old).last_visit == TODAY - timedelta(days=3)


def test_credits_left_are_the_valid_packs_and_their_first_lapse():
    packs = [pack(3, date(2027, 1, 31)), pack(2, date(2026, 12, 20)), pack(5, date(2026, 12, 1)), pack(4, None, TODAY)]
    summary = summarize(MEMBER, [], packs, TODAY, 21)
    assert (summary.credits_left, summary.credits_valid_until) == (5, date(2026, 12, 20))
    assert summarize(MEMBER, [], [], TODAY, 21).credits_left is None  # no pack: nothing to run out of


def test_history_starts_at_the_longer_of_12_weeks_and_two_periods():
    assert history_start(TODAY, 21) == TODAY - timedelta(days=83)
    assert history_start(TODAY, 60) == TODAY - timedelta(days=119)
