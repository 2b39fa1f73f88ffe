"""Events owned by the notifications service."""

from __future__ import annotations

import uuid
from datetime import date
from typing import ClassVar, Literal

from gymloop_contracts.base import EventPayload


class _RetentionEvent(EventPayload):
    owner: ClassVar[str] = "notifications"
    aggregate_type: ClassVar[str] = "member"
    aggregate_field: ClassVar[str] = "member_id"
    key_field: ClassVar[str] = "member_id"

    member_id: uuid.UUID


class NotificationRaised(EventPayload):
    """A notification was raised for an employee (birthday, absence, trend, check-up or custom)."""

    owner: ClassVar[str] = "notifications"
    aggregate_type: ClassVar[str] = "notification"
    aggregate_field: ClassVar[str] = "notification_id"
    key_field: ClassVar[str] = "notification_id"

    notification_id: uuid.UUID
    member_id: uuid.UUID | None = None
    assignee_id: uuid.UUID | None = None
    kind: Literal["birthday", "absence", "downward_trend", "upward_trend", "checkup", "custom"]
    title: str
    due_on: date
    dedupe_key: str


class MemberInactive(_RetentionEvent):
    """A member has attended no session for longer than the studio's absence threshold."""

    days_absent: int
    last_attended_on: date | None = None
    responsible_employee_id: uuid.UUID | None = None


class AttendanceTrendDetected(_RetentionEvent):
    """A member's attendance rose or fell by more than the studio's threshold between two windows."""

    direction: Literal["up", "down"]
    change_percent: float
    window_days: int
    recent_visits: int
    previous_visits: int
