"""A session's page: details, sign-up and sign-out, waitlist, cancellation, check-in and attendance."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from fastapi import APIRouter, Response
from gymloop_kit.app import Session
from gymloop_kit.auth import AnyUser, Staff
from gymloop_kit.errors import InvalidInput
from gymloop_kit.http.pagination import Page, Paging
from gymloop_kit.idempotency import Idempotency

from gymloop_bookings.api.schemas import (
    AttendanceLine,
    BookingOut,
    CancelIn,
    CancelOut,
    CapacityIn,
    MemberRef,
    MoveIn,
    SessionOut,
    SessionWaitlistOut,
    SignOutOut,
    SignUpIn,
    SignUpOut,
)
from gymloop_bookings.domain.bookings import BookingStatus
from gymloop_bookings.domain.session_moves import KEEP
from gymloop_bookings.service import booking_cases, session_moves, views
from gymloop_bookings.service.actors import actor_of, member_in_question

router = APIRouter(tags=["sessions"])


def _now() -> datetime:
    return datetime.now(UTC)


@router.get(
    "/sessions/{session_id}", summary="A session with its places and resolved description", response_model=SessionOut
)
async def get_session(session_id: uuid.UUID, principal: AnyUser, session: Session) -> SessionOut:
    """Any role. The session's time, location, type, coach, capacity, places taken and its description resolved from
    the session, day or type level."""
    detail = await views.session_detail(session, principal.studio_id, session_id)
    return SessionOut.of(
        detail["session"],
        description=detail["description"],
        booked=detail["booked"],
        free_places=detail["free_places"],
        waiting=detail["waiting"],
    )


@router.post(
    "/sessions/{session_id}/bookings",
    operation_id="signUp",
    status_code=201,
    summary="Sign up (a member for themselves, staff for a member); full sessions put the member on the waitlist",
    response_model=SignUpOut,
    responses={202: {"model": SignUpOut, "description": "Waitlisted"}},
)
async def post_booking(
    session_id: uuid.UUID, body: SignUpIn, principal: AnyUser, session: Session, idempotency: Idempotency
) -> Response:
    """Staff act for any member of their studio; a member only for themselves (another member's answers 404). Books a
        place and takes a credit when the member's entitlements allow it (422 names the refusal); when the session is
        full the member is put on the waitlist and the answer is 202. A member whose payments are overdue (and whose
        studio does not let overdue members book) is refused with 409 payment_overdue; staff book them all the same
    with a `reason`, kept in the member's user log (422 overdue_reason_required without one). A retry with the same
        Idempotency-Key gets the first answer and books nothing more."""
    if (replayed := await idempotency.replay(session)) is not None:
        return replayed
    member_id = member_in_question(principal, body.member_id)
    result = await booking_cases.sign_up_member(
        session, principal.studio_id, session_id, member_id, actor_of(principal), _now(), body.reason
    )
    if result.waitlist_entry is not None:
        waitlisted = SignUpOut(outcome="waitlisted", waitlist_position=result.waitlist_entry.position)
        return await idempotency.answer(session, waitlisted, status_code=202)
    assert result.booking is not None
    booked = SignUpOut(outcome="booked", booking=BookingOut.of(result.booking))
    return await idempotency.answer(session, booked, status_code=201)


@router.delete(
    "/sessions/{session_id}/bookings/{member_id}",
    operation_id="signOut",
    summary="Sign out; a freed place goes to the waitlist",
    response_model=SignOutOut,
)
async def delete_booking(
    session_id: uuid.UUID, member_id: uuid.UUID, principal: AnyUser, session: Session
) -> SignOutOut:
    """Staff act for any member of their studio; a member only for themselves (another member's answers 404). Gives
    the credit back unless it is a late cancellation that forfeits it; the freed place goes to the first on the
    waitlist."""
    member_id = member_in_question(principal, member_id)
    outcome = await booking_cases.sign_out_member(
        session, principal.studio_id, session_id, member_id, actor_of(principal), _now()
    )
    booking = outcome.booking
    late = booking.status is BookingStatus.LATE_CANCELLED
    return SignOutOut(
        booking=BookingOut.of(booking),
        late=late,
        credit_returned=booking.charged_credit and not late,
        promoted_member_ids=[b.member_id for b in outcome.promoted],
    )


@router.delete(
    "/sessions/{session_id}/waitlist/{member_id}",
    operation_id="leaveWaitlist",
    status_code=204,
    summary="Leave the waitlist",
)
async def delete_waitlist(session_id: uuid.UUID, member_id: uuid.UUID, principal: AnyUser, session: Session) -> None:
    """Staff act for any member of their studio; a member only for themselves (another member's answers 404)."""
    member_id = member_in_question(principal, member_id)
    await booking_cases.leave_session_waitlist(session, principal.studio_id, session_id, member_id, _now())


@router.post(
    "/sessions/{session_id}/cancel",
    operation_id="cancelSession",
    summary="Cancel the session: everyone booked is refunded",
    response_model=CancelOut,
)
async def post_cancel(session_id: uuid.UUID, body: CancelIn, principal: Staff, session: Session) -> CancelOut:
    """Staff only. Cancels the session with a reason; everyone booked gets their credit back. Answers the refunded
    members."""
    refunded = await booking_cases.cancel(
        session, principal.studio_id, session_id, actor_of(principal), _now(), body.reason
    )
    return CancelOut(refunded_member_ids=[b.member_id for b in refunded])


@router.post(
    "/sessions/{session_id}/move",
    operation_id="moveSession",
    summary="Move the session (day, start, duration, coach or location); the booked members are told",
    response_model=SessionOut,
)
async def post_move(session_id: uuid.UUID, body: MoveIn, principal: Staff, session: Session) -> SessionOut:
    """Staff only. Day and start are studio-local; a field left out stays as it is, coach_id null removes the
    coach. The members booked are told (SessionMoved, a message each) and may sign out without the late-cancel
    rule. The new start must lie after now (422 session_in_past)."""
    sent = body.model_fields_set
    if not sent:
        raise InvalidInput(
            "send at least one of day, start_time, duration_minutes, location_id, coach_id", code="nothing_to_change"
        )
    moved = await session_moves.move_session(
        session,
        principal.studio_id,
        session_id,
        actor_of(principal),
        _now(),
        day=body.day,
        start_time=body.start_time,
        duration=timedelta(minutes=body.duration_minutes) if body.duration_minutes else None,
        location_id=body.location_id,
        coach_id=body.coach_id if "coach_id" in sent else KEEP,
    )
    return SessionOut.of(moved)


@router.put(
    "/sessions/{session_id}/capacity",
    operation_id="setCapacity",
    summary="Change the number of places (never below those booked)",
    response_model=list[uuid.UUID],
)
async def put_capacity(session_id: uuid.UUID, body: CapacityIn, principal: Staff, session: Session) -> list[uuid.UUID]:
    """Staff only. Never below the places already booked; places added go to the waitlist in order. Answers the
    members promoted from it."""
    promoted = await booking_cases.change_capacity(session, principal.studio_id, session_id, body.capacity, _now())
    return [b.member_id for b in promoted]


@router.post(
    "/sessions/{session_id}/check-in",
    operation_id="checkIn",
    summary="Desk check-in (card or QR): records arrival",
    response_model=BookingOut,
)
async def post_check_in(session_id: uuid.UUID, body: MemberRef, principal: Staff, session: Session) -> BookingOut:
    """Staff only (the desk). Records the member's arrival at the session they booked."""
    booking = await booking_cases.desk_check_in(session, principal.studio_id, session_id, body.member_id, _now())
    return BookingOut.of(booking)


@router.post(
    "/sessions/{session_id}/present",
    operation_id="togglePresent",
    summary="Toggle the cosmetic 'present' button",
    response_model=BookingOut,
)
async def post_present(session_id: uuid.UUID, body: MemberRef, principal: Staff, session: Session) -> BookingOut:
    """Staff only. Toggles the 'present' mark shown on the list; it does not change attendance."""
    return BookingOut.of(await booking_cases.press_present(session, principal.studio_id, session_id, body.member_id))


@router.post(
    "/sessions/{session_id}/end",
    operation_id="endSession",
    summary="Record attendance for everyone on the list",
    response_model=list[BookingOut],
)
async def post_end(session_id: uuid.UUID, principal: Staff, session: Session) -> list[BookingOut]:
    """Staff only. Ends the session and records attendance for every active booking on its list; answers those
    bookings."""
    attendees = await booking_cases.record_attendance(session, principal.studio_id, session_id, _now())
    return [BookingOut.of(b) for b in attendees]


@router.get(
    "/sessions/{session_id}/waitlist",
    operation_id="listSessionWaitlist",
    summary="Who waits for a session, in line order",
    response_model=Page[SessionWaitlistOut],
    responses={404: {"description": "No such session in the studio (session_not_found)"}},
)
async def get_session_waitlist(
    session_id: uuid.UUID, principal: Staff, session: Session, page: Paging
) -> Page[SessionWaitlistOut]:
    """Staff only. The members still waiting for a place, the next to move in first, with their place in line and
    name, a page at a time; another studio's session answers 404."""
    waiting, total = await views.session_waitlist(session, principal.studio_id, session_id, page)
    return Page.of([SessionWaitlistOut(**entry) for entry in waiting], total, page)


@router.get(
    "/sessions/{session_id}/attendance",
    summary="The attendance list with members' tags",
    response_model=list[AttendanceLine],
)
async def get_attendance(session_id: uuid.UUID, principal: Staff, session: Session) -> list[AttendanceLine]:
    """Staff only. Every booking of the session with the member's name and tags."""
    lines = await views.attendance_list(session, principal.studio_id, session_id)
    return [AttendanceLine(booking=BookingOut.of(x["booking"]), name=x["name"], tags=x["tags"]) for x in lines]
