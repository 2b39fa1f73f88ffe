"""Signing up and signing out: the checks, the credit charged at sign-up and returned at sign-out."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from gymloop_kit.errors import Conflict, Forbidden, InvalidInput, NotFound

from gymloop_bookings.domain.accounts import MemberAccount
from gymloop_bookings.domain.actors import Actor, ActorRole
from gymloop_bookings.domain.bookings import Booking, BookingStatus
from gymloop_bookings.domain.entitlements import Entitlement
from gymloop_bookings.domain.events import BookingCancelled, SessionBooked
from gymloop_bookings.domain.payment_standing import PAID_UP, PaymentStanding, staff_override
from gymloop_bookings.domain.policy import BookingPolicy
from gymloop_bookings.domain.roster import SessionRoster
from gymloop_bookings.domain.user_log import LogReason
from gymloop_bookings.domain.waitlist import WaitlistEntry

IdFactory = Callable[[], uuid.UUID]


@dataclass(frozen=True, slots=True)
class SignUpResult:
    """Either a booking or, when the session was full, a waitlist entry."""

    booking: Booking | None = None
    waitlist_entry: WaitlistEntry | None = None

    @property
    def waitlisted(self) -> bool:
        return self.waitlist_entry is not None


def sign_up(
    roster: SessionRoster,
    account: MemberAccount,
    policy: BookingPolicy,
    actor: Actor,
    now: datetime,
    new_id: IdFactory = uuid.uuid4,
    *,
    standing: PaymentStanding = PAID_UP,
    reason: str | None = None,
) -> SignUpResult:
    """Book the member, or put them on the waitlist when full. An AppError (the kit's) means nothing changed.
    A member whose overdue payments block booking is refused; staff book them with a `reason` for the user log."""
    session = roster.session
    _require_may_act_for(actor, account)
    _require_same_studio(roster, account)
    require_bookable(roster, now)
    if account.active_booking_for(session.session_id) is not None:
        raise Conflict("the member is already signed up for this session", code="already_booked", field="session_id")
    if roster.waiting_entry_for(account.member_id) is not None:
        raise Conflict(
            "the member is already on the waitlist of this session", code="already_waitlisted", field="session_id"
        )
    exception = staff_override(standing, actor, reason)
    _require_inside_window(roster, policy, actor, now)
    payer = check_can_take_place(roster, account, policy, now)
    if roster.free_places < 1:
        if not policy.waitlist_enabled:
            raise Conflict("the session is full: choose another session", code="session_full", field="session_id")
        if now > session.starts_at - policy.waitlist_cutoff:
            raise Conflict(
                "the session is full and its waitlist has closed: choose another session",
                code="session_full",
                field="session_id",
            )
        return SignUpResult(waitlist_entry=roster.add_to_waitlist(account.member_id, actor, now, new_id()))
    if exception is None:
        return SignUpResult(booking=book(roster, account, payer, policy, actor, now, new_id(), LogReason.SIGNED_UP))
    booking = book(
        roster, account, payer, policy, actor, now, new_id(), LogReason.SIGNED_UP_WHILE_OVERDUE, note=exception
    )
    return SignUpResult(booking=booking)


def sign_out(
    roster: SessionRoster,
    account: MemberAccount,
    policy: BookingPolicy,
    actor: Actor,
    now: datetime,
) -> Booking:
    """Cancel the member's booking. Before the cutoff the credit comes back; after it, it may be forfeited.

    The freed place is offered to the waitlist by `promote_waitlist`, which the use case calls next.
    """
    _require_may_act_for(actor, account)
    session = roster.session
    booking = account.active_booking_for(session.session_id)
    if booking is None:
        entry = roster.waiting_entry_for(account.member_id)
        if entry is not None:
            raise Conflict(
                "the member is on the waitlist, not booked: leave the waitlist instead", code="only_waitlisted"
            )
        raise Conflict("the member is not signed up for this session", code="not_booked", field="session_id")
    if now >= session.starts_at:
        raise Conflict(
            "the session has started: signing out is no longer possible", code="session_started", field="session_id"
        )
    # A member who booked before staff moved the session did not choose its new time: no late-cancel rule.
    late = now > session.starts_at - policy.cancellation_cutoff and not session.moved_after(booking.booked_at)
    forfeits = late and policy.late_cancel_forfeits
    booking.cancelled_at = now
    booking.cancelled_by = actor
    if forfeits:
        booking.status = BookingStatus.LATE_CANCELLED
        account.forfeit(booking, actor, now)
    else:
        booking.status = BookingStatus.SIGNED_OUT
        account.give_back(booking, LogReason.SIGNED_OUT, actor, now, policy.today(now))
    roster.events.append(
        BookingCancelled(
            booking_id=booking.booking_id,
            session_id=session.session_id,
            studio_id=session.studio_id,
            member_id=account.member_id,
            cancelled_by=actor.actor_id,
            late=late,
            credit_returned=booking.charged_credit and not forfeits,
        )
    )
    return booking


def require_bookable(roster: SessionRoster, now: datetime) -> None:
    session = roster.session
    if session.is_cancelled:
        raise Conflict("the session was cancelled: choose another one", code="session_cancelled", field="session_id")
    if session.has_ended or now >= session.starts_at:
        raise InvalidInput(
            "the session has already started or taken place: choose a later one",
            code="session_in_past",
            field="session_id",
        )


def check_can_take_place(
    roster: SessionRoster, account: MemberAccount, policy: BookingPolicy, now: datetime
) -> Entitlement:
    """Checks shared by sign-up and waitlist promotion; returns the subscription that pays."""
    session = roster.session
    clash = account.overlapping_booking(session.starts_at, session.ends_at)
    if clash is not None:
        local = clash.session_starts_at.astimezone(policy.zone).strftime("%Y-%m-%d %H:%M")
        raise Conflict(
            f"the member is already booked for another session at {local}: sign out of that one first",
            code="overlapping_booking",
            field="session_id",
        )
    return account.choose_payer(policy.local_date(session.starts_at), policy.today(now))


def book(
    roster: SessionRoster,
    account: MemberAccount,
    payer: Entitlement,
    policy: BookingPolicy,
    actor: Actor,
    now: datetime,
    booking_id: uuid.UUID,
    reason: LogReason,
    note: str | None = None,
) -> Booking:
    session = roster.session
    if roster.free_places < 1:  # callers check first; this guards the no-overbooking rule itself
        raise Conflict("the session is full: choose another session", code="session_full", field="session_id")
    booking = Booking(
        booking_id=booking_id,
        studio_id=session.studio_id,
        session_id=session.session_id,
        member_id=account.member_id,
        subscription_id=payer.subscription_id,
        charged_credit=payer.is_pack,
        session_starts_at=session.starts_at,
        session_ends_at=session.ends_at,
        session_local_date=policy.local_date(session.starts_at),
        booked_at=now,
        booked_by=actor,
    )
    roster.bookings.append(booking)
    account.charge(booking, reason, actor, now, note)
    roster.events.append(
        SessionBooked(
            booking_id=booking.booking_id,
            session_id=session.session_id,
            studio_id=session.studio_id,
            member_id=account.member_id,
            subscription_id=payer.subscription_id,
            starts_at=session.starts_at,
            ends_at=session.ends_at,
            booked_by=actor.actor_id,
            credits_charged=1 if payer.is_pack else 0,
            via_waitlist=reason is LogReason.PROMOTED,
        )
    )
    return booking


def _require_may_act_for(actor: Actor, account: MemberAccount) -> None:
    if actor.role is ActorRole.MEMBER and actor.actor_id != account.member_id:
        raise Forbidden("members can only sign themselves up or out", code="not_allowed", field="member_id")


def _require_same_studio(roster: SessionRoster, account: MemberAccount) -> None:
    if roster.session.studio_id != account.studio_id:
        raise NotFound("session not found", code="session_not_found", field="session_id")


def _require_inside_window(roster: SessionRoster, policy: BookingPolicy, actor: Actor, now: datetime) -> None:
    if actor.is_staff and policy.staff_may_book_beyond_window:
        return
    opens_at = roster.session.starts_at - policy.booking_window
    if now < opens_at:
        local = opens_at.astimezone(policy.zone).strftime("%Y-%m-%d %H:%M")
        raise InvalidInput(
            f"booking for this session opens at {local}: sign up from then on",
            code="outside_booking_window",
            field="session_id",
        )
