"""The Notification entity: raised by a rule or created by staff, done or snoozed by staff.

Entities are immutable; every change returns a new Notification, so use cases can compare
before/after and tests need no mocks.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from uuid import UUID

from gymloop_notifications.domain.candidates import DetailValue, NotificationCandidate
from gymloop_notifications.domain.errors import DomainError, raise_if_any
from gymloop_notifications.domain.kinds import NotificationKind, NotificationStatus
from gymloop_notifications.domain.local_time import require_aware

CUSTOM_TEXT_MAX_LENGTH = 1000
TITLE_MAX_LENGTH = 120


@dataclass(frozen=True, slots=True)
class Notification:
    notification_id: UUID
    studio_id: UUID
    member_id: UUID
    assignee_id: UUID | None
    kind: NotificationKind
    dedupe_key: str | None  # None for custom notifications: staff may create as many as they like
    due_date: date
    title: str
    created_at: datetime
    details: Mapping[str, DetailValue] = field(default_factory=dict)
    status: NotificationStatus = NotificationStatus.OPEN
    snoozed_until: date | None = None
    created_by: UUID | None = None  # None when raised by a rule
    done_at: datetime | None = None
    done_by: UUID | None = None

    @property
    def is_open(self) -> bool:
        return self.status is NotificationStatus.OPEN

    def is_snoozed_on(self, today: date) -> bool:
        """Snoozed until a date means hidden before that date and back on it."""
        return self.snoozed_until is not None and today < self.snoozed_until

    def is_actionable_on(self, today: date) -> bool:
        return self.is_open and not self.is_snoozed_on(today)

    def is_overdue_on(self, today: date) -> bool:
        return self.is_open and self.due_date < today

    def mark_done(self, *, by: UUID, at: datetime) -> Notification:
        """Idempotent: marking a done notification done again keeps the first completion."""
        require_aware(at, "done_at")
        if not self.is_open:
            return self
        return replace(self, status=NotificationStatus.DONE, done_at=at, done_by=by, snoozed_until=None)

    def resolve(self, *, at: datetime) -> Notification:
        """Closed by the system because its cause went away (the absent member came back)."""
        require_aware(at, "done_at")
        if not self.is_open:
            return self
        return replace(self, status=NotificationStatus.DONE, done_at=at, done_by=None, snoozed_until=None)

    def snooze(self, *, until: date, today: date) -> Notification:
        if not self.is_open:
            raise DomainError(
                code="notification_done",
                field="snoozed_until",
                message="this notification is already done: only open notifications can be snoozed",
            )
        if until <= today:
            raise DomainError(
                code="snooze_not_in_future",
                field="snoozed_until",
                message=(
                    f"snooze until {until.isoformat()} is not after today ({today.isoformat()}): pick a later date"
                ),
            )
        return replace(self, snoozed_until=until)

    def reassign(self, assignee_id: UUID | None) -> Notification:
        return replace(self, assignee_id=assignee_id)


def notification_from_candidate(
    candidate: NotificationCandidate, *, notification_id: UUID, created_at: datetime
) -> Notification:
    require_aware(created_at, "created_at")
    return Notification(
        notification_id=notification_id,
        studio_id=candidate.studio_id,
        member_id=candidate.member_id,
        assignee_id=candidate.assignee_id,
        kind=candidate.kind,
        dedupe_key=candidate.dedupe_key,
        due_date=candidate.due_date,
        title=candidate.title,
        details=candidate.details.as_dict(),
        created_at=created_at,
    )


def _custom_title(text: str) -> str:
    first_line = text.splitlines()[0].strip()
    if len(first_line) <= TITLE_MAX_LENGTH:
        return first_line
    return first_line[: TITLE_MAX_LENGTH - 1].rstrip() + "…"


def create_custom_notification(
    *,
    notification_id: UUID,
    studio_id: UUID,
    member_id: UUID,
    text: str,
    due_date: date,
    created_by: UUID,
    created_at: datetime,
    today: date,
    assignee_id: UUID | None = None,
    responsible_employee_id: UUID | None = None,
) -> Notification:
    """A note-to-self or colleague; without an explicit assignee it goes to the member's responsible."""
    require_aware(created_at, "created_at")
    cleaned = text.strip()
    errors: list[DomainError] = []
    if not cleaned:
        errors.append(DomainError(code="text_empty", field="text", message="write what needs to be done"))
    elif len(cleaned) > CUSTOM_TEXT_MAX_LENGTH:
        errors.append(
            DomainError(
                code="text_too_long",
                field="text",
                message=f"is {len(cleaned)} characters: shorten it to at most {CUSTOM_TEXT_MAX_LENGTH}",
            )
        )
    if due_date < today:
        errors.append(
            DomainError(
                code="due_date_in_past",
                field="due_date",
                message=f"{due_date.isoformat()} is before today ({today.isoformat()}): pick today or later",
            )
        )
    raise_if_any(errors)
    return Notification(
        notification_id=notification_id,
        studio_id=studio_id,
        member_id=member_id,
        assignee_id=assignee_id if assignee_id is not None else responsible_employee_id,
        kind=NotificationKind.CUSTOM,
        dedupe_key=None,
        due_date=due_date,
        title=_custom_title(cleaned),
        details={"text": cleaned},
        created_at=created_at,
        created_by=created_by,
    )
