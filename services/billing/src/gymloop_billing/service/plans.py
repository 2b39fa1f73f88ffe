"""Use cases for plans (subscription types). They take a session and never commit."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from gymloop_contracts.events.billing import PlanPublished
from gymloop_kit.errors import InvalidInput, NotFound
from gymloop_kit.messaging.outbox import add_event
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from gymloop_billing.db.models import PlanRow
from gymloop_billing.domain.plans import BillingPeriod, Plan, PlanKind, validate_new_plan_name


@dataclass(frozen=True)
class PlanInput:
    name: str
    kind: str
    price_cents: int
    currency: str
    period: str
    visible: bool = True
    free: bool = False
    sessions: int | None = None
    valid_days: int | None = None
    valid_until: date | None = None
    weekly_limit: int | None = None


def to_domain(row: PlanRow) -> Plan:
    return Plan(
        plan_id=row.id,
        studio_id=row.studio_id,
        name=row.name,
        kind=PlanKind(row.kind),
        price_cents=row.price_cents,
        currency=row.currency,
        period=BillingPeriod(row.period),
        visible=row.visible,
        free=row.free,
        sessions=row.sessions,
        valid_days=row.valid_days,
        valid_until=row.valid_until,
        weekly_limit=row.weekly_limit,
    )


def contract_kind(plan: Plan) -> str:
    if plan.free:
        return "free"
    return "pack" if plan.is_pack else "unlimited"


def _validated(plan_id: uuid.UUID, studio_id: uuid.UUID, data: PlanInput) -> Plan:
    try:
        kind = PlanKind(data.kind)
    except ValueError:
        raise InvalidInput(
            f"kind {data.kind!r} is unknown: use one of {[k.value for k in PlanKind]}",
            code="plan_kind_invalid",
            field="kind",
        ) from None
    try:
        period = BillingPeriod(data.period)
    except ValueError:
        raise InvalidInput(
            f"period {data.period!r} is unknown: use one of {[p.value for p in BillingPeriod]}",
            code="plan_period_invalid",
            field="period",
        ) from None
    validate_new_plan_name(data.name.strip())
    return Plan(
        plan_id=plan_id,
        studio_id=studio_id,
        name=data.name.strip(),
        kind=kind,
        price_cents=data.price_cents,
        currency=data.currency,
        period=period,
        visible=data.visible,
        free=data.free,
        sessions=data.sessions,
        valid_days=data.valid_days,
        valid_until=data.valid_until,
        weekly_limit=data.weekly_limit,
    )


def _apply(row: PlanRow, plan: Plan) -> None:
    row.name = plan.name
    row.kind = plan.kind.value
    row.free = plan.free
    row.price_cents = plan.price_cents
    row.currency = plan.currency
    row.period = plan.period.value
    row.visible = plan.visible
    row.sessions = plan.sessions
    row.valid_days = plan.valid_days
    row.valid_until = plan.valid_until
    row.weekly_limit = plan.weekly_limit


async def _publish(session: AsyncSession, row: PlanRow) -> None:
    plan = to_domain(row)
    await add_event(
        session,
        PlanPublished(
            plan_id=plan.plan_id,
            name=plan.name,
            kind=contract_kind(plan),
            credits=plan.sessions,
            valid_days=plan.valid_days,
            valid_until=plan.valid_until,
            weekly_limit=plan.weekly_limit,
            price_cents=plan.price_cents,
            currency=plan.currency,
            period=plan.period.value,
            visible=plan.visible,
            active=row.active,
        ),
        studio_id=row.studio_id,
    )


async def create_plan(session: AsyncSession, studio_id: uuid.UUID, data: PlanInput) -> PlanRow:
    plan = _validated(uuid.uuid4(), studio_id, data)
    row = PlanRow(id=plan.plan_id, studio_id=studio_id, active=True)
    _apply(row, plan)
    session.add(row)
    await session.flush()
    await _publish(session, row)
    return row


async def update_plan(session: AsyncSession, studio_id: uuid.UUID, plan_id: uuid.UUID, data: PlanInput) -> PlanRow:
    row = await get_plan_row(session, studio_id, plan_id, lock=True)
    _apply(row, _validated(plan_id, studio_id, data))
    await _publish(session, row)
    return row


async def set_plan_active(session: AsyncSession, studio_id: uuid.UUID, plan_id: uuid.UUID, active: bool) -> PlanRow:
    row = await get_plan_row(session, studio_id, plan_id, lock=True)
    row.active = active
    await _publish(session, row)
    return row


async def get_plan_row(
    session: AsyncSession, studio_id: uuid.UUID, plan_id: uuid.UUID, *, lock: bool = False
) -> PlanRow:
    statement = select(PlanRow).where(PlanRow.id == plan_id, PlanRow.studio_id == studio_id)
    if lock:
        statement = statement.with_for_update()
    row = (await session.execute(statement)).scalar_one_or_none()
    if row is None:
        raise NotFound("plan not found", code="plan_unknown", field="plan_id")
    return row


async def list_plans(session: AsyncSession, studio_id: uuid.UUID, *, member_view: bool) -> list[PlanRow]:
    statement = select(PlanRow).where(PlanRow.studio_id == studio_id).order_by(PlanRow.name)
    if member_view:  # members see what the app sells: visible and active plans only
        statement = statement.where(PlanRow.visible.is_(True), PlanRow.active.is_(True))
    return list((await session.execute(statement)).scalars())
