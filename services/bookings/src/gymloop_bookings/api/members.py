"""A member's account (credits, active sign-ups), user log, bookings, waitlist places and iCalendar feed."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Response
from gymloop_kit.app import Session
from gymloop_kit.auth import AnyUser
from gymloop_kit.errors import NotFound
from gymloop_kit.http.links import Links
from gymloop_kit.http.pagination import Page, Paging
from pydantic import BaseModel, Field

from gymloop_bookings.api.schemas import (
    AccountOut,
    BookingOut,
    EntitlementOut,
    LogEntryOut,
    WaitlistPlaceOut,
    shown_status,
)
from gymloop_bookings.db.models import BookingRow, MemberRow
from gymloop_bookings.service import calendar_feeds, views
from gymloop_bookings.service.actors import member_in_question
from gymloop_bookings.service.outcomes import not_found

router = APIRouter(tags=["members"])


async def member_of_studio(principal: AnyUser, session: Session, member_id: uuid.UUID) -> uuid.UUID:
    member_id = member_in_question(principal, member_id)
    if await session.get(MemberRow, (principal.studio_id, member_id)) is None:
        raise not_found("member", "member_id")
    return member_id


@router.get(
    "/members/{member_id}/account",
    operation_id="getMemberAccount",
    summary="Credits left, active sign-ups and entitlements",
    response_model=AccountOut,
)
async def get_account(member_id: uuid.UUID, principal: AnyUser, session: Session) -> AccountOut:
    """Staff read any member of their studio; a member only their own (another member's answers 404). Credits left
    per entitlement, their validity, and the active sign-ups."""
    member_id = await member_of_studio(principal, session, member_id)
    account = await views.member_account(session, principal.studio_id, member_id, datetime.now(UTC))
    return account_out(member_id, account)


def account_out(member_id: uuid.UUID, account: dict[str, Any]) -> AccountOut:
    return AccountOut(
        member_id=member_id,
        credits_left=account["credits_left"],
        active_sign_ups=account["active_sign_ups"],
        entitlements=[
            EntitlementOut(
                subscription_id=e.subscription_id,
                kind=e.kind.value,
                valid_from=e.valid_from,
                valid_until=e.valid_until,
                weekly_limit=e.weekly_limit,
                ended_on=e.ended_on,
                granted=e.credits.granted,
                left=e.credits.left,
                held=e.credits.held,
                forfeited=e.credits.forfeited,
                attended=e.credits.attended,
                expired=e.credits.expired,
            )
            for e in account["entitlements"]
        ],
    )


@router.get(
    "/members/{member_id}/log",
    operation_id="getMemberLog",
    summary="The membership user log",
    response_model=Page[LogEntryOut],
)
async def get_log(member_id: uuid.UUID, principal: AnyUser, session: Session, page: Paging) -> Page[LogEntryOut]:
    """Staff read any member of their studio; a member only their own (another member's answers 404). Every change to
    the member's credits and bookings, oldest first, with when and who made it: their name and whether it was the
    member, staff or an automatic change. A no-show has its own reason (`no_show`), apart from `attended`."""
    member_id = await member_of_studio(principal, session, member_id)
    rows, total = await views.member_log(session, principal.studio_id, member_id, page)
    return Page.of([LogEntryOut.of(row, name) for row, name in rows], total, page)


def booking_out(row: BookingRow) -> BookingOut:
    return BookingOut(
        id=row.id,
        session_id=row.session_id,
        member_id=row.member_id,
        subscription_id=row.subscription_id,
        status=shown_status(row.status, row.no_show),
        charged_credit=row.charged_credit,
        session_starts_at=row.session_starts_at,
        booked_at=row.booked_at,
        checked_in_at=row.checked_in_at,
        marked_present=row.marked_present,
        no_show=row.no_show,
    )


@router.get(
    "/members/{member_id}/bookings",
    operation_id="listMemberBookings",
    summary="The member's bookings",
    response_model=Page[BookingOut],
)
async def get_bookings(member_id: uuid.UUID, principal: AnyUser, session: Session, page: Paging) -> Page[BookingOut]:
    """Staff read any member of their studio; a member only their own (another member's answers 404). Every booking
    with its session and state, by session start."""
    member_id = await member_of_studio(principal, session, member_id)
    rows, total = await views.member_bookings_page(session, principal.studio_id, member_id, page)
    return Page.of([booking_out(r) for r in rows], total, page)


@router.get(
    "/members/{member_id}/waitlist",
    operation_id="listMemberWaitlist",
    summary="The sessions the member waits for, with their place in line",
    response_model=list[WaitlistPlaceOut],
)
async def get_waitlist(member_id: uuid.UUID, principal: AnyUser, session: Session) -> list[WaitlistPlaceOut]:
    """Staff read any member of their studio; a member only their own (another member's answers 404). Every session
    the member is still waiting for, by start, with their place in line now (1 = the next to move in)."""
    member_id = await member_of_studio(principal, session, member_id)
    return [WaitlistPlaceOut(**p) for p in await views.member_waitlist(session, principal.studio_id, member_id)]


@router.get(
    "/members/{member_id}/calendar.ics",
    operation_id="getMemberCalendar",
    summary="The member's bookings as an iCalendar feed",
    response_class=Response,
)
async def get_calendar(member_id: uuid.UUID, principal: AnyUser, session: Session) -> Response:
    """Staff read any member of their studio; a member only their own (another member's answers 404). The member's
    booked sessions as an iCalendar (text/calendar) feed for a calendar app."""
    member_id = await member_of_studio(principal, session, member_id)
    feed = await views.member_ical(session, principal.studio_id, member_id, datetime.now(UTC))
    return Response(feed, media_type="text/calendar; charset=utf-8")


class CalendarFeedOut(BaseModel):
    url: str = Field(
        description="The secret feed address (a path of the public base URL) for a calendar app; shown only now"
    )


@router.post(
    "/members/{member_id}/calendar-feed",
    operation_id="rotateMemberCalendarFeed",
    summary="Make (or rotate) the member's secret calendar feed address",
    response_model=CalendarFeedOut,
    status_code=201,
)
async def post_calendar_feed(
    member_id: uuid.UUID, principal: AnyUser, session: Session, links: Links
) -> CalendarFeedOut:
    """Staff for any member of their studio; a member only for themself (another member's answers 404). A new
    secret address that calendar apps fetch without a token; the previous one stops working."""
    member_id = await member_of_studio(principal, session, member_id)
    token = await calendar_feeds.rotate(session, principal.studio_id, member_id, datetime.now(UTC))
    return CalendarFeedOut(url=links.to(f"/calendar-feeds/{token}.ics"))


@router.delete(
    "/members/{member_id}/calendar-feed",
    operation_id="revokeMemberCalendarFeed",
    summary="Revoke the member's secret calendar feed address",
    status_code=204,
)
async def delete_calendar_feed(member_id: uuid.UUID, principal: AnyUser, session: Session) -> Response:
    """Staff for any member of their studio; a member only for themself. The address stops working; fine when
    there is none."""
    member_id = await member_of_studio(principal, session, member_id)
    await calendar_feeds.revoke(session, principal.studio_id, member_id)
    return Response(status_code=204)


@router.get(
    "/calendar-feeds/{token}.ics",
    operation_id="getCalendarFeed",
    summary="A member's bookings as an iCalendar feed at their secret address (no login)",
    response_class=Response,
    responses={404: {"description": "Unknown, rotated or revoked address"}},
)
async def get_calendar_feed(token: str, session: Session) -> Response:
    """Public: the secret token in the address is the credential. The member's booked sessions as text/calendar."""
    owner = await calendar_feeds.owner_of(session, token)
    if owner is None:
        raise NotFound("this calendar address is not valid (rotated or revoked?)", code="calendar_feed_not_found")
    studio_id, member_id = owner
    feed = await views.member_ical(session, studio_id, member_id, datetime.now(UTC))
    return Response(feed, media_type="text/calendar; charset=utf-8")
