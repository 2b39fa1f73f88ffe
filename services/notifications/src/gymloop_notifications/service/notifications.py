"""Notification use cases: raise candidates (deduplicated), list, mark done, snooze, custom, delete."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, date, datetime

import uuid_utils.compat as uuid_compat
from gymloop_contracts import EventPayload
from gymloop_contracts.events.notifications import AttendanceTrendDetected, MemberInactive, NotificationRaised
from gymloop_kit.db import table_of
from gymloop_kit.errors import NotFound
from gymloop_kit.messaging.outbox import add_events
from sqlalchemy import ARRAY, Text, any_, bindparam, delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from gymloop_notifications.db.models import Member
from gymloop_notifications.db.models import Notification as NotificationRow
from gymloop_notifications.domain.candidates import AbsenceDetails, NotificationCandidate, TrendDetails
from gymloop_notifications.domain.kinds import NotificationKind, NotificationStatus, TrendDirection
from gymloop_notifications.domain.notification import Notification, create_custom_notification
from gymloop_notifications.domain.refresh import plan_refresh
from gymloop_notifications.domain.views import employee_dashboard, member_notifications

CHUNK = 2000
LOOKUP_CHUNK = 10000


def to_domain(row: NotificationRow) -> Notification:
    return Notification(
        notification_id=row.notification_id,
        studio_id=row.studio_id,
        member_id=row.member_id,
        assignee_id=row.assignee_id,
        kind=NotificationKind(row.kind),
        dedupe_key=row.dedupe_key,
        due_date=row.due_date,
        title=row.title,
        created_at=row.created_at,
        details=dict(row.details or {}),
        status=NotificationStatus(row.status),
        snoozed_until=row.snoozed_until,
        created_by=row.created_by,
        done_at=row.done_at,
        done_by=row.done_by,
    )


def _raised_event(notification_id: uuid.UUID, c: NotificationCandidate | Notification) -> NotificationRaised:
    return NotificationRaised(
        notification_id=notification_id,
        member_id=c.member_id,
        assignee_id=c.assignee_id,
        kind=c.kind.value,
        title=c.title,
        due_on=c.due_date,
        dedupe_key=c.dedupe_key or f"custom/{notification_id}",
    )


def _follow_up_event(c: NotificationCandidate) -> EventPayload | None:
    details = c.details
    if isinstance(details, AbsenceDetails):
        return MemberInactive(
            member_id=c.member_id,
            days_absent=details.days_absent,
            last_attended_on=details.last_attended_on,
            responsible_employee_id=c.assignee_id,
        )
    if isinstance(details, TrendDetails):
        return AttendanceTrendDetected(
            member_id=c.member_id,
            direction="down" if details.direction is TrendDirection.DOWNWARD else "up",
            change_percent=details.change_percent,
            window_days=details.window_days,
            recent_visits=details.recent_visits,
            previous_visits=details.previous_visits,
        )
    return None


async def raise_candidates(
    session: AsyncSession, studio_id: uuid.UUID, candidates: Sequence[NotificationCandidate], now: datetime
) -> list[uuid.UUID]:
    """Store the candidates not stored before (any status) and queue their events, all in the caller's
    transaction. The unique (studio_id, dedupe_key) index makes a racing refresh a no-op, not a duplicate."""
    table = table_of(NotificationRow)
    # Keys already stored (open, done or snoozed) are skipped before anything is written: a refresh that
    # finds nothing new costs one indexed lookup per chunk.
    fresh = [c for c in candidates if c.studio_id == studio_id]
    existing: set[str] = set()
    for start in range(0, len(fresh), LOOKUP_CHUNK):
        keys = [c.dedupe_key for c in fresh[start : start + LOOKUP_CHUNK]]
        found = await session.execute(
            select(table.c.dedupe_key).where(
                table.c.studio_id == studio_id,
                table.c.dedupe_key == any_(bindparam("keys", keys, type_=ARRAY(Text))),
            )
        )
        existing.update(found.scalars())
    plan = plan_refresh(fresh, existing_keys=existing)
    created: list[uuid.UUID] = []
    events: list[EventPayload] = []
    if not plan.to_create:
        return created
    ids = {c.dedupe_key: uuid_compat.uuid7() for c in plan.to_create}
    rows = [
        {
            "notification_id": ids[c.dedupe_key],
            "studio_id": studio_id,
            "member_id": c.member_id,
            "assignee_id": c.assignee_id,
            "kind": c.kind.value,
            "dedupe_key": c.dedupe_key,
            "due_date": c.due_date,
            "title": c.title,
            "details": c.details.as_dict(),
            "status": NotificationStatus.OPEN.value,
            "created_at": now,
        }
        for c in plan.to_create
    ]
    # The unique (studio_id, dedupe_key) index still decides when a racing refresh got there first.
    statement = (
        pg_insert(table)
        .on_conflict_do_nothing(index_elements=[table.c.studio_id, table.c.dedupe_key])
        .returning(table.c.dedupe_key)
    )
    inserted: set[str] = set()
    for start in range(0, len(rows), CHUNK):
        result = await session.execute(statement, rows[start : start + CHUNK])
        inserted.update(result.scalars())
    for c in plan.to_create:
        if c.dedupe_key not in inserted:
            continue
        created.append(ids[c.dedupe_key])
        events.append(_raised_event(ids[c.dedupe_key], c))
        follow_up = _follow_up_event(c)
        if follow_up is not None:
            events.append(follow_up)
    await add_events(session, events, studio_id=studio_id)
    return created


async def _studio_rows(session: AsyncSession, studio_id: uuid.UUID, *conditions: object) -> list[Notification]:
    query = select(NotificationRow).where(NotificationRow.studio_id == studio_id, *conditions)  # type: ignore[arg-type]
    return [to_domain(row) for row in (await session.execute(query)).scalars()]


async def dashboard(
    session: AsyncSession, studio_id: uuid.UUID, employee_id: uuid.UUID, today: date
) -> list[Notification]:
    rows = await _studio_rows(
        session, studio_id, NotificationRow.assignee_id == employee_id, NotificationRow.status == "open"
    )
    return employee_dashboard(rows, studio_id=studio_id, employee_id=employee_id, today=today)


async def of_member(
    session: AsyncSession, studio_id: uuid.UUID, member_id: uuid.UUID, *, include_done: bool
) -> list[Notification]:
    if await session.get(Member, (studio_id, member_id)) is None:
        # An empty list would tell an unknown (or another studio's) id apart from a member without notifications.
        raise NotFound("no such member in this studio", code="member_not_found", field="member_id")
    rows = await _studio_rows(session, studio_id, NotificationRow.member_id == member_id)
    return member_notifications(rows, studio_id=studio_id, member_id=member_id, include_done=include_done)


async def _locked(session: AsyncSession, studio_id: uuid.UUID, notification_id: uuid.UUID) -> NotificationRow:
    row = (
        await session.execute(
            select(NotificationRow)
            .where(NotificationRow.notification_id == notification_id, NotificationRow.studio_id == studio_id)
            .with_for_update()
        )
    ).scalar_one_or_none()
    if row is None:
        raise NotFound("no such notification in this studio", field="notification_id")
    return row


def _apply(row: NotificationRow, notification: Notification) -> None:
    row.status = notification.status.value
    row.snoozed_until = notification.snoozed_until
    row.done_at = notification.done_at
    row.done_by = notification.done_by
    row.assignee_id = notification.assignee_id


async def mark_done(
    session: AsyncSession, studio_id: uuid.UUID, notification_id: uuid.UUID, by: uuid.UUID
) -> Notification:
    row = await _locked(session, studio_id, notification_id)
    done = to_domain(row).mark_done(by=by, at=datetime.now(UTC))
    _apply(row, done)
    return done


async def snooze(
    session: AsyncSession, studio_id: uuid.UUID, notification_id: uuid.UUID, until: date, today: date
) -> Notification:
    row = await _locked(session, studio_id, notification_id)
    snoozed = to_domain(row).snooze(until=until, today=today)
    _apply(row, snoozed)
    return snoozed


async def create_custom(
    session: AsyncSession,
    studio_id: uuid.UUID,
    member_id: uuid.UUID,
    *,
    text: str,
    due_date: date,
    assignee_id: uuid.UUID | None,
    created_by: uuid.UUID,
    today: date,
) -> Notification:
    member = await session.get(Member, (studio_id, member_id))
    if member is None:
        raise NotFound("no such member in this studio", field="member_id")
    if assignee_id is not None and await session.get(Member, (studio_id, assignee_id)) is None:
        # Another studio's employee id must not be stored here: it is answered like an id nobody has.
        raise NotFound("no such employee in this studio", code="assignee_not_found", field="assignee_id")
    notification = create_custom_notification(
        notification_id=uuid_compat.uuid7(),
        studio_id=studio_id,
        member_id=member_id,
        text=text,
        due_date=due_date,
        created_by=created_by,
        created_at=datetime.now(UTC),
        today=today,
        assignee_id=assignee_id,
        responsible_employee_id=member.responsible_employee_id,
    )
    session.add(
        NotificationRow(
            notification_id=notification.notification_id,
            studio_id=studio_id,
            member_id=member_id,
            assignee_id=notification.assignee_id,
            kind=notification.kind.value,
            dedupe_key=None,
            due_date=notification.due_date,
            title=notification.title,
            details=dict(notification.details),
            status=notification.status.value,
            created_at=notification.created_at,
            created_by=created_by,
        )
    )
    await add_events(session, [_raised_event(notification.notification_id, notification)], studio_id=studio_id)
    return notification


async def delete_open(session: AsyncSession, studio_id: uuid.UUID) -> int:
    """Every open notification of the studio, custom ones included (the settings page's trash can)."""
    result = await session.execute(
        delete(NotificationRow).where(NotificationRow.studio_id == studio_id, NotificationRow.status == "open")
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
