"""A member's visit statistics: averages per week over the recent windows, rounded to two decimals."""

from datetime import UTC, datetime

import pytest
from gymloop_bookings.domain.member_statistics import VisitCounts, average_per_week, visit_statistics, window_start

pytestmark = pytest.mark.unit


def test_averages_per_week_come_from_each_windows_own_count():
    last = datetime(2026, 11, 30, 18, tzinfo=UTC)
    stats = visit_statistics(
        VisitCounts(attended=40, no_shows=2, late_cancels=1, last_visit=last, attended_in_window={4: 7, 12: 20})
    )
    assert (stats.average_per_week_4_weeks, stats.average_per_week_12_weeks) == (1.75, 1.67)
    assert (stats.attended, stats.no_shows, stats.late_cancels, stats.last_visit) == (40, 2, 1, last)


def test_a_member_without_visits_averages_zero():
    stats = visit_statistics(VisitCounts(0, 0, 0, None, {}))
    assert (stats.average_per_week_4_weeks, stats.average_per_week_12_weeks, stats.last_visit) == (0.0, 0.0, None)
    assert average_per_week(3, 0) == 0.0


def test_a_window_reaches_back_whole_weeks():
    now = datetime(2026, 12, 2, 12, tzinfo=UTC)
    assert window_start(now, 4) == datetime(2026, 11, 4, 12, tzinfo=UTC)
