from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from fractions import Fraction

import pytest
from gymloop_notifications.domain.candidates import TrendDetails
from gymloop_notifications.domain.kinds import NotificationKind, TrendDirection
from gymloop_notifications.domain.member import MemberFacts
from gymloop_notifications.domain.settings import DownwardTrendSettings, UpwardTrendSettings
from gymloop_notifications.domain.trend import (
    TrendWindows,
    evaluate_downward_trend,
    evaluate_upward_trend,
    measure_trend,
)

pytestmark = pytest.mark.unit

MemberBuilder = Callable[..., MemberFacts]
Visits = Callable[[date, date, int], list[date]]
TODAY = date(2026, 3, 29)  # a Sunday; ISO week 2026-W13
SEED_DOWNWARD = DownwardTrendSettings(percent=30, days=21)
SEED_UPWARD = UpwardTrendSettings(percent=50, days=14)


def _two_periods(weekly_visits: Visits, days: int, before: int, after: int) -> list[date]:
    w = TrendWindows.ending(TODAY, days)
    return weekly_visits(w.previous_start, w.previous_end, before) + weekly_visits(w.recent_start, w.recent_end, after)


def test_windows_are_consecutive_and_end_today() -> None:
    w = TrendWindows.ending(TODAY, 21)
    assert w.recent_end == TODAY
    assert (w.recent_end - w.recent_start).days == 20
    assert w.previous_end == w.recent_start - timedelta(days=1)
    assert (w.previous_end - w.previous_start).days == 20


def test_seed_example_two_a_week_falling_to_one_is_minus_50_percent_and_triggers_downward(
    make_member: MemberBuilder, weekly_visits: Visits
) -> None:
    visits = _two_periods(weekly_visits, 21, before=2, after=1)
    trend = measure_trend(visits, TODAY, 21)
    assert (trend.previous_visits, trend.recent_visits) == (6, 3)
    assert trend.change_percent == Fraction(-50)
    member = make_member()
    candidate = evaluate_downward_trend(SEED_DOWNWARD, member, visits, TODAY)
    assert candidate is not None
    assert candidate.kind is NotificationKind.DOWNWARD_TREND
    assert candidate.period == "2026-W13"
    assert candidate.due_date == TODAY
    assert candidate.assignee_id == member.responsible_employee_id
    assert isinstance(candidate.details, TrendDetails)
    assert candidate.details.direction is TrendDirection.DOWNWARD
    assert candidate.details.change_percent == -50.0
    assert candidate.details.threshold_percent == 30
    assert candidate.details.window_days == 21
    assert (candidate.details.previous_visits, candidate.details.recent_visits) == (6, 3)
    assert evaluate_upward_trend(UpwardTrendSettings(percent=50, days=21), member, visits, TODAY) is None


def test_seed_example_one_a_week_rising_to_two_is_plus_100_percent_and_triggers_upward(
    make_member: MemberBuilder, weekly_visits: Visits
) -> None:
    visits = _two_periods(weekly_visits, 14, before=1, after=2)
    trend = measure_trend(visits, TODAY, 14)
    assert (trend.previous_visits, trend.recent_visits) == (2, 4)
    assert trend.change_percent == Fraction(100)
    member = make_member()
    candidate = evaluate_upward_trend(SEED_UPWARD, member, visits, TODAY)
    assert candidate is not None
    assert candidate.kind is NotificationKind.UPWARD_TREND
    assert isinstance(candidate.details, TrendDetails)
    assert candidate.details.direction is TrendDirection.UPWARD
    assert candidate.details.change_percent == 100.0
    assert evaluate_downward_trend(DownwardTrendSettings(percent=30, days=14), member, visits, TODAY) is None


def test_change_exactly_at_the_threshold_triggers(make_member: MemberBuilder) -> None:
    w = TrendWindows.ending(TODAY, 14)
    # 10 visits falling to 7 is exactly -30%.
    visits = [w.previous_start] * 10 + [w.recent_start] * 7
    assert measure_trend(visits, TODAY, 14).change_percent == Fraction(-30)
    member = make_member()
    assert evaluate_downward_trend(DownwardTrendSettings(percent=30, days=14), member, visits, TODAY) is not None
    assert evaluate_downward_trend(DownwardTrendSettings(percent=31, days=14), member, visits, TODAY) is None


def test_upward_exactly_at_the_threshold_triggers(make_member: MemberBuilder) -> None:
    w = TrendWindows.ending(TODAY, 14)
    visits = [w.previous_end] * 4 + [w.recent_end] * 6  # +50%
    member = make_member()
    assert evaluate_upward_trend(UpwardTrendSettings(percent=50, days=14), member, visits, TODAY) is not None
    assert evaluate_upward_trend(UpwardTrendSettings(percent=51, days=14), member, visits, TODAY) is None


def test_steady_attendance_raises_no_trend(make_member: MemberBuilder, weekly_visits: Visits) -> None:
    visits = _two_periods(weekly_visits, 21, before=2, after=2)
    member = make_member()
    assert evaluate_downward_trend(SEED_DOWNWARD, member, visits, TODAY) is None
    assert evaluate_upward_trend(UpwardTrendSettings(days=21), member, visits, TODAY) is None


def test_previous_window_without_visits_raises_neither_direction(make_member: MemberBuilder) -> None:
    w = TrendWindows.ending(TODAY, 14)
    visits = [w.recent_start, w.recent_end, w.recent_end]
    trend = measure_trend(visits, TODAY, 14)
    assert trend.previous_visits == 0
    assert trend.change_percent is None
    member = make_member()
    assert evaluate_upward_trend(SEED_UPWARD, member, visits, TODAY) is None
    assert evaluate_downward_trend(DownwardTrendSettings(days=14), member, visits, TODAY) is None


def test_no_attendance_history_raises_no_trend(make_member: MemberBuilder) -> None:
    member = make_member()
    assert evaluate_downward_trend(SEED_DOWNWARD, member, [], TODAY) is None
    assert evaluate_upward_trend(SEED_UPWARD, member, [], TODAY) is None


def test_dropping_to_zero_is_minus_100_percent(make_member: MemberBuilder) -> None:
    w = TrendWindows.ending(TODAY, 21)
    visits = [w.previous_start, w.previous_end]
    candidate = evaluate_downward_trend(SEED_DOWNWARD, make_member(), visits, TODAY)
    assert candidate is not None
    assert candidate.details.change_percent == -100.0  # type: ignore[union-attr]


def test_member_newer_than_both_windows_gets_no_trend(make_member: MemberBuilder) -> None:
    w = TrendWindows.ending(TODAY, 21)
    visits = [w.previous_end] * 6 + [w.recent_end]
    joined_one_day_late = make_member(start_date=w.previous_start + timedelta(days=1))
    assert evaluate_downward_trend(SEED_DOWNWARD, joined_one_day_late, visits, TODAY) is None
    joined_in_time = make_member(start_date=w.previous_start)
    assert evaluate_downward_trend(SEED_DOWNWARD, joined_in_time, visits, TODAY) is not None


def test_visits_outside_both_windows_do_not_count() -> None:
    w = TrendWindows.ending(TODAY, 14)
    visits = [w.previous_start - timedelta(days=1), w.previous_start, TODAY, TODAY + timedelta(days=1)]
    trend = measure_trend(visits, TODAY, 14)
    assert (trend.previous_visits, trend.recent_visits) == (1, 1)


def test_same_week_gives_the_same_key_and_a_new_week_a_new_one(make_member: MemberBuilder) -> None:
    member = make_member()
    visits = [date(2026, 3, 1)] * 10  # in the previous window for every day below, nothing after
    monday, sunday, next_monday = date(2026, 3, 23), TODAY, date(2026, 3, 30)
    candidates = [evaluate_downward_trend(SEED_DOWNWARD, member, visits, day) for day in (monday, sunday, next_monday)]
    assert all(c is not None for c in candidates)
    periods = [c.period for c in candidates if c is not None]
    assert periods == ["2026-W13", "2026-W13", "2026-W14"]
    keys = [c.dedupe_key for c in candidates if c is not None]
    assert keys[0] == keys[1] != keys[2]


def test_archived_member_or_disabled_rule_raises_nothing(make_member: MemberBuilder, weekly_visits: Visits) -> None:
    visits = _two_periods(weekly_visits, 21, before=2, after=1)
    assert evaluate_downward_trend(SEED_DOWNWARD, make_member(archived=True), visits, TODAY) is None
    disabled = DownwardTrendSettings(enabled=False, percent=30, days=21)
    assert evaluate_downward_trend(disabled, make_member(), visits, TODAY) is None
