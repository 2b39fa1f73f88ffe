"""Attendance summaries of many members in one call, for the gateway's dashboard and members report."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Annotated, TypeAlias

from fastapi import APIRouter, Query
from gymloop_kit.app import Session
from gymloop_kit.auth import Staff
from gymloop_kit.bounds import NonNegativeInt32
from gymloop_kit.errors import InvalidInput
from gymloop_kit.http.pagination import Page
from pydantic import BaseModel, Field

from gymloop_bookings.service import summaries

router = APIRouter(tags=["reports"])

MAX_IDS = 500


class AttendanceSummaryOut(BaseModel):
    member_id: uuid.UUID
    last_visit: date | None = Field(description="The local day of the member's last visit (attended, not a no-show)")
    visits_4_weeks: int
    visits_12_weeks: int
    average_per_week_4_weeks: float
    average_per_week_12_weeks: float
    period_days: int
    visits_in_period: int = Field(description="Visits in the last `period_days` local days, today included")
    visits_in_previous_period: int = Field(description="Visits in the `period_days` days before those")
    no_shows_12_weeks: int
    late_cancels_12_weeks: int
    credits_left: int | None = Field(description="Credits left on valid packs; null without a valid pack")
    credits_valid_until: date | None = Field(description="The last day the first-lapsing of those packs is valid")


AttendanceSummaryPage: TypeAlias = Page[AttendanceSummaryOut]


@router.get(
    "/attendance-summaries",
    operation_id="listAttendanceSummaries",
    summary="Attendance and credits of many members at once (staff)",
    response_model=AttendanceSummaryPage,
)
async def get_attendance_summaries(
    principal: Staff,
    session: Session,
    member_id: Annotated[
        list[uuid.UUID] | None, Query(description=f"The members to summarise (up to {MAX_IDS}); omit for all")
    ] = None,
    period_days: Annotated[int, Query(ge=7, le=182, description="The length of the two periods compared")] = 21,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[NonNegativeInt32, Query()] = 0,
) -> AttendanceSummaryPage:
    """Staff only. For each member (the ones named, else every member of the studio, ordered by id): the last
    visit, visits and average visits per week over the last 4 and 12 weeks, visits in the last `period_days` days
    and in the same span before (for trends), no-shows and late cancellations, and the credits left on valid packs.
    One page (limit, offset) with the total count."""
    if member_id and len(member_id) > MAX_IDS:
        raise InvalidInput(f"at most {MAX_IDS} member ids per call", code="too_many_ids", field="member_id")
    found, total = await summaries.summary_page(
        session, principal.studio_id, member_id or [], period_days, limit, offset, datetime.now(UTC)
    )
    return AttendanceSummaryPage(
        items=[AttendanceSummaryOut.model_validate(s, from_attributes=True) for s in found],
        total=total,
        limit=limit,
        offset=offset,
    )
