"""Payment state and current plans of many members at once (dashboards, reports): a few queries per page."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from gymloop_kit.id_pages import id_page
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from gymloop_billing.db.models import MemberPaymentStateRow, MemberRow, PlanRow, SubscriptionRow
from gymloop_billing.domain.retry_policy import PaymentState
from gymloop_billing.domain.subscriptions import SubscriptionStatus

CURRENT = (SubscriptionStatus.ACTIVE.value, SubscriptionStatus.PAUSED.value)


@dataclass(frozen=True, slots=True)
class CurrentPlan:
    subscription_id: uuid.UUID
    plan_id: uuid.UUID
    plan_name: str
    plan_kind: str
    status: str
    valid_until: date | None


@dataclass(frozen=True, slots=True)
class MemberBilling:
    member_id: uuid.UUID
    payment_state: PaymentState
    failed_attempts: int
    plans: list[CurrentPlan] = field(default_factory=list)


async def member_billing_page(
    db: AsyncSession, studio_id: uuid.UUID, member_ids: Sequence[uuid.UUID], limit: int, offset: int
) -> tuple[list[MemberBilling], int]:
    """The given members, or every member billing knows in the studio, ordered by id. A member without a state row
    has had no payment trouble (a GET never writes)."""
    page_ids, total = await id_page(
        db, MemberRow.member_id, MemberRow.studio_id == studio_id, member_ids, limit, offset
    )
    if not page_ids:
        return [], total
    states = {
        row.member_id: row
        for row in (
            await db.execute(
                select(MemberPaymentStateRow).where(
                    MemberPaymentStateRow.studio_id == studio_id, MemberPaymentStateRow.member_id.in_(page_ids)
                )
            )
        ).scalars()
    }
    plans: dict[uuid.UUID, list[CurrentPlan]] = defaultdict(list)
    rows = await db.execute(
        select(SubscriptionRow, PlanRow)
        .join(PlanRow, (PlanRow.id == SubscriptionRow.plan_id) & (PlanRow.studio_id == studio_id))
        .where(
            SubscriptionRow.studio_id == studio_id,
            SubscriptionRow.member_id.in_(page_ids),
            SubscriptionRow.status.in_(CURRENT),
        )
        .order_by(SubscriptionRow.start_date, SubscriptionRow.id)
    )
    for subscription, plan in rows.tuples():
        plans[subscription.member_id].append(
            CurrentPlan(subscription.id, plan.id, plan.name, plan.kind, subscription.status, subscription.valid_until)
        )
    page = []
    for member_id in page_ids:
        state = states.get(member_id)
        page.append(
            MemberBilling(
                member_id=member_id,
                payment_state=PaymentState(state.state) if state else PaymentState.OK,
                failed_attempts=state.failed_attempts if state else 0,
                plans=plans[member_id],
            )
        )
    return page, total
