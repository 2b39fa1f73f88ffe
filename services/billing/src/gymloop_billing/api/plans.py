"""Plans (subscription types)."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Literal

from fastapi import APIRouter
from gymloop_kit.app import Session
from gymloop_kit.auth import Admin, AnyUser
from gymloop_kit.bounds import Int32
from gymloop_kit.errors import NotFound
from pydantic import BaseModel, ConfigDict, Field

from gymloop_billing.db.models import PlanRow
from gymloop_billing.service import plans

router = APIRouter(tags=["plans"])


# Days after purchase: added to dates, so bounded well inside the calendar (the domain checks >= 1).
MAX_VALID_DAYS = 100 * 366


class PlanIn(BaseModel):
    name: str
    kind: Literal["session_pack", "unlimited"]
    price_cents: Int32
    currency: str = "EUR"
    period: Literal["one_off", "monthly", "yearly"]
    visible: bool = True
    free: bool = False
    sessions: Int32 | None = None
    valid_days: int | None = Field(default=None, le=MAX_VALID_DAYS)
    valid_until: date | None = None
    weekly_limit: Int32 | None = None


class PlanOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    name: str
    kind: str
    price_cents: int
    currency: str
    period: str
    visible: bool
    free: bool
    sessions: int | None
    valid_days: int | None
    valid_until: date | None
    weekly_limit: int | None
    active: bool


class PublicPlanOut(BaseModel):
    """A plan as a studio's public page offers it: what it costs and what it entitles to."""

    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    name: str
    kind: str
    price_cents: int
    currency: str
    period: str = Field(description="one_off, monthly or yearly")
    free: bool
    sessions: int | None = Field(description="Sessions in a pack")
    valid_days: int | None = Field(description="Days a pack is valid from its purchase")
    valid_until: date | None = Field(description="The last day a pack is valid, when it has a fixed end")
    weekly_limit: int | None = Field(description="Sessions per week at most")


class ActiveIn(BaseModel):
    active: bool


def _input(body: PlanIn) -> plans.PlanInput:
    return plans.PlanInput(**body.model_dump())


def _out(row: PlanRow) -> PlanOut:
    return PlanOut.model_validate(row)


@router.post("/plans", status_code=201, summary="Create a plan (admin); publishes PlanPublished")
async def create_plan(body: PlanIn, principal: Admin, session: Session) -> PlanOut:
    """Admins only. A plan sets the price, the period and what it entitles to; the bookings service follows it from
    PlanPublished."""
    return _out(await plans.create_plan(session, principal.studio_id, _input(body)))


@router.put("/plans/{plan_id}", summary="Change a plan (admin); publishes PlanPublished")
async def update_plan(plan_id: uuid.UUID, body: PlanIn, principal: Admin, session: Session) -> PlanOut:
    """Admins only. Replaces the plan's terms. Publishes PlanPublished."""
    return _out(await plans.update_plan(session, principal.studio_id, plan_id, _input(body)))


@router.put("/plans/{plan_id}/active", operation_id="setPlanActive", summary="Offer or withdraw a plan (admin)")
async def set_active(plan_id: uuid.UUID, body: ActiveIn, principal: Admin, session: Session) -> PlanOut:
    """Admins only. A withdrawn plan can no longer be started."""
    return _out(await plans.set_plan_active(session, principal.studio_id, plan_id, body.active))


@router.get("/plans", summary="Plans of the studio (members see visible, active plans only)")
async def list_plans(principal: AnyUser, session: Session) -> list[PlanOut]:
    """Staff see every plan; members only the visible, active ones."""
    rows = await plans.list_plans(session, principal.studio_id, member_view=not principal.is_staff)
    return [_out(row) for row in rows]


@router.get("/plans/{plan_id}", summary="One plan")
async def get_plan(plan_id: uuid.UUID, principal: AnyUser, session: Session) -> PlanOut:
    """Staff read any plan of the studio; a member only a visible, active one (others answer 404)."""
    row = await plans.get_plan_row(session, principal.studio_id, plan_id)
    if not principal.is_staff and not (row.visible and row.active):
        raise NotFound("plan not found")
    return _out(row)


@router.get(
    "/public/studios/{studio_id}/plans",
    operation_id="listPublicPlans",
    summary="The plans a studio offers on its public page: visible and active, with price and terms (no login)",
)
async def list_public_plans(studio_id: uuid.UUID, session: Session) -> list[PublicPlanOut]:
    """Public: the plans a member could choose, as the app sells them (visible and active only), by name; a studio
    billing does not know has none. Nothing about members or payments."""
    rows = await plans.list_plans(session, studio_id, member_view=True)
    return [PublicPlanOut.model_validate(row) for row in rows]
