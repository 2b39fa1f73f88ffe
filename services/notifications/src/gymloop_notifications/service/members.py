"""The members read model, kept from the members service's events."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from sqlalchemy import ColumnElement, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from gymloop_notifications.db.models import Member
from gymloop_notifications.db.models import Notification as NotificationRow
from gymloop_notifications.domain.kinds import NotificationKind
from gymloop_notifications.domain.member import MemberFacts


@dataclass(frozen=True)
class MemberProfile:
    member_id: uuid.UUID
    display_name: str
    email: str | None
    birth_date: date | None
    start_date: date
    is_member: bool
    archived: bool
    responsible_employee_id: uuid.UUID | None
    tags: list[str]


async def upsert_member(session: AsyncSession, studio_id: uuid.UUID, profile: MemberProfile) -> None:
    previous = await session.get(Member, (studio_id, profile.member_id))
    values = {
        "display_name": profile.display_name,
        "email": profile.email,
        "birth_date": profile.birth_date,
        "start_date": profile.start_date,
        "is_member": profile.is_member,
        "archived": profile.archived,
        "responsible_employee_id": profile.responsible_employee_id,
        "tags": profile.tags,
    }
    await session.execute(
        pg_insert(Member)
        .values(studio_id=studio_id, member_id=profile.member_id, **values)
        .on_conflict_do_update(index_elements=[Member.studio_id, Member.member_id], set_=values)
    )
    if previous is not None and previous.responsible_employee_id != profile.responsible_employee_id:
        await reassign_member_notifications(
            session,
            studio_id,
            profile.member_id,
            previous_assignee_id=previous.responsible_employee_id,
            new_assignee_id=profile.responsible_employee_id,
        )


async def set_responsible_employee(
    session: AsyncSession,
    studio_id: uuid.UUID,
    member_id: uuid.UUID,
    employee_id: uuid.UUID | None,
    previous_employee_id: uuid.UUID | None,
) -> None:
    member = await session.get(Member, (studio_id, member_id))
    previous = member.responsible_employee_id if member is not None else previous_employee_id
    await session.execute(
        pg_insert(Member)
        .values(studio_id=studio_id, member_id=member_id, responsible_employee_id=employee_id)
        .on_conflict_do_update(
            index_elements=[Member.studio_id, Member.member_id], set_={"responsible_employee_id": employee_id}
        )
    )
    await reassign_member_notifications(
        session, studio_id, member_id, previous_assignee_id=previous, new_assignee_id=employee_id
    )


async def reassign_member_notifications(
    session: AsyncSession,
    studio_id: uuid.UUID,
    member_id: uuid.UUID,
    *,
    previous_assignee_id: uuid.UUID | None,
    new_assignee_id: uuid.UUID | None,
) -> int:
    """Open notifications follow the member to the new responsible employee (domain.reassignment's rule).

    Rule-raised ones always move; custom ones move only when they were with the previous responsible
    employee or with nobody.
    """
    base = (
        update(NotificationRow)
        .where(NotificationRow.studio_id == studio_id, NotificationRow.member_id == member_id)
        .where(NotificationRow.status == "open")
        .where(NotificationRow.assignee_id.is_distinct_from(new_assignee_id))
    )
    moved_rule = await session.execute(
        base.where(NotificationRow.kind != NotificationKind.CUSTOM.value).values(assignee_id=new_assignee_id)
    )
    custom_filter: ColumnElement[bool] = NotificationRow.assignee_id.is_(None)
    if previous_assignee_id is not None:
        custom_filter = custom_filter | (NotificationRow.assignee_id == previous_assignee_id)
    moved_custom = await session.execute(
        base.where(NotificationRow.kind == NotificationKind.CUSTOM.value, custom_filter).values(
            assignee_id=new_assignee_id
        )
    )
    return int(moved_rule.rowcount or 0) + int(moved_custom.rowcount or 0)  # type: ignore[attr-defined]


async def set_archived(session: AsyncSession, studio_id: uuid.UUID, member_id: uuid.UUID, archived: bool) -> None:
    """An archived member gets no notifications: their open ones are closed by the system too."""
    await session.execute(
        pg_insert(Member)
        .values(studio_id=studio_id, member_id=member_id, archived=archived)
        .on_conflict_do_update(index_elements=[Member.studio_id, Member.member_id], set_={"archived": archived})
    )
    if archived:
        await session.execute(
            update(NotificationRow)
            .where(
                NotificationRow.studio_id == studio_id,
                NotificationRow.member_id == member_id,
                NotificationRow.status == "open",
            )
            .values(status="done", done_at=func.now(), done_by=None)
        )


async def member_facts(session: AsyncSession, studio_id: uuid.UUID, member_id: uuid.UUID) -> MemberFacts | None:
    row = (
        await session.execute(select(Member).where(Member.studio_id == studio_id, Member.member_id == member_id))
    ).scalar_one_or_none()
    if row is None or row.start_date is None or not row.is_member:
        return None
    return MemberFacts(
        studio_id=studio_id,
        member_id=member_id,
        display_name=row.display_name,
        start_date=row.start_date,
        birth_date=row.birth_date,
        responsible_employee_id=row.responsible_employee_id,
        archived=row.archived,
    )
