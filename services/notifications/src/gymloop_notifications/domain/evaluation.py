"""Evaluation: (settings, member facts, attendance days, today in the studio's zone) -> candidates.

The nightly refresh and the on-demand refresh call `evaluate_member` for every member; an
attendance event re-evaluates just the attendance-driven rules for its member with
`evaluate_attendance_rules`. Both are pure, so evaluating twice gives the same candidates and
the same dedupe keys.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from gymloop_notifications.domain.absence import evaluate_absence
from gymloop_notifications.domain.attendance import AttendanceHistory, as_history
from gymloop_notifications.domain.birthday import evaluate_birthday
from gymloop_notifications.domain.candidates import NotificationCandidate
from gymloop_notifications.domain.checkups import evaluate_checkup
from gymloop_notifications.domain.errors import DomainError
from gymloop_notifications.domain.member import MemberFacts
from gymloop_notifications.domain.settings import NotificationSettings
from gymloop_notifications.domain.trend import TrendWindows, evaluate_downward_trend, evaluate_upward_trend


@dataclass(frozen=True, slots=True)
class MemberAttendance:
    """A member with their attendance (local dates, one per session, or a pre-aggregated summary)."""

    member: MemberFacts
    attendance: AttendanceHistory | Sequence[date] = ()


def _require_same_studio(settings: NotificationSettings, member: MemberFacts) -> None:
    # Tenant isolation: one studio's settings never evaluate another studio's member.
    if member.studio_id != settings.studio_id:
        raise DomainError(
            code="studio_mismatch",
            field="studio_id",
            message=(
                f"member {member.member_id} belongs to studio {member.studio_id}, "
                f"not to studio {settings.studio_id} whose settings were given"
            ),
        )


def evaluate_attendance_rules(
    settings: NotificationSettings, member: MemberFacts, attendance: AttendanceHistory | Iterable[date], today: date
) -> list[NotificationCandidate]:
    """Absence, downward trend and upward trend: the rules an attendance event can change."""
    _require_same_studio(settings, member)
    history = as_history(attendance)
    found = (
        evaluate_absence(settings.absence, member, history, today),
        evaluate_downward_trend(settings.downward_trend, member, history, today),
        evaluate_upward_trend(settings.upward_trend, member, history, today),
    )
    return [candidate for candidate in found if candidate is not None]


def evaluate_member(
    settings: NotificationSettings, member: MemberFacts, attendance: AttendanceHistory | Iterable[date], today: date
) -> list[NotificationCandidate]:
    _require_same_studio(settings, member)
    found = [
        evaluate_birthday(settings.birthday, member, today),
        *evaluate_attendance_rules(settings, member, attendance, today),
        evaluate_checkup(settings.checkups, member, today),
    ]
    return [candidate for candidate in found if candidate is not None]


def trend_windows_to_aggregate(settings: NotificationSettings, today: date) -> list[tuple[date, date]]:
    """The (first, last) day ranges a bulk refresh must count visits in for `AttendanceSummary`."""
    ranges: list[tuple[date, date]] = []
    for days in {settings.downward_trend.days, settings.upward_trend.days}:
        w = TrendWindows.ending(today, days)
        ranges += [(w.previous_start, w.previous_end), (w.recent_start, w.recent_end)]
    return sorted(set(ranges))


def evaluate_studio(
    settings: NotificationSettings, members: Iterable[MemberAttendance], today: date
) -> list[NotificationCandidate]:
    return [
        candidate for entry in members for candidate in evaluate_member(settings, entry.member, entry.attendance, today)
    ]
