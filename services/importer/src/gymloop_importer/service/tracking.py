"""Applying other services' events: read models, and the saga's per-row progress."""

from __future__ import annotations

import uuid
from collections.abc import Callable

from gymloop_contracts.events.billing import (
    BillingSettingsChanged,
    PlanPublished,
    SubscriptionActivated,
    SubscriptionImportRejected,
)
from gymloop_contracts.events.common import ImportRef
from gymloop_contracts.events.members import MemberImportRejected, MemberRegistered, MemberUpdated
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from gymloop_importer.db.models import ImportRowState, MemberView, PlanView, StudioCollection
from gymloop_importer.domain.row_progress import MemberOutcome, RefusedBy, RowProgress, RowRejection
from gymloop_importer.service.imports import complete_if_done, row_id
from gymloop_importer.service.row_state import progress_of, store_progress


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


async def apply_billing_settings(session: AsyncSession, studio_id: uuid.UUID, event: BillingSettingsChanged) -> None:
    """Billing is the source of the studio's collection method (the caller applies only the newest event)."""
    values = {"collection_method": event.collection_method}
    statement = pg_insert(StudioCollection).values(studio_id=studio_id, **values)
    await session.execute(statement.on_conflict_do_update(index_elements=[StudioCollection.studio_id], set_=values))


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


async def _move_row(
    session: AsyncSession, studio_id: uuid.UUID, ref: ImportRef, step: Callable[[RowProgress], RowProgress]
) -> ImportRowState | None:
    """Apply one answer of a service to its row; complete the job when that settled the last row.
    Returns the row when the answer changed it."""
    row = await _row_of(session, studio_id, ref)
    if row is None:  # another studio's row, or a deleted job's
        return None
    before = progress_of(row)
    after = step(before)
    if after == before:
        return None
    store_progress(row, after)
    await session.flush()
    if after.is_settled and not before.is_settled:
        await complete_if_done(session, studio_id, ref.import_job_id)
    return row


async def member_confirmed(
    session: AsyncSession, studio_id: uuid.UUID, ref: ImportRef, member_id: uuid.UUID, outcome: MemberOutcome
) -> None:
    row = await _move_row(session, studio_id, ref, lambda progress: progress.member_confirmed(outcome))
    if row is not None and row.member_id is None:
        row.member_id = member_id


async def subscription_confirmed(session: AsyncSession, studio_id: uuid.UUID, event: SubscriptionActivated) -> None:
    if event.import_ref is not None:
        await _move_row(session, studio_id, event.import_ref, lambda progress: progress.subscription_confirmed())


async def row_rejected(
    session: AsyncSession,
    studio_id: uuid.UUID,
    event: MemberImportRejected | SubscriptionImportRejected,
    refused_by: RefusedBy,
) -> None:
    """A service refused its part of a row: the row fails (once; a repeat or a late refusal changes nothing)."""
    rejection = RowRejection(refused_by, event.code, event.field, event.message)
    await _move_row(session, studio_id, event.import_ref, lambda progress: progress.rejected(rejection))
