"""Builders for the bookings domain unit tests: a studio with sessions, members and their subscriptions."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest
from gymloop_bookings.domain.accounts import MemberAccount
from gymloop_bookings.domain.actors import Actor, ActorRole
from gymloop_bookings.domain.entitlements import DatePeriod, EntitlementKind, SubscriptionFact
from gymloop_bookings.domain.policy import BookingPolicy
from gymloop_bookings.domain.promotion import promote_waitlist
from gymloop_bookings.domain.roster import SessionRoster
from gymloop_bookings.domain.sessions import Session
from gymloop_bookings.domain.signup import SignUpResult, sign_out, sign_up

AMSTERDAM = "Europe/Amsterdam"


class World:
    """One studio, its clock and the aggregates the rules work on."""

    def __init__(self, policy: BookingPolicy | None = None) -> None:
        self.studio_id = uuid.uuid4()
        self.location_id = uuid.uuid4()
        self.session_type_id = uuid.uuid4()
        self.policy = policy or BookingPolicy(time_zone=AMSTERDAM)
        # Monday 30 November 2026, 10:00 in Amsterdam.
        self.now = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
        self.staff = Actor(uuid.uuid4(), ActorRole.EMPLOYEE)
        self.accounts: dict[uuid.UUID, MemberAccount] = {}
        self._sequence: dict[uuid.UUID, int] = {}

    def with_policy(self, **changes: object) -> World:
        self.policy = replace(self.policy, **changes)  # type: ignore[arg-type]
        return self

    def session(
        self,
        starts_in: timedelta = timedelta(days=1),
        duration: timedelta = timedelta(hours=1),
        capacity: int = 10,
        starts_at: datetime | None = None,
    ) -> SessionRoster:
        start = starts_at or self.now + starts_in
        return SessionRoster(
            Session(
                session_id=uuid.uuid4(),
                studio_id=self.studio_id,
                location_id=self.location_id,
                session_type_id=self.session_type_id,
                starts_at=start,
                ends_at=start + duration,
                capacity=capacity,
            )
        )

    def member(self) -> MemberAccount:
        account = MemberAccount(studio_id=self.studio_id, member_id=uuid.uuid4())
        self.accounts[account.member_id] = account
        return account

    def subscribe(
        self,
        account: MemberAccount,
        credits: int = 6,
        valid_until: date | None = date(2026, 12, 8),
        kind: EntitlementKind = EntitlementKind.PACK,
        weekly_limit: int | None = None,
        paused: tuple[DatePeriod, ...] = (),
        valid_from: date = date(2026, 11, 1),
        subscription_id: uuid.UUID | None = None,
    ) -> uuid.UUID:
        subscription_id = subscription_id or uuid.uuid4()
        sequence = self._sequence.get(subscription_id, 0) + 1
        self._sequence[subscription_id] = sequence
        account.apply_fact(
            SubscriptionFact(
                subscription_id=subscription_id,
                studio_id=self.studio_id,
                member_id=account.member_id,
                sequence=sequence,
                kind=kind,
                valid_from=valid_from,
                valid_until=valid_until,
                credits_total=credits if kind is EntitlementKind.PACK else 0,
                weekly_limit=weekly_limit,
                paused_periods=paused,
            ),
            self.now,
        )
        return subscription_id

    def sign_up(self, roster: SessionRoster, account: MemberAccount, actor: Actor | None = None) -> SignUpResult:
        return sign_up(roster, account, self.policy, actor or Actor.member(account.member_id), self.now)

    def sign_out(self, roster: SessionRoster, account: MemberAccount, actor: Actor | None = None) -> None:
        sign_out(roster, account, self.policy, actor or Actor.member(account.member_id), self.now)

    def promote(self, roster: SessionRoster) -> list:  # type: ignore[type-arg]
        return promote_waitlist(roster, self.accounts, self.policy, self.now)

    def left(self, account: MemberAccount) -> int:
        return account.available_credits(self.policy.today(self.now))


@pytest.fixture
def world() -> World:
    return World()
