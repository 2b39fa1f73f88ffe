"""Absence rule: warn when a member has attended no session for `days` days.

Days are counted from the last attended day, or from the start date for a member who never
attended (or whose last visit predates a restart of the membership). A new absence period, and
so a new dedupe key, begins only after the member attends again.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

from gymloop_notifications.domain.attendance import AttendanceHistory, as_history
from gymloop_notifications.domain.candidates import AbsenceDetails, NotificationCandidate
from gymloop_notifications.domain.kinds import NotificationKind
from gymloop_notifications.domain.member import MemberFacts
from gymloop_notifications.domain.settings import AbsenceSettings


def last_attended_on(attendance: AttendanceHistory | Iterable[date], today: date) -> date | None:
    """Attendance after today (a late or clock-skewed event) is ignored."""
    return as_history(attendance).last_on_or_before(today)


def evaluate_absence(
    settings: AbsenceSettings,
    member: MemberFacts,
    attendance: AttendanceHistory | Iterable[date],
    today: date,
) -> NotificationCandidate | None:
    if not settings.enabled or not member.is_active_on(today):
        return None
    last = last_attended_on(attendance, today)
    counts_from_attendance = last is not None and last >= member.start_date
    counted_from = last if last is not None and counts_from_attendance else member.start_date
    days_absent = (today - counted_from).days
    if days_absent < settings.days:
        return None
    period = (
        f"last-attended-{counted_from.isoformat()}"
        if counts_from_attendance
        else f"member-since-{counted_from.isoformat()}"
    )
    return NotificationCandidate(
        studio_id=member.studio_id,
        member_id=member.member_id,
        assignee_id=member.responsible_employee_id,
        kind=NotificationKind.ABSENCE,
        period=period,
        due_date=counted_from + timedelta(days=settings.days),
        title=f"{member.display_name} has not attended for {days_absent} days",
        details=AbsenceDetails(
            days_absent=days_absent,
            threshold_days=settings.days,
            counted_from=counted_from,
            last_attended_on=last,
        ),
    )
