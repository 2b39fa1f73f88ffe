"""Applying other services' events: read models, and the saga's per-row progress."""

from __future__ import annotations

import uuid

from gymloop_contracts.events.billing import PlanPublished, SubscriptionActivated
from gymloop_contracts.events.common import ImportRef
from gymloop_contracts.events.members import MemberRegistered, MemberUpdated
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from gymloop_importer.db.models import ImportRowState, MemberView, PlanView, StudioCollection
from gymloop_importer.service.imports import complete_if_done, row_id


async def apply_plan(session: AsyncSession, studio_id: uuid.UUID, event: PlanPublished) -> None:
    values = {
        "studio_id": studio_id,
        "name": event.name,
        "kind": event.kind,
        "price_cents": event.price_cents,
        "visible": event.visible,
        "active": event.active,
    }
    statement = pg_insert(PlanView).values(plan_id=event.plan_id, **values)
    await session.execute(statement.on_conflict_do_update(index_elements=[PlanView.plan_id], set_=values))


async def apply_member(session: AsyncSession, studio_id: uuid.UUID, event: MemberRegistered | MemberUpdated) -> None:
    values = {
        "studio_id": studio_id,
        "email": event.email,
        "email_key": event.email.casefold(),
        "first_name": event.first_name,
        "last_name": event.last_name,
        "phone": event.phone,
        "birth_date": event.birth_date,
        "start_date": event.start_date,
        "role": event.role,
        "status": event.status,
        "responsible_employee_id": event.responsible_employee_id,
        "tags": list(event.tags),
    }
    statement = pg_insert(MemberView).values(member_id=event.member_id, **values)
    await session.execute(statement.on_conflict_do_update(index_elements=[MemberView.member_id], set_=values))


async def _row_of(session: AsyncSession, studio_id: uuid.UUID, ref: ImportRef) -> ImportRowState | None:
    statement = (
        select(ImportRowState)
        .where(
            ImportRowState.row_id == row_id(ref.import_job_id, ref.row_number),
            ImportRowState.studio_id == studio_id,
        )
        .with_for_update()
    )
    return await session.scalar(statement)


async def member_confirmed(
    session: AsyncSession, studio_id: uuid.UUID, ref: ImportRef, member_id: uuid.UUID, outcome: str
) -> None:
    row = await _row_of(session, studio_id, ref)
    if row is None:  # another studio's row, or a deleted job's
        return
    if row.member_outcome is not None:
        # Registered and Updated travel on different topics, so they may arrive in either order: a
        # registration means the import created the member, whichever event came first.
        if outcome == "created":
            row.member_outcome = outcome
        return
    row.member_outcome = outcome
    row.member_id = member_id
    await session.flush()
    await complete_if_done(session, studio_id, ref.import_job_id)


async def subscription_confirmed(session: AsyncSession, studio_id: uuid.UUID, event: SubscriptionActivated) -> None:
    current = await session.get(StudioCollection, studio_id)
    if current is None:
        session.add(StudioCollection(studio_id=studio_id, collection_method=event.collection_method, source="event"))
    elif current.source == "event":
        current.collection_method = event.collection_method
    if event.import_ref is None:
        return
    row = await _row_of(session, studio_id, event.import_ref)
    if row is None or row.subscription_done:
        return
    row.subscription_done = True
    await session.flush()
    await complete_if_done(session, studio_id, event.import_ref.import_job_id)


async def set_collection_method(session: AsyncSession, studio_id: uuid.UUID, method: str) -> None:
    values = {"collection_method": method, "source": "setting"}
    statement = pg_insert(StudioCollection).values(studio_id=studio_id, **values)
    await session.execute(statement.on_conflict_do_update(index_elements=[StudioCollection.studio_id], set_=values))
