"""What the importer knows about a studio from other services' events: plans, employees, collection, and its
"today" (the kit's studio clock: its local day in the zone members announced)."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

from gymloop_kit import studio_clock
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from gymloop_importer.db.models import MemberView, PlanView, StudioCollection
from gymloop_importer.domain.dry_run import ExistingMember
from gymloop_importer.domain.import_context import CollectionMethod, ImportContext, PlanInfo

STAFF_ROLES = ("employee", "admin")


def plan_info(plan: PlanView) -> PlanInfo:
    return PlanInfo(plan.name, is_free=plan.kind == "free" or plan.price_cents == 0, is_hidden=not plan.visible)


async def active_plans(session: AsyncSession, studio_id: uuid.UUID) -> list[PlanView]:
    statement = (
        select(PlanView).where(PlanView.studio_id == studio_id, PlanView.active.is_(True)).order_by(PlanView.name)
    )
    return list((await session.scalars(statement)).all())


async def collection_method(session: AsyncSession, studio_id: uuid.UUID) -> CollectionMethod:
    row = await session.get(StudioCollection, studio_id)
    return CollectionMethod(row.collection_method) if row else CollectionMethod.UNKNOWN


def utc_now() -> datetime:
    """The current instant (one place, so tests can set the clock)."""
    return datetime.now(UTC)


async def studio_today(session: AsyncSession, studio_id: uuid.UUID) -> date:
    """The studio's local calendar day now."""
    return await studio_clock.today(session, studio_id, utc_now())


async def import_context(session: AsyncSession, studio_id: uuid.UUID, today: date) -> ImportContext:
    plans = await active_plans(session, studio_id)
    employees = await session.scalars(
        select(MemberView.email).where(
            MemberView.studio_id == studio_id, MemberView.role.in_(STAFF_ROLES), MemberView.status == "active"
        )
    )
    return ImportContext.build(
        [plan_info(plan) for plan in plans], await collection_method(session, studio_id), today, employees.all()
    )


async def existing_members(session: AsyncSession, studio_id: uuid.UUID, emails: list[str]) -> list[ExistingMember]:
    keys = sorted({email.casefold() for email in emails})
    if not keys:
        return []
    members = (
        await session.scalars(
            select(MemberView).where(MemberView.studio_id == studio_id, MemberView.email_key.in_(keys))
        )
    ).all()
    responsible_ids = {m.responsible_employee_id for m in members if m.responsible_employee_id}
    emails_by_id: dict[uuid.UUID, str] = {}
    if responsible_ids:
        rows = await session.execute(
            select(MemberView.member_id, MemberView.email).where(
                MemberView.studio_id == studio_id, MemberView.member_id.in_(responsible_ids)
            )
        )
        emails_by_id = {member_id: email for member_id, email in rows.all()}
    return [
        ExistingMember(
            email=member.email,
            first_name=member.first_name,
            last_name=member.last_name,
            start_date=member.start_date,
            phone=member.phone,
            birth_date=member.birth_date,
            address=None,  # not carried by the member events, so unknown here
            responsible_employee_email=emails_by_id.get(member.responsible_employee_id)
            if member.responsible_employee_id
            else None,
            tags=tuple(member.tags),
            is_employee=member.role in STAFF_ROLES,
        )
        for member in members
    ]
