"""Waitlist promotion: when a place frees up, waiting members move in first come, first served."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Mapping
from datetime import datetime

from gymloop_kit.errors import AppError, Conflict

from gymloop_bookings.domain.accounts import MemberAccount
from gymloop_bookings.domain.actors import Actor
from gymloop_bookings.domain.bookings import Booking
from gymloop_bookings.domain.events import WaitlistSkipped
from gymloop_bookings.domain.policy import BookingPolicy
from gymloop_bookings.domain.roster import SessionRoster
from gymloop_bookings.domain.signup import IdFactory, book, check_can_take_place
from gymloop_bookings.domain.user_log import LogReason
from gymloop_bookings.domain.waitlist import WaitlistStatus

OVERDUE_SKIP_REASON = "your payments are overdue, so the free place went to the next member: pay the open amount"


def promotion_open(roster: SessionRoster, policy: BookingPolicy, now: datetime) -> bool:
    session = roster.session
    if session.is_cancelled or session.has_ended or not policy.waitlist_enabled:
        return False
    return now <= session.starts_at - policy.waitlist_cutoff


def promote_waitlist(
    roster: SessionRoster,
    accounts: Mapping[uuid.UUID, MemberAccount],
    policy: BookingPolicy,
    now: datetime,
    new_id: IdFactory = uuid.uuid4,
    blocked_by_payments: Collection[uuid.UUID] = frozenset(),
) -> list[Booking]:
    """Fill free places from the waitlist, charging each promoted member at promotion.

    `accounts` must hold the account of every waiting member. Members who can no longer pay (or now
    overlap another booking) are skipped and stay on the list with the reason, and so are those in
    `blocked_by_payments` (overdue in a studio that does not let overdue members book): the place goes to the
    next member in good standing.
    """
    if not promotion_open(roster, policy, now):
        return []
    promoted: list[Booking] = []
    for entry in roster.waiting:
        if roster.free_places < 1:
            break
        account = accounts[entry.member_id]
        try:
            if entry.member_id in blocked_by_payments:
                raise Conflict(OVERDUE_SKIP_REASON, code="payment_overdue", field="member_id")
            payer = check_can_take_place(roster, account, policy, now)
        except AppError as refusal:
            entry.status = WaitlistStatus.SKIPPED
            entry.skip_code = refusal.code
            entry.skip_reason = refusal.message
            entry.decided_at = now
            roster.events.append(
                WaitlistSkipped(
                    entry_id=entry.entry_id,
                    session_id=roster.session.session_id,
                    studio_id=roster.session.studio_id,
                    member_id=entry.member_id,
                    code=refusal.code,
                    reason=refusal.message,
                )
            )
            continue
        booking = book(roster, account, payer, policy, Actor.system(), now, new_id(), LogReason.PROMOTED)
        entry.status = WaitlistStatus.PROMOTED
        entry.booking_id = booking.booking_id
        entry.decided_at = now
        promoted.append(booking)
    return promoted


def leave_waitlist(roster: SessionRoster, member_id: uuid.UUID, now: datetime) -> None:
    entry = roster.waiting_entry_for(member_id)
    if entry is None:
        raise Conflict("the member is not on the waitlist of this session", code="not_waitlisted", field="member_id")
    entry.status = WaitlistStatus.LEFT
    entry.decided_at = now
