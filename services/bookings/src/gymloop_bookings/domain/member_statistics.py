"""A member's visit statistics: what counts as a visit, and averages per week over the recent weeks."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

# The windows a coach looks at: the last month, and the last quarter to see the trend against.
RECENT_WEEKS = (4, 12)


@dataclass(frozen=True)
class VisitCounts:
    """Counted over the member's bookings: attended = on the list and there (a no-show is on the list, not there)."""

    attended: int
    no_shows: int
    late_cancels: int
    last_visit: datetime | None
    attended_in_window: dict[int, int]  # weeks back -> visits in those weeks


@dataclass(frozen=True)
class VisitStatistics:
    attended: int
    no_shows: int
    late_cancels: int
    last_visit: datetime | None
    average_per_week_4_weeks: float
    average_per_week_12_weeks: float


def window_start(now: datetime, weeks: int) -> datetime:
    return now - timedelta(weeks=weeks)


def average_per_week(visits: int, weeks: int) -> float:
    """Visits per week over the window, to two decimals (a window of 0 weeks has no average: 0)."""
    return round(visits / weeks, 2) if weeks > 0 else 0.0


def visit_statistics(counts: VisitCounts) -> VisitStatistics:
    four, twelve = RECENT_WEEKS
    return VisitStatistics(
        attended=counts.attended,
        no_shows=counts.no_shows,
        late_cancels=counts.late_cancels,
        last_visit=counts.last_visit,
        average_per_week_4_weeks=average_per_week(counts.attended_in_window.get(four, 0), four),
        average_per_week_12_weeks=average_per_week(counts.attended_in_window.get(twelve, 0), twelve),
    )
