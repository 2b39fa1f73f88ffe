"""Stateful property test of the pure model: credits are conserved and capacity is never exceeded.

Random sequences of sign-ups, sign-outs (before and after the cutoff), waitlist promotion, session
cancellation, sessions ending, expiry and renewals run against a small studio.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
from gymloop_bookings.domain.accounts import MemberAccount
from gymloop_bookings.domain.actors import Actor, ActorRole
from gymloop_bookings.domain.attendance import check_in, end_session
from gymloop_bookings.domain.bookings import BookingStatus
from gymloop_bookings.domain.cancellation import cancel_session
from gymloop_bookings.domain.entitlements import EntitlementKind, SubscriptionFact
from gymloop_bookings.domain.policy import BookingPolicy
from gymloop_bookings.domain.promotion import promote_waitlist
from gymloop_bookings.domain.roster import SessionRoster
from gymloop_bookings.domain.sessions import Session
from gymloop_bookings.domain.signup import sign_out, sign_up
from gymloop_kit.errors import AppError
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

pytestmark = pytest.mark.unit

START = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
# Session starts relative to the start of the run; 0 and 1 overlap, so promotions can hit overlaps.
SESSION_OFFSETS = (timedelta(hours=3), timedelta(hours=3, minutes=30), timedelta(hours=27))
CAPACITIES = (1, 2, 1)
MEMBER_COUNT = 4


class BookingModel(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.studio_id = uuid.uuid4()
        self.policy = BookingPolicy(
            time_zone="Europe/Amsterdam",
            booking_window=timedelta(days=7),
            cancellation_cutoff=timedelta(hours=2),
            waitlist_cutoff=timedelta(hours=1),
            uses_check_in=True,
        )
        self.now = START
        self.staff = Actor(uuid.uuid4(), ActorRole.EMPLOYEE)
        self.rosters = [
            SessionRoster(
                Session(
                    session_id=uuid.uuid4(),
                    studio_id=self.studio_id,
                    location_id=uuid.UUID(int=1),
                    session_type_id=uuid.UUID(int=2),
                    starts_at=START + offset,
                    ends_at=START + offset + timedelta(hours=1),
                    capacity=capacity,
                )
            )
            for offset, capacity in zip(SESSION_OFFSETS, CAPACITIES, strict=True)
        ]
        self.accounts: dict[uuid.UUID, MemberAccount] = {}
        self.members: list[MemberAccount] = []
        self.sequences: dict[uuid.UUID, int] = {}
        self.totals: dict[uuid.UUID, int] = {}
        terms = [
            (EntitlementKind.PACK, 3, date(2026, 12, 31), None),
            (EntitlementKind.PACK, 1, date(2026, 12, 31), None),
            (EntitlementKind.UNLIMITED, 0, None, 1),
            (EntitlementKind.PACK, 2, date(2026, 12, 1), None),  # lapses during the run
        ]
        for kind, credits, valid_until, weekly_limit in terms:
            account = MemberAccount(studio_id=self.studio_id, member_id=uuid.uuid4())
            self.accounts[account.member_id] = account
            self.members.append(account)
            self._send_fact(account, uuid.uuid4(), kind, credits, valid_until, weekly_limit)

    def _send_fact(self, account, subscription_id, kind, credits, valid_until, weekly_limit, renewal=False):
        sequence = self.sequences.get(subscription_id, 0) + 1
        self.sequences[subscription_id] = sequence
        self.totals[subscription_id] = credits
        account.apply_fact(
            SubscriptionFact(
                subscription_id=subscription_id,
                studio_id=self.studio_id,
                member_id=account.member_id,
                sequence=sequence,
                kind=kind,
                valid_from=date(2026, 11, 1),
                valid_until=valid_until,
                credits_total=credits,
                weekly_limit=weekly_limit,
                renewal=renewal,
            ),
            self.now,
        )

    @initialize()
    def fill_the_evening_class(self):
        # Starts with a full session so waitlist joins and promotions come up early in a run.
        sign_up(self.rosters[2], self.members[0], self.policy, self.staff, self.now)
        assert sign_up(self.rosters[2], self.members[1], self.policy, self.staff, self.now).waitlisted

    def _snapshot(self):
        return (
            {s: (e.credits, e.sequence) for a in self.members for s, e in a.entitlements.items()},
            [(b.booking_id, b.status) for a in self.members for b in a.bookings],
            [(e.entry_id, e.status) for r in self.rosters for e in r.waitlist],
            [len(a.log) for a in self.members],
            [r.session.status for r in self.rosters],
        )

    def _refused_changes_nothing(self, action) -> None:
        before = self._snapshot()
        refusal: AppError | None = None
        try:
            action()
        except AppError as error:
            refusal = error
        if refusal is not None:
            assert refusal.code
            assert self._snapshot() == before

    @rule(
        member=st.integers(0, MEMBER_COUNT - 1), session=st.integers(0, len(SESSION_OFFSETS) - 1), staff=st.booleans()
    )
    def sign_up(self, member, session, staff):
        account = self.members[member]
        actor = self.staff if staff else Actor.member(account.member_id)
        self._refused_changes_nothing(lambda: sign_up(self.rosters[session], account, self.policy, actor, self.now))

    @rule(member=st.integers(0, MEMBER_COUNT - 1), session=st.integers(0, len(SESSION_OFFSETS) - 1))
    def sign_out_and_promote(self, member, session):
        roster = self.rosters[session]
        account = self.members[member]
        self._refused_changes_nothing(
            lambda: sign_out(roster, account, self.policy, Actor.member(account.member_id), self.now)
        )
        promote_waitlist(roster, self.accounts, self.policy, self.now)

    @rule(pick=st.integers(0, 63))
    def sign_out_a_booked_member_and_promote(self, pick):
        booked = [(r, b) for r in self.rosters for b in r.active_bookings]
        if not booked:
            return
        roster, booking = booked[pick % len(booked)]
        account = self.accounts[booking.member_id]
        self._refused_changes_nothing(lambda: sign_out(roster, account, self.policy, self.staff, self.now))
        promote_waitlist(roster, self.accounts, self.policy, self.now)

    @rule(session=st.integers(0, len(SESSION_OFFSETS) - 1))
    def cancel(self, session):
        self._refused_changes_nothing(
            lambda: cancel_session(self.rosters[session], self.accounts, self.policy, self.staff, self.now)
        )

    @rule(member=st.integers(0, MEMBER_COUNT - 1), session=st.integers(0, len(SESSION_OFFSETS) - 1))
    def check_in(self, member, session):
        self._refused_changes_nothing(lambda: check_in(self.rosters[session], self.members[member].member_id, self.now))

    @rule(member=st.integers(0, MEMBER_COUNT - 1), extra=st.integers(1, 3))
    def renew(self, member, extra):
        account = self.members[member]
        for subscription_id, entitlement in account.entitlements.items():
            if entitlement.is_pack:
                self._send_fact(
                    account,
                    subscription_id,
                    entitlement.kind,
                    self.totals[subscription_id] + extra,
                    entitlement.valid_until,
                    None,
                    renewal=True,
                )

    @rule(member=st.integers(0, MEMBER_COUNT - 1))
    def redeliver_stale_fact(self, member):
        account = self.members[member]
        subscription_id, entitlement = next(iter(account.entitlements.items()))
        stale = SubscriptionFact(
            subscription_id=subscription_id,
            studio_id=self.studio_id,
            member_id=account.member_id,
            sequence=entitlement.sequence,
            kind=entitlement.kind,
            valid_from=date(2026, 11, 1),
            credits_total=999,
        )
        before = self._snapshot()
        assert account.apply_fact(stale, self.now) is False
        assert self._snapshot() == before

    @rule(minutes=st.sampled_from([30, 60, 120, 360, 1440]))
    def advance_clock(self, minutes):
        self.now += timedelta(minutes=minutes)
        today = self.policy.today(self.now)
        for account in self.members:
            account.expire_lapsed(today, self.now)
        for roster in self.rosters:
            session = roster.session
            if not session.is_cancelled and not session.has_ended and session.ends_at <= self.now:
                end_session(roster, self.accounts, self.policy, self.now)

    @invariant()
    def credits_are_conserved(self):
        for account in self.members:
            for subscription_id, entitlement in account.entitlements.items():
                credits = entitlement.credits
                assert credits.is_conserved, credits
                if entitlement.is_pack:
                    assert credits.granted == self.totals[subscription_id]
                    held = sum(
                        1
                        for b in account.bookings
                        if b.subscription_id == subscription_id and b.is_active and b.charged_credit
                    )
                    assert credits.held == held
                    logged = sum(e.change for e in account.log if e.subscription_id == subscription_id)
                    assert logged == credits.left

    @invariant()
    def capacity_is_never_exceeded(self):
        for roster in self.rosters:
            active = roster.active_bookings
            assert len(active) <= roster.session.capacity
            assert len({b.member_id for b in active}) == len(active)
            if roster.session.is_cancelled or roster.session.has_ended:
                assert active == []
                assert roster.waiting == []

    @invariant()
    def nobody_is_both_booked_and_waiting(self):
        for roster in self.rosters:
            booked = {b.member_id for b in roster.active_bookings}
            assert booked.isdisjoint(roster.waiting_member_ids())

    @invariant()
    def ended_sessions_record_everyone_who_was_booked(self):
        for roster in self.rosters:
            if roster.session.has_ended:
                for booking in roster.bookings:
                    assert booking.status is not BookingStatus.ACTIVE


BookingModel.TestCase.settings = settings(
    max_examples=50,
    stateful_step_count=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
TestBookingModel = BookingModel.TestCase
