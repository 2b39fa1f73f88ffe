"""Entitlements: the local read model of a member's subscriptions, fed by billing facts.

A fact is the subscription's terms as of a per-subscription sequence number. Facts are applied
idempotently and in any order: a newer sequence replaces the terms, an older or equal one is ignored.
Credits are cumulative (`credits_total` = all credits billing ever granted to the subscription), so the
difference to what we already granted is exactly what a newer fact adds, whatever arrived before.
"""

from __future__ import annotations

import enum
import uuid
from dataclasses import dataclass, field
from datetime import date

from gymloop_kit.errors import AppError, InvalidInput

from gymloop_bookings.domain.credits import CreditBuckets


class EntitlementKind(enum.StrEnum):
    PACK = "pack"
    UNLIMITED = "unlimited"


@dataclass(frozen=True, slots=True)
class DatePeriod:
    """Inclusive range of studio-local dates."""

    start: date
    end: date

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise InvalidInput(
                f"period ends {self.end} before it starts {self.start}", code="period_reversed", field="end"
            )

    def contains(self, day: date) -> bool:
        return self.start <= day <= self.end


@dataclass(frozen=True, slots=True)
class SubscriptionFact:
    """The terms of one subscription after billing event number `sequence`."""

    subscription_id: uuid.UUID
    studio_id: uuid.UUID
    member_id: uuid.UUID
    sequence: int
    kind: EntitlementKind
    valid_from: date
    valid_until: date | None = None
    credits_total: int = 0
    weekly_limit: int | None = None
    paused_periods: tuple[DatePeriod, ...] = ()
    ended_on: date | None = None
    renewal: bool = False  # the fact comes from a renewal: its new credits are logged as "renewed"

    def __post_init__(self) -> None:
        if self.credits_total < 0:
            raise InvalidInput("credits_total must be 0 or more", code="credits_negative", field="credits_total")
        if self.weekly_limit is not None and self.weekly_limit < 1:
            raise InvalidInput("weekly_limit must be 1 or more", code="weekly_limit_invalid", field="weekly_limit")
        if self.valid_until is not None and self.valid_until < self.valid_from:
            raise InvalidInput("valid_until lies before valid_from", code="validity_reversed", field="valid_until")


@dataclass(slots=True)
class Entitlement:
    """One subscription as bookings sees it, with its credit buckets (packs only)."""

    subscription_id: uuid.UUID
    studio_id: uuid.UUID
    member_id: uuid.UUID
    kind: EntitlementKind
    valid_from: date
    valid_until: date | None = None
    weekly_limit: int | None = None
    paused_periods: tuple[DatePeriod, ...] = ()
    ended_on: date | None = None
    sequence: int = 0
    credits: CreditBuckets = field(default_factory=CreditBuckets)

    @classmethod
    def from_fact(cls, fact: SubscriptionFact) -> Entitlement:
        """An empty entitlement; the caller grants the fact's credits so the grant is logged."""
        return cls(
            subscription_id=fact.subscription_id,
            studio_id=fact.studio_id,
            member_id=fact.member_id,
            kind=fact.kind,
            valid_from=fact.valid_from,
        )

    def adopt_terms(self, fact: SubscriptionFact) -> None:
        self.kind = fact.kind
        self.valid_from = fact.valid_from
        self.valid_until = fact.valid_until
        self.weekly_limit = fact.weekly_limit
        self.paused_periods = fact.paused_periods
        self.ended_on = fact.ended_on
        self.sequence = fact.sequence

    @property
    def is_pack(self) -> bool:
        return self.kind is EntitlementKind.PACK

    def lapsed_on(self, today: date) -> bool:
        """Past its validity or ended: unused credits expire, returned credits do not come back."""
        if self.ended_on is not None and today >= self.ended_on:
            return True
        return self.valid_until is not None and today > self.valid_until

    def is_paused_on(self, day: date) -> bool:
        return any(period.contains(day) for period in self.paused_periods)

    def refusal_for(self, session_day: date, bookings_that_week: int) -> AppError | None:
        """Why this subscription cannot pay for a session on `session_day`, or None if it can."""
        if session_day < self.valid_from or (self.valid_until is not None and session_day > self.valid_until):
            return InvalidInput(
                f"the subscription is valid {self.valid_from} to {self.valid_until or 'open end'}, "
                f"not on {session_day}: choose a session in that period or renew",
                code="no_entitlement",
                field="subscription_id",
            )
        if self.ended_on is not None and session_day >= self.ended_on:
            return InvalidInput(
                f"the subscription ended on {self.ended_on}: buy a new one to book",
                code="subscription_ended",
                field="subscription_id",
            )
        if self.is_paused_on(session_day):
            return InvalidInput(
                f"the subscription is paused on {session_day}: choose a day outside the pause",
                code="subscription_paused",
                field="session_id",
            )
        if self.is_pack and self.credits.left < 1:
            return InvalidInput(
                "no sessions left on the pack: buy or renew a pack to book",
                code="no_credits_left",
                field="subscription_id",
            )
        if not self.is_pack and self.weekly_limit is not None and bookings_that_week >= self.weekly_limit:
            return InvalidInput(
                f"already {bookings_that_week} of {self.weekly_limit} sessions booked that week: "
                "sign out of one or choose another week",
                code="weekly_limit_reached",
                field="session_id",
            )
        return None

    def expiry_order(self) -> tuple[date, int, str]:
        """Sort key: the subscription that runs out first pays first; packs before open-ended plans."""
        ends = [d for d in (self.valid_until, self.ended_on) if d is not None]
        return (min(ends) if ends else date.max, 0 if self.is_pack else 1, str(self.subscription_id))
