"""A member's account in one studio: entitlements, bookings and the credit moves between them.

Every credit move goes through this class so each one leaves a user-log entry with the actor and reason.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime

from gymloop_kit.errors import AppError, InvalidInput

from gymloop_bookings.domain.actors import Actor
from gymloop_bookings.domain.bookings import COUNTS_FOR_WEEK, Booking
from gymloop_bookings.domain.entitlements import Entitlement, SubscriptionFact
from gymloop_bookings.domain.user_log import LogReason, UserLogEntry

# Most telling refusal first, when no subscription can pay: the member learns what to fix.
_REFUSAL_PRIORITY = (
    "subscription_paused",
    "weekly_limit_reached",
    "no_credits_left",
    "subscription_ended",
    "no_entitlement",
)


@dataclass(slots=True)
class MemberAccount:
    studio_id: uuid.UUID
    member_id: uuid.UUID
    entitlements: dict[uuid.UUID, Entitlement] = field(default_factory=dict)
    # The member's bookings the rules need: at least the active ones and those in the weeks concerned.
    bookings: list[Booking] = field(default_factory=list)
    # New user-log entries since the account was loaded; the use case stores and clears them.
    log: list[UserLogEntry] = field(default_factory=list)

    # --- billing facts -------------------------------------------------------------------------------

    def apply_fact(self, fact: SubscriptionFact, at: datetime) -> bool:
        """Apply billing's terms; returns False when the fact is stale (older or equal sequence)."""
        if fact.studio_id != self.studio_id or fact.member_id != self.member_id:
            raise InvalidInput(
                f"fact for subscription {fact.subscription_id} belongs to another studio or member",
                code="fact_for_other_member",
                field="member_id",
            )
        entitlement = self.entitlements.get(fact.subscription_id)
        if entitlement is None:
            entitlement = Entitlement.from_fact(fact)
            self.entitlements[fact.subscription_id] = entitlement
        elif fact.sequence <= entitlement.sequence:
            return False
        entitlement.adopt_terms(fact)
        if entitlement.is_pack:
            difference = fact.credits_total - entitlement.credits.granted
            if difference > 0:
                entitlement.credits = entitlement.credits.grant(difference)
                reason = LogReason.RENEWED if fact.renewal else LogReason.GRANTED
                self._record(entitlement, reason, difference, Actor.system(), at)
            elif difference < 0:
                before = entitlement.credits.left
                entitlement.credits = entitlement.credits.revoke(-difference)
                self._record(entitlement, LogReason.GRANTED, entitlement.credits.left - before, Actor.system(), at)
        return True

    def expire_lapsed(self, today: date, at: datetime) -> int:
        """Move unused credits of lapsed packs to expired; returns how many credits expired."""
        expired = 0
        for entitlement in self.entitlements.values():
            if entitlement.is_pack and entitlement.credits.left and entitlement.lapsed_on(today):
                count = entitlement.credits.left
                entitlement.credits = entitlement.credits.expire_left()
                self._record(entitlement, LogReason.EXPIRED, -count, Actor.system(), at)
                expired += count
        return expired

    # --- questions -----------------------------------------------------------------------------------

    def available_credits(self, today: date) -> int:
        """Credits the member can still use (what the app shows as 'sessions left')."""
        return sum(e.credits.left for e in self.entitlements.values() if e.is_pack and not e.lapsed_on(today))

    def active_sign_ups(self, now: datetime) -> list[Booking]:
        """Booked and not yet taken place (seed 002)."""
        return [b for b in self.bookings if b.is_upcoming(now)]

    def active_booking_for(self, session_id: uuid.UUID) -> Booking | None:
        return next((b for b in self.bookings if b.session_id == session_id and b.is_active), None)

    def overlapping_booking(self, starts_at: datetime, ends_at: datetime) -> Booking | None:
        return next((b for b in self.bookings if b.is_active and b.overlaps(starts_at, ends_at)), None)

    def bookings_in_week(self, subscription_id: uuid.UUID, day: date) -> int:
        week = day.isocalendar()[:2]
        return sum(
            1
            for b in self.bookings
            if b.subscription_id == subscription_id
            and b.status in COUNTS_FOR_WEEK
            and b.session_local_date.isocalendar()[:2] == week
        )

    def choose_payer(self, session_day: date, today: date) -> Entitlement:
        """The subscription that pays for a session on `session_day`: the usable one expiring first."""
        refusals: list[AppError] = []
        for entitlement in sorted(self.entitlements.values(), key=Entitlement.expiry_order):
            if entitlement.lapsed_on(today):
                refusals.append(
                    InvalidInput(
                        f"the subscription {entitlement.subscription_id} has run out: renew it to book",
                        code="subscription_ended",
                        field="subscription_id",
                    )
                )
                continue
            in_week = self.bookings_in_week(entitlement.subscription_id, session_day)
            refusal = entitlement.refusal_for(session_day, in_week)
            if refusal is None:
                return entitlement
            refusals.append(refusal)
        if not refusals:
            raise InvalidInput(
                "the member has no subscription or pack in this studio: sell one before booking",
                code="no_entitlement",
                field="member_id",
            )
        refusals.sort(key=lambda r: _REFUSAL_PRIORITY.index(r.code))
        raise refusals[0]

    # --- credit moves (each logged) ------------------------------------------------------------------

    def charge(self, booking: Booking, reason: LogReason, actor: Actor, at: datetime, note: str | None = None) -> None:
        entitlement = self.entitlements[booking.subscription_id]
        if booking.charged_credit:
            entitlement.credits = entitlement.credits.hold()
        self.bookings.append(booking)
        self._record(entitlement, reason, -1 if booking.charged_credit else 0, actor, at, booking, note)

    def give_back(self, booking: Booking, reason: LogReason, actor: Actor, at: datetime, today: date) -> None:
        """Return the booking's credit; if the pack has lapsed meanwhile, it expires right away."""
        entitlement = self.entitlements[booking.subscription_id]
        if not booking.charged_credit:
            self._record(entitlement, reason, 0, actor, at, booking)
            return
        entitlement.credits = entitlement.credits.release()
        self._record(entitlement, reason, +1, actor, at, booking)
        if entitlement.lapsed_on(today):
            count = entitlement.credits.left
            entitlement.credits = entitlement.credits.expire_left()
            self._record(entitlement, LogReason.EXPIRED, -count, Actor.system(), at)

    def forfeit(self, booking: Booking, actor: Actor, at: datetime) -> None:
        entitlement = self.entitlements[booking.subscription_id]
        if booking.charged_credit:
            entitlement.credits = entitlement.credits.forfeit()
        self._record(entitlement, LogReason.LATE_CANCEL_FORFEIT, 0, actor, at, booking)

    def consume(self, booking: Booking, at: datetime) -> None:
        entitlement = self.entitlements[booking.subscription_id]
        if booking.charged_credit:
            entitlement.credits = entitlement.credits.consume()
        reason = LogReason.NO_SHOW if booking.no_show else LogReason.ATTENDED
        self._record(entitlement, reason, 0, Actor.system(), at, booking)

    def _record(
        self,
        entitlement: Entitlement,
        reason: LogReason,
        change: int,
        actor: Actor,
        at: datetime,
        booking: Booking | None = None,
        note: str | None = None,
    ) -> None:
        self.log.append(
            UserLogEntry(
                studio_id=self.studio_id,
                member_id=self.member_id,
                subscription_id=entitlement.subscription_id,
                at=at,
                actor=actor,
                reason=reason,
                change=change,
                available_after=entitlement.credits.left if entitlement.is_pack else None,
                session_id=booking.session_id if booking else None,
                booking_id=booking.booking_id if booking else None,
                note=note,
            )
        )
