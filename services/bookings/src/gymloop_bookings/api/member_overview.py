"""A member's bookings side in one read (for the gateway's member overview): credits and validity, visit
statistics, past sessions (paged), upcoming bookings and waitlist places."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated, Any, TypeAlias

from fastapi import APIRouter, Query
from gymloop_kit.app import Session
from gymloop_kit.auth import AnyUser
from gymloop_kit.http.pagination import Page
from pydantic import BaseModel, Field

from gymloop_bookings.api.members import account_out, booking_out, member_of_studio
from gymloop_bookings.api.schemas import AccountOut, BookingOut, WaitlistPlaceOut
from gymloop_bookings.service import member_overview, views

router = APIRouter(tags=["members"])

MAX_PAGE = 500


class StatisticsOut(BaseModel):
    attended: int = Field(description="Sessions the member was at (on the list and there)")
    no_shows: int = Field(description="On the list but never checked in")
    late_cancels: int = Field(description="Signed out after the cutoff")
    last_visit: datetime | None = Field(description="Start of the last session the member was at")
    average_per_week_4_weeks: float = Field(description="Visits per week over the last 4 weeks")
    average_per_week_12_weeks: float = Field(description="Visits per week over the last 12 weeks")


class SessionBookingOut(BookingOut):
    session_name: str = Field(description="The session type's name")
    location_name: str
    coach_id: uuid.UUID | None


HistoryPage: TypeAlias = Page[SessionBookingOut]


class MemberBookingsOverviewOut(BaseModel):
    member_id: uuid.UUID
    account: AccountOut
    statistics: StatisticsOut
    history: HistoryPage = Field(description="Bookings of sessions that have started, the latest first")
    upcoming: list[SessionBookingOut] = Field(description="Active sign-ups for sessions to come, the soonest first")
    waitlist: list[WaitlistPlaceOut]


def _with_session(row: Any) -> SessionBookingOut:
    return SessionBookingOut(
        **booking_out(row.BookingRow).model_dump(),
        session_name=row.session_name,
        location_name=row.location_name,
        coach_id=row.coach_id,
    )


@router.get(
    "/members/{member_id}/overview",
    operation_id="getMemberBookingsOverview",
    summary="Credits, visit statistics, session history, upcoming bookings and waitlist places in one read",
    response_model=MemberBookingsOverviewOut,
)
async def get_overview(
    member_id: uuid.UUID,
    principal: AnyUser,
    session: Session,
    history_limit: Annotated[int, Query(ge=1, le=MAX_PAGE, description="Past sessions per page")] = 50,
    history_offset: Annotated[int, Query(ge=0, description="Past sessions to skip")] = 0,
) -> MemberBookingsOverviewOut:
    """Staff read any member of their studio; a member only their own (another member's answers 404). Averages
    count the visits in the last 4 and 12 weeks up to now."""
    member_id = await member_of_studio(principal, session, member_id)
    now = datetime.now(UTC)
    studio_id = principal.studio_id
    entitlements, credits_left = await views.member_entitlements(session, studio_id, member_id, now)
    statistics, past_total = await member_overview.member_statistics(session, studio_id, member_id, now)
    past = await member_overview.session_history(
        session, studio_id, member_id, now, limit=history_limit, offset=history_offset
    )
    upcoming = await member_overview.upcoming_bookings(session, studio_id, member_id, now)
    waiting = await views.member_waitlist(session, studio_id, member_id)
    account = {"credits_left": credits_left, "active_sign_ups": len(upcoming), "entitlements": entitlements}
    return MemberBookingsOverviewOut(
        member_id=member_id,
        account=account_out(member_id, account),
        statistics=StatisticsOut(**vars(statistics)),
        history=HistoryPage(
            items=[_with_session(row) for row in past], total=past_total, limit=history_limit, offset=history_offset
        ),
        upcoming=[_with_session(row) for row in upcoming],
        waitlist=[WaitlistPlaceOut(**place) for place in waiting],
    )
