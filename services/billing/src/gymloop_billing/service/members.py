"""The members read model billing keeps from the members service's events."""

from __future__ import annotations

import uuid

from gymloop_contracts.events.members import MemberRegistered, MemberUpdated
from gymloop_kit.errors import NotFound
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from gymloop_billing.db.models import MemberRow


async def upsert_member(session: AsyncSession, studio_id: uuid.UUID, event: MemberRegistered | MemberUpdated) -> None:
    values = {
        "member_id": event.member_id,
        "studio_id": studio_id,
        "first_name": event.first_name,
        "last_name": event.last_name,
        "email": event.email,
        "start_date": event.start_date,
        "status": event.status,
    }
    statement = pg_insert(MemberRow).values(**values)
    statement = statement.on_conflict_do_update(
        index_elements=[MemberRow.member_id],
        set_={key: value for key, value in values.items() if key not in ("member_id", "studio_id")},
        where=MemberRow.studio_id == studio_id,  # an event of another studio never rewrites this row
    )
    await session.execute(statement)


async def set_member_status(session: AsyncSession, studio_id: uuid.UUID, member_id: uuid.UUID, status: str) -> None:
    row = await session.get(MemberRow, member_id)
    if row is not None and row.studio_id == studio_id:
        row.status = status


async def get_member(session: AsyncSession, studio_id: uuid.UUID, member_id: uuid.UUID) -> MemberRow:
    row = (
        await session.execute(
            select(MemberRow).where(MemberRow.member_id == member_id, MemberRow.studio_id == studio_id)
        )
    ).scalar_one_or_none()
    if row is None:
        raise NotFound(
            f"member {member_id} not found in this studio (billing learns members from MemberRegistered)",
            code="member_not_found",
        )
    return row
