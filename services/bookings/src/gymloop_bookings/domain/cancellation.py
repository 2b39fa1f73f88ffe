"""The studio cancels a session: everyone booked gets their credit back and the waitlist closes."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime

from gymloop_kit.errors import Conflict, Forbidden

from gymloop_bookings.domain.accounts import MemberAccount
from gymloop_bookings.domain.actors import Actor
from gymloop_bookings.domain.bookings import Booking, BookingStatus
from gymloop_bookings.domain.events import BookingCancelled, SessionCancelled
from gymloop_bookings.domain.policy import BookingPolicy
from gymloop_bookings.domain.roster import SessionRoster
from gymloop_bookings.domain.sessions import SessionStatus
from gymloop_bookings.domain.user_log import LogReason
from gymloop_bookings.domain.waitlist import WaitlistStatus


def cancel_session(
    roster: SessionRoster,
    accounts: Mapping[uuid.UUID, MemberAccount],
    policy: BookingPolicy,
    actor: Actor,
    now: datetime,
    reason: str | None = None,
) -> list[Booking]:
    """Cancel the session and refund every active booking; returns the refunded bookings.

    `accounts` must hold the account of every booked member.
    """
    session = roster.session
    if not actor.is_staff:
        raise Forbidden("only staff can cancel a session", code="not_allowed", field="session_id")
    if session.is_cancelled:
        raise Conflict("the session is already cancelled", code="session_cancelled", field="session_id")
    if session.has_ended:
        raise Conflict("the session has already taken place", code="session_ended", field="session_id")
    refunded = roster.active_bookings
    missing = [b.member_id for b in refunded if b.member_id not in accounts]
    if missing:
        raise KeyError(f"accounts missing for booked members {missing}")
    today = policy.today(now)
    for booking in refunded:
        booking.status = BookingStatus.SESSION_CANCELLED
        booking.cancelled_at = now
        booking.cancelled_by = actor
        accounts[booking.member_id].give_back(booking, LogReason.SESSION_CANCELLED_REFUND, actor, now, today)
        roster.events.append(
            BookingCancelled(
                booking_id=booking.booking_id,
                session_id=session.session_id,
                studio_id=session.studio_id,
                member_id=booking.member_id,
                cancelled_by=actor.actor_id,
                late=False,
                credit_returned=booking.charged_credit,
            )
        )
    for entry in roster.waiting:
        entry.status = WaitlistStatus.CLOSED
        entry.decided_at = now
    session.status = SessionStatus.CANCELLED
    roster.events.append(
        SessionCancelled(
            session_id=session.session_id,
            studio_id=session.studio_id,
            starts_at=session.starts_at,
            reason=reason,
            refunded_member_ids=tuple(b.member_id for b in refunded),
            session_type_id=session.session_type_id,
        )
    )
    return refunded
