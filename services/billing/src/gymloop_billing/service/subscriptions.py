"""Use cases for subscriptions: each loads the aggregate, applies a domain method, stores the new state and
queues the event bookings needs, all in the caller's transaction."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Literal

from gymloop_contracts.events.billing import (
    SubscriptionActivated,
    SubscriptionCancelled,
    SubscriptionEnded,
    SubscriptionPaused,
    SubscriptionRenewed,
    SubscriptionResumed,
)
from gymloop_contracts.events.common import DateRange, ImportRef
from gymloop_kit import studio_clock
from gymloop_kit.errors import InvalidInput, NotFound
from gymloop_kit.messaging.outbox import add_event
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from gymloop_billing.db.models import ChargeRow, PaymentRow, SubscriptionRow
from gymloop_billing.domain.subscriptions import PausedPeriod, Subscription, SubscriptionChange, SubscriptionStatus
from gymloop_billing.service import members, plans, studio


def _ranges(periods: tuple[PausedPeriod, ...]) -> list[DateRange]:
    # the contract's DateRange is inclusive; an open pause (not planned) is shown up to its start day
    return [
        DateRange(start=p.start, end=(p.resumed_on - timedelta(days=1)) if p.resumed_on else p.start) for p in periods
    ]


def to_domain(row: SubscriptionRow, plan_row: plans.PlanRow) -> Subscription:
    return Subscription(
        subscription_id=row.id,
        studio_id=row.studio_id,
        member_id=row.member_id,
        plan=plans.to_domain(plan_row),
        start_date=row.start_date,
        period_start=row.period_start,
        valid_until=row.valid_until,
        credits=row.credits,
        status=SubscriptionStatus(row.status),
        paused_periods=tuple(
            PausedPeriod(
                start=date.fromisoformat(p["start"]),
                resumed_on=date.fromisoformat(p["resumed_on"]) if p.get("resumed_on") else None,
            )
            for p in row.paused_periods
        ),
        cancelled_on=row.cancelled_on,
        end_date=row.end_date,
        sequence=row.sequence,
    )


def _store(row: SubscriptionRow, sub: Subscription) -> None:
    row.period_start = sub.period_start
    row.valid_until = sub.valid_until
    row.credits = sub.credits
    row.status = sub.status.value
    row.paused_periods = [
        {"start": p.start.isoformat(), "resumed_on": p.resumed_on.isoformat() if p.resumed_on else None}
        for p in sub.paused_periods
    ]
    row.cancelled_on = sub.cancelled_on
    row.end_date = sub.end_date
    row.sequence = sub.sequence


def _charge(sub: Subscription, change: SubscriptionChange) -> ChargeRow | None:
    if change.charge_cents <= 0:
        return None
    period = sub.period_start.isoformat() + (f"..{sub.valid_until.isoformat()}" if sub.valid_until else "")
    return ChargeRow(
        id=uuid.uuid4(),
        studio_id=sub.studio_id,
        member_id=sub.member_id,
        subscription_id=sub.subscription_id,
        plan_id=sub.plan.plan_id,
        description=f"{sub.plan.name} {period}",
        amount_cents=change.charge_cents,
        currency=sub.plan.currency,
        due_on=sub.period_start,
    )


async def load(
    session: AsyncSession, studio_id: uuid.UUID, subscription_id: uuid.UUID
) -> tuple[SubscriptionRow, Subscription]:
    row = (
        await session.execute(
            select(SubscriptionRow)
            .where(SubscriptionRow.id == subscription_id, SubscriptionRow.studio_id == studio_id)
            .with_for_update()
        )
    ).scalar_one_or_none()
    if row is None:
        raise NotFound("subscription not found")
    plan_row = await plans.get_plan_row(session, studio_id, row.plan_id)
    return row, to_domain(row, plan_row)


async def start_subscription(
    session: AsyncSession,
    studio_id: uuid.UUID,
    *,
    member_id: uuid.UUID,
    plan_id: uuid.UUID,
    start_date: date,
    subscription_id: uuid.UUID | None = None,
    import_ref: ImportRef | None = None,
    require_offered: bool = True,
) -> SubscriptionRow:
    """Start a subscription and queue its SubscriptionActivated (with the import row's ref, if any).
    `require_offered=False`: a plan already paid for is given even if the studio withdrew it meanwhile."""
    member = await members.get_member(session, studio_id, member_id)
    try:
        plan_row = await plans.get_plan_row(session, studio_id, plan_id)
    except NotFound:
        raise InvalidInput(
            f"plan {plan_id} does not exist in this studio", code="plan_unknown", field="plan_id"
        ) from None
    if require_offered and not plan_row.active:
        raise InvalidInput(f"plan {plan_row.name!r} is no longer offered", code="plan_inactive", field="plan_id")
    change = Subscription.start(
        subscription_id=subscription_id or uuid.uuid4(),
        member_id=member_id,
        plan=plans.to_domain(plan_row),
        start_date=start_date,
        member_start_date=member.start_date,
    )
    sub = change.subscription
    row = SubscriptionRow(
        id=sub.subscription_id, studio_id=studio_id, member_id=member_id, plan_id=plan_id, start_date=sub.start_date
    )
    _store(row, sub)
    session.add(row)
    charge = _charge(sub, change)
    if charge is not None:
        session.add(charge)
    await session.flush()
    settings = await studio.get_settings(session, studio_id)
    activated = activation_event(sub, settings.collection_method, import_ref)
    await add_event(session, activated, studio_id=studio_id)
    return row


def activation_event(sub: Subscription, collection_method: str, import_ref: ImportRef | None) -> SubscriptionActivated:
    """What bookings needs to grant the entitlement as it stands; the activation carries the import row's
    ref when the import caused it."""
    entitlement = sub.entitlement()
    return SubscriptionActivated(
        subscription_id=sub.subscription_id,
        member_id=sub.member_id,
        plan_id=sub.plan.plan_id,
        plan_name=sub.plan.name,
        plan_kind=plans.contract_kind(sub.plan),
        credits=entitlement.credits,
        weekly_limit=entitlement.weekly_limit,
        valid_from=entitlement.valid_from,
        valid_until=entitlement.valid_until,
        paused_periods=_ranges(entitlement.paused_periods),
        collection_method=collection_method,
        import_ref=import_ref,
    )


async def pause_subscription(
    session: AsyncSession, studio_id: uuid.UUID, subscription_id: uuid.UUID, first_day: date, last_day: date
) -> SubscriptionRow:
    row, sub = await load(session, studio_id, subscription_id)
    change = sub.pause_between(first_day, last_day)
    _store(row, change.subscription)
    await add_event(
        session,
        SubscriptionPaused(
            subscription_id=sub.subscription_id,
            member_id=sub.member_id,
            pause=DateRange(start=first_day, end=last_day),
            valid_until=change.entitlement.valid_until,
            paused_periods=_ranges(change.entitlement.paused_periods),
        ),
        studio_id=studio_id,
    )
    return row


async def resume_subscription(
    session: AsyncSession, studio_id: uuid.UUID, subscription_id: uuid.UUID, on: date
) -> SubscriptionRow:
    row, sub = await load(session, studio_id, subscription_id)
    change = sub.end_pause_early(on)
    _store(row, change.subscription)
    await add_event(
        session,
        SubscriptionResumed(
            subscription_id=sub.subscription_id,
            member_id=sub.member_id,
            resumed_on=on,
            valid_until=change.entitlement.valid_until,
            paused_periods=_ranges(change.entitlement.paused_periods),
        ),
        studio_id=studio_id,
    )
    return row


async def cancel_subscription(
    session: AsyncSession,
    studio_id: uuid.UUID,
    subscription_id: uuid.UUID,
    requested_on: date,
    notice_months: int,
    *,
    by: Literal["member", "staff"] = "staff",
) -> SubscriptionRow:
    """Cancelling plans the end and publishes SubscriptionCancelled (the member's receipt); SubscriptionEnded is
    published when the end date has passed (`expire_subscriptions`)."""
    row, sub = await load(session, studio_id, subscription_id)
    change = sub.cancel(requested_on, notice_months)
    _store(row, change.subscription)
    await add_event(
        session,
        SubscriptionCancelled(
            subscription_id=sub.subscription_id,
            member_id=sub.member_id,
            plan_name=sub.plan.name,
            requested_on=requested_on,
            end_date=change.subscription.end_date,
            cancelled_by=by,
        ),
        studio_id=studio_id,
    )
    return row


_PACK_NAMESPACE = uuid.UUID("5b7f0c1e-2d43-4e8a-9c61-0f4a7d3b9e25")


def pack_subscription_id(payment_id: uuid.UUID) -> uuid.UUID:
    """One pack per payment: a second grant of the same payment would hit the subscription's primary key."""
    return uuid.uuid5(_PACK_NAMESPACE, str(payment_id))


async def grant_paid_pack(session: AsyncSession, payment: PaymentRow) -> None:
    """The session pack a succeeded payment bought (the payment is locked and leaving `pending` in this
    transaction): started on the studio's today, its fee's charge taken by this payment (no payment run collects
    it). A payment that bought no pack, or whose pack was granted, changes nothing."""
    if payment.pack_plan_id is None or payment.subscription_id is not None:
        return
    row = await start_subscription(
        session,
        payment.studio_id,
        member_id=payment.member_id,
        plan_id=payment.pack_plan_id,
        start_date=await studio_clock.today(session, payment.studio_id),
        subscription_id=pack_subscription_id(payment.id),
        require_offered=False,
    )
    payment.subscription_id = row.id
    for charge in (await session.execute(select(ChargeRow).where(ChargeRow.subscription_id == row.id))).scalars():
        charge.payment_id = payment.id


async def renew_subscription(
    session: AsyncSession, studio_id: uuid.UUID, subscription_id: uuid.UUID, on: date | None
) -> SubscriptionRow:
    row, sub = await load(session, studio_id, subscription_id)
    change = sub.renew(on)
    renewed = change.subscription
    _store(row, renewed)
    charge = _charge(renewed, change)
    if charge is not None:
        session.add(charge)
    await add_event(
        session,
        SubscriptionRenewed(
            subscription_id=sub.subscription_id,
            member_id=sub.member_id,
            credits_granted=renewed.credits,
            valid_from=renewed.period_start,
            valid_until=renewed.valid_until,
        ),
        studio_id=studio_id,
    )
    return row


async def expire_subscriptions(session: AsyncSession, studio_id: uuid.UUID, today: date) -> int:
    """End every subscription of the studio whose end date lies before `today`; one event each."""
    rows = (
        await session.execute(
            select(SubscriptionRow)
            .where(SubscriptionRow.studio_id == studio_id, SubscriptionRow.status != SubscriptionStatus.ENDED.value)
            .with_for_update()
        )
    ).scalars()
    ended = 0
    for row in rows:
        plan_row = await plans.get_plan_row(session, studio_id, row.plan_id)
        sub = to_domain(row, plan_row)
        change = sub.expire(today)
        if change is None:
            continue
        _store(row, change.subscription)
        last_day = sub.end_date or sub.valid_until or today
        await add_event(
            session,
            SubscriptionEnded(
                subscription_id=sub.subscription_id,
                member_id=sub.member_id,
                ended_on=last_day,
                reason="cancelled" if sub.cancelled_on else "expired",
            ),
            studio_id=studio_id,
        )
        ended += 1
    return ended


async def list_member_subscriptions(
    session: AsyncSession, studio_id: uuid.UUID, member_id: uuid.UUID
) -> list[SubscriptionRow]:
    # An empty list would tell apart "no subscriptions yet" from "no such member here": an unknown id is 404.
    await members.get_member(session, studio_id, member_id)
    statement = (
        select(SubscriptionRow)
        .where(SubscriptionRow.studio_id == studio_id, SubscriptionRow.member_id == member_id)
        .order_by(SubscriptionRow.start_date)
    )
    return list((await session.execute(statement)).scalars())
