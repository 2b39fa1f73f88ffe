"""Payment state and current plans of many members in one call, for the gateway's dashboard and members report."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated, TypeAlias

from fastapi import APIRouter, Query
from gymloop_kit.app import Session
from gymloop_kit.auth import Staff
from gymloop_kit.bounds import NonNegativeInt32
from gymloop_kit.errors import InvalidInput
from gymloop_kit.http.pagination import Page
from pydantic import BaseModel, Field

from gymloop_billing.domain.retry_policy import may_book
from gymloop_billing.service import billing_summaries, studio

router = APIRouter(tags=["payments"])

MAX_IDS = 500


class CurrentPlanOut(BaseModel):
    subscription_id: uuid.UUID
    plan_id: uuid.UUID
    plan_name: str
    plan_kind: str
    status: str = Field(description="active or paused")
    valid_until: date | None


class BillingSummaryOut(BaseModel):
    member_id: uuid.UUID
    payment_state: str = Field(description="ok or overdue")
    failed_attempts: int
    may_book: bool
    plans: list[CurrentPlanOut] = Field(description="The member's active and paused subscriptions, oldest first")


BillingSummaryPage: TypeAlias = Page[BillingSummaryOut]


@router.get(
    "/member-billing",
    operation_id="listMemberBilling",
    summary="Payment state and current plans of many members at once (staff)",
    response_model=BillingSummaryPage,
)
async def list_member_billing(
    principal: Staff,
    session: Session,
    member_id: Annotated[
        list[uuid.UUID] | None, Query(description=f"The members to show (up to {MAX_IDS}); omit for all")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[NonNegativeInt32, Query()] = 0,
) -> BillingSummaryPage:
    """Staff only. For each member (the ones named, else every member of the studio, ordered by id): ok or overdue,
    failed attempts, whether that still lets them book, and their active and paused subscriptions with the plan.
    One page (limit, offset) with the total count."""
    if member_id and len(member_id) > MAX_IDS:
        raise InvalidInput(f"at most {MAX_IDS} member ids per call", code="too_many_ids", field="member_id")
    found, total = await billing_summaries.member_billing_page(
        session, principal.studio_id, member_id or [], limit, offset
    )
    settings = await studio.get_settings(session, principal.studio_id)
    return BillingSummaryPage(
        items=[
            BillingSummaryOut(
                member_id=m.member_id,
                payment_state=m.payment_state.value,
                failed_attempts=m.failed_attempts,
                may_book=may_book(m.payment_state, settings.overdue_members_may_book),
                plans=[CurrentPlanOut.model_validate(p, from_attributes=True) for p in m.plans],
            )
            for m in found
        ],
        total=total,
        limit=limit,
        offset=offset,
    )
