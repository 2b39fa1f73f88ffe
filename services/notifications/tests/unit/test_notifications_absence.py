from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from gymloop_notifications.domain.absence import evaluate_absence, last_attended_on
from gymloop_notifications.domain.candidates import AbsenceDetails
from gymloop_notifications.domain.kinds import NotificationKind
from gymloop_notifications.domain.local_time import attendance_local_dates
from gymloop_notifications.domain.member import MemberFacts
from gymloop_notifications.domain.settings import AbsenceSettings

pytestmark = pytest.mark.unit

MemberBuilder = Callable[..., MemberFacts]
FOURTEEN_DAYS = AbsenceSettings(days=14)


def test_absence_triggers_after_the_configured_days(make_member: MemberBuilder) -> None:
    member = make_member(start_date=date(2025, 1, 6))
    visits = [date(2026, 3, 1), date(2026, 3, 10)]
    assert evaluate_absence(FOURTEEN_DAYS, member, visits, date(2026, 3, 23)) is None  # 13 days
    candidate = evaluate_absence(FOURTEEN_DAYS, member, visits, date(2026, 3, 24))
    assert candidate is not None
    assert candidate.kind is NotificationKind.ABSENCE
    assert candidate.due_date == date(2026, 3, 24)
    assert candidate.period == "last-attended-2026-03-10"
    assert candidate.details == AbsenceDetails(
        days_absent=14, threshold_days=14, counted_from=date(2026, 3, 10), last_attended_on=date(2026, 3, 10)
    )


def test_same_absence_period_keeps_its_key_while_it_lasts(make_member: MemberBuilder) -> None:
    member = make_member()
    visits = [date(2026, 3, 10)]
    first = evaluate_absence(FOURTEEN_DAYS, member, visits, date(2026, 3, 24))
    later = evaluate_absence(FOURTEEN_DAYS, member, visits, date(2026, 4, 20))
    assert first is not None
    assert later is not None
    assert first.dedupe_key == later.dedupe_key
    assert later.details.days_absent == 41  # type: ignore[union-attr]


def test_attending_again_starts_a_new_absence_period(make_member: MemberBuilder) -> None:
    member = make_member()
    before = evaluate_absence(FOURTEEN_DAYS, member, [date(2026, 3, 10)], date(2026, 3, 30))
    assert before is not None
    after_visit = [date(2026, 3, 10), date(2026, 3, 31)]
    assert evaluate_absence(FOURTEEN_DAYS, member, after_visit, date(2026, 4, 1)) is None
    again = evaluate_absence(FOURTEEN_DAYS, member, after_visit, date(2026, 4, 14))
    assert again is not None
    assert again.dedupe_key != before.dedupe_key
    assert again.period == "last-attended-2026-03-31"


def test_member_without_attendance_counts_from_the_start_date(make_member: MemberBuilder) -> None:
    member = make_member(start_date=date(2026, 3, 1))
    assert evaluate_absence(FOURTEEN_DAYS, member, [], date(2026, 3, 14)) is None
    candidate = evaluate_absence(FOURTEEN_DAYS, member, [], date(2026, 3, 15))
    assert candidate is not None
    assert candidate.period == "member-since-2026-03-01"
    assert candidate.details == AbsenceDetails(
        days_absent=14, threshold_days=14, counted_from=date(2026, 3, 1), last_attended_on=None
    )


def test_visits_before_a_restarted_membership_do_not_count(make_member: MemberBuilder) -> None:
    # Came back on 1 March after a year away: absence counts from the new start, not from 2025.
    member = make_member(start_date=date(2026, 3, 1))
    old_visits = [date(2025, 2, 1)]
    assert evaluate_absence(FOURTEEN_DAYS, member, old_visits, date(2026, 3, 5)) is None
    candidate = evaluate_absence(FOURTEEN_DAYS, member, old_visits, date(2026, 3, 15))
    assert candidate is not None
    assert candidate.period == "member-since-2026-03-01"


def test_attendance_after_today_is_ignored(make_member: MemberBuilder) -> None:
    assert last_attended_on([date(2026, 3, 1), date(2026, 5, 1)], date(2026, 4, 1)) == date(2026, 3, 1)
    candidate = evaluate_absence(FOURTEEN_DAYS, make_member(), [date(2026, 3, 1), date(2026, 5, 1)], date(2026, 4, 1))
    assert candidate is not None


def test_late_evening_visit_in_amsterdam_counts_for_that_local_day(make_member: MemberBuilder) -> None:
    zone = ZoneInfo("Europe/Amsterdam")
    # 23:30 local on 31 March (summer time) is 21:30 UTC; 23:30 on 31 January is 22:30 UTC on the 31st,
    # but 00:30 local on 1 April is 22:30 UTC on 31 March: the local day decides.
    visits = attendance_local_dates([datetime(2026, 3, 31, 22, 30, tzinfo=UTC)], zone)
    assert visits == [date(2026, 4, 1)]
    member = make_member()
    assert evaluate_absence(FOURTEEN_DAYS, member, visits, date(2026, 4, 14)) is None  # 13 local days
    candidate = evaluate_absence(FOURTEEN_DAYS, member, visits, date(2026, 4, 15))
    assert candidate is not None
    assert candidate.period == "last-attended-2026-04-01"


def test_archived_not_started_or_disabled_raise_nothing(make_member: MemberBuilder) -> None:
    today = date(2026, 6, 1)
    assert evaluate_absence(FOURTEEN_DAYS, make_member(archived=True), [], today) is None
    assert evaluate_absence(FOURTEEN_DAYS, make_member(start_date=today + timedelta(days=1)), [], today) is None
    assert evaluate_absence(AbsenceSettings(enabled=False), make_member(), [], today) is None
