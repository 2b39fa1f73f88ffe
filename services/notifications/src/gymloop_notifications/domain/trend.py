"""Attendance trends: visits in the last X days against the X days before.

change% = (recent - previous) / previous * 100. Downward triggers at change <= -threshold, upward
at change >= +threshold. Both windows end today (inclusive) in the studio's time zone, so an
attendance recorded today counts at once.

Choices:
- A previous window with 0 visits has no defined change: neither downward (nothing to drop from)
  nor upward (any first visit would be "infinitely" more; a new member's first weeks are not a
  trend) is raised.
- The member must have been a member for the whole previous window, else nothing is raised
  (a member of ten days cannot have "dropped" against the days before they joined).
- One trend notification per kind per ISO week of the window end: a trend that persists while
  the windows slide day by day is reported once a week at most.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from fractions import Fraction

from gymloop_notifications.domain.attendance import AttendanceHistory, as_history
from gymloop_notifications.domain.candidates import NotificationCandidate, TrendDetails
from gymloop_notifications.domain.kinds import NotificationKind, TrendDirection
from gymloop_notifications.domain.member import MemberFacts
from gymloop_notifications.domain.settings import DownwardTrendSettings, UpwardTrendSettings


@dataclass(frozen=True, slots=True)
class TrendWindows:
    previous_start: date
    previous_end: date
    recent_start: date
    recent_end: date

    @classmethod
    def ending(cls, today: date, days: int) -> TrendWindows:
        recent_start = today - timedelta(days=days - 1)
        previous_end = recent_start - timedelta(days=1)
        return cls(
            previous_start=previous_end - timedelta(days=days - 1),
            previous_end=previous_end,
            recent_start=recent_start,
            recent_end=today,
        )


@dataclass(frozen=True, slots=True)
class AttendanceTrend:
    windows: TrendWindows
    previous_visits: int
    recent_visits: int

    @property
    def change_percent(self) -> Fraction | None:
        """Exact, so a change of exactly -30% triggers a 30% threshold; None when undefined."""
        if self.previous_visits == 0:
            return None
        return Fraction(self.recent_visits - self.previous_visits, self.previous_visits) * 100


def measure_trend(attendance: AttendanceHistory | Iterable[date], today: date, days: int) -> AttendanceTrend:
    windows = TrendWindows.ending(today, days)
    history = as_history(attendance)
    return AttendanceTrend(
        windows=windows,
        previous_visits=history.count_between(windows.previous_start, windows.previous_end),
        recent_visits=history.count_between(windows.recent_start, windows.recent_end),
    )


def _period(today: date) -> str:
    iso = today.isocalendar()
    return f"{iso.year}-W{iso.week:02d}"


def _candidate(
    member: MemberFacts,
    trend: AttendanceTrend,
    change: Fraction,
    direction: TrendDirection,
    threshold_percent: int,
    days: int,
    today: date,
) -> NotificationCandidate:
    downward = direction is TrendDirection.DOWNWARD
    kind = NotificationKind.DOWNWARD_TREND if downward else NotificationKind.UPWARD_TREND
    word = "fewer" if downward else "more"
    rounded = round(float(change), 1)
    return NotificationCandidate(
        studio_id=member.studio_id,
        member_id=member.member_id,
        assignee_id=member.responsible_employee_id,
        kind=kind,
        period=_period(today),
        due_date=today,
        title=(
            f"{member.display_name} attended {abs(rounded):g}% {word} sessions in the last {days} days "
            f"({trend.recent_visits} against {trend.previous_visits})"
        ),
        details=TrendDetails(
            direction=direction,
            change_percent=rounded,
            threshold_percent=threshold_percent,
            window_days=days,
            previous_window_start=trend.windows.previous_start,
            previous_window_end=trend.windows.previous_end,
            recent_window_start=trend.windows.recent_start,
            recent_window_end=trend.windows.recent_end,
            previous_visits=trend.previous_visits,
            recent_visits=trend.recent_visits,
        ),
    )


def _measurable_trend(
    member: MemberFacts, attendance: AttendanceHistory | Iterable[date], today: date, days: int
) -> tuple[AttendanceTrend, Fraction] | None:
    if not member.is_active_on(today):
        return None
    trend = measure_trend(attendance, today, days)
    if member.start_date > trend.windows.previous_start:
        return None
    change = trend.change_percent
    if change is None:
        return None
    return trend, change


def evaluate_downward_trend(
    settings: DownwardTrendSettings, member: MemberFacts, attendance: AttendanceHistory | Iterable[date], today: date
) -> NotificationCandidate | None:
    if not settings.enabled:
        return None
    measured = _measurable_trend(member, attendance, today, settings.days)
    if measured is None or measured[1] > -settings.percent:
        return None
    trend, change = measured
    return _candidate(member, trend, change, TrendDirection.DOWNWARD, settings.percent, settings.days, today)


def evaluate_upward_trend(
    settings: UpwardTrendSettings, member: MemberFacts, attendance: AttendanceHistory | Iterable[date], today: date
) -> NotificationCandidate | None:
    if not settings.enabled:
        return None
    measured = _measurable_trend(member, attendance, today, settings.days)
    if measured is None or measured[1] < settings.percent:
        return None
    trend, change = measured
    return _candidate(member, trend, change, TrendDirection.UPWARD, settings.percent, settings.days, today)
