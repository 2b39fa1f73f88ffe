from __future__ import annotations

from datetime import date, timedelta
from uuid import UUID

import pytest
from gymloop_notifications.domain.attendance import AttendanceDates, AttendanceSummary
from gymloop_notifications.domain.evaluation import evaluate_attendance_rules, trend_windows_to_aggregate
from gymloop_notifications.domain.member import MemberFacts
from gymloop_notifications.domain.settings import NotificationSettings
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

pytestmark = pytest.mark.unit

TODAY = date(2026, 6, 13)
_STUDIO = UUID(int=1)


def test_dates_count_inclusive_windows_and_find_the_last_day() -> None:
    history = AttendanceDates.of([date(2026, 6, 3), date(2026, 6, 1), date(2026, 6, 3), date(2026, 6, 20)])
    assert history.count_between(date(2026, 6, 1), date(2026, 6, 3)) == 3
    assert history.count_between(date(2026, 6, 2), date(2026, 6, 2)) == 0
    assert history.last_on_or_before(TODAY) == date(2026, 6, 3)
    assert history.last_on_or_before(date(2026, 5, 31)) is None


def test_summary_refuses_windows_it_was_not_built_for() -> None:
    summary = AttendanceSummary(as_of=TODAY, last_attended_on=None, window_counts={})
    with pytest.raises(ValueError, match="not aggregated"):
        summary.count_between(TODAY, TODAY)
    with pytest.raises(ValueError, match="as of"):
        summary.last_on_or_before(TODAY + timedelta(days=1))


@hypothesis_settings(max_examples=60, deadline=None)
@given(offsets=st.lists(st.integers(min_value=-120, max_value=3), max_size=60))
def test_database_summary_gives_the_same_candidates_as_the_dates(offsets: list[int]) -> None:
    settings = NotificationSettings.defaults(_STUDIO)
    member = MemberFacts(
        studio_id=_STUDIO,
        member_id=_STUDIO,
        display_name="M",
        start_date=date(2025, 1, 1),
        responsible_employee_id=None,
    )
    dates = [TODAY + timedelta(days=o) for o in offsets]
    history = AttendanceDates.of(dates)
    summary = AttendanceSummary(
        as_of=TODAY,
        last_attended_on=history.last_on_or_before(TODAY),
        window_counts={w: history.count_between(*w) for w in trend_windows_to_aggregate(settings, TODAY)},
    )
    assert evaluate_attendance_rules(settings, member, summary, TODAY) == evaluate_attendance_rules(
        settings, member, dates, TODAY
    )
