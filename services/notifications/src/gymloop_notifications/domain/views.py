"""What the employee dashboard and the member overview list."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from uuid import UUID

from gymloop_notifications.domain.notification import Notification


def employee_dashboard(
    notifications: Iterable[Notification], *, studio_id: UUID, employee_id: UUID, today: date
) -> list[Notification]:
    """Open, not snoozed notifications of the employee's members, most urgent first."""
    return sorted(
        (
            n
            for n in notifications
            if n.studio_id == studio_id and n.assignee_id == employee_id and n.is_actionable_on(today)
        ),
        key=lambda n: (n.due_date, n.kind.value, str(n.member_id), str(n.notification_id)),
    )


def member_notifications(
    notifications: Iterable[Notification], *, studio_id: UUID, member_id: UUID, include_done: bool = True
) -> list[Notification]:
    """Every notification of one member, whoever is looking: open ones first, then by due date."""
    return sorted(
        (
            n
            for n in notifications
            if n.studio_id == studio_id and n.member_id == member_id and (include_done or n.is_open)
        ),
        key=lambda n: (not n.is_open, n.due_date, n.kind.value, str(n.notification_id)),
    )
