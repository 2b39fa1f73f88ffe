"""A member's subscription to a plan: a small aggregate whose methods return a new state.

Every method returns a `SubscriptionChange`: the new subscription, the entitlement facts bookings
needs (credits, valid_until, weekly limit, paused periods) and the amount this change makes due.

Rules (documented choices):
- Dates are inclusive studio-local days; `valid_until` is the last day a member may book.
- Monthly/yearly periods roll over the day after `valid_until`; month steps clamp to the month's
  last day (a monthly period starting 31 Jan ends 27/28 Feb).
- A pack grants its sessions per period (recurring) or per purchase (one-off); unused credits of
  the previous period are not carried over (bookings keeps the ledger).
- Pausing freezes the subscription; resuming moves `valid_until` (and a planned end date) later by
  the paused days. A paused subscription does not renew.
- Cancelling takes effect after the notice period but never before the end of the period already
  paid for: for a recurring plan, the subscription ends on the last day of the billing period in
  which the notice period ends. A one-off plan simply runs out.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, replace
from datetime import date, timedelta
from uuid import UUID

from gymloop_kit.studio_clock import add_months

from gymloop_billing.domain.calendar_math import last_day_of_period
from gymloop_billing.domain.errors import DomainError
from gymloop_billing.domain.plans import Plan


class SubscriptionStatus(enum.StrEnum):
    ACTIVE = "active"
    PAUSED = "paused"
    ENDED = "ended"


@dataclass(frozen=True, slots=True)
class PausedPeriod:
    """Paused from `start` (inclusive) to `resumed_on` (exclusive); open while `resumed_on` is None."""

    start: date
    resumed_on: date | None = None

    @property
    def days(self) -> int | None:
        return None if self.resumed_on is None else (self.resumed_on - self.start).days

    def covers(self, day: date) -> bool:
        return self.start <= day and (self.resumed_on is None or day < self.resumed_on)


@dataclass(frozen=True, slots=True)
class Entitlement:
    """What bookings needs to decide whether a member may book; `credits=None` means unlimited."""

    subscription_id: UUID
    studio_id: UUID
    member_id: UUID
    plan_id: UUID
    status: SubscriptionStatus
    valid_from: date
    valid_until: date | None
    credits: int | None
    weekly_limit: int | None
    paused_periods: tuple[PausedPeriod, ...]
    ends_on: date | None
    sequence: int


@dataclass(frozen=True, slots=True)
class Subscription:
    subscription_id: UUID
    studio_id: UUID
    member_id: UUID
    plan: Plan
    start_date: date
    period_start: date
    valid_until: date | None
    credits: int | None
    status: SubscriptionStatus = SubscriptionStatus.ACTIVE
    paused_periods: tuple[PausedPeriod, ...] = ()
    cancelled_on: date | None = None
    end_date: date | None = None
    sequence: int = 1

    # ---- creation -------------------------------------------------------------------------
    @classmethod
    def start(
        cls,
        *,
        subscription_id: UUID,
        member_id: UUID,
        plan: Plan,
        start_date: date,
        member_start_date: date,
    ) -> SubscriptionChange:
        """Start a subscription; it may not start before the member's own start date."""
        if start_date < member_start_date:
            raise DomainError(
                code="subscription_before_member_start",
                field="start_date",
                message=f"the subscription starts {start_date.isoformat()}, before the member's start "
                f"date {member_start_date.isoformat()}: choose {member_start_date.isoformat()} or later",
            )
        if plan.valid_until is not None and start_date > plan.valid_until:
            raise DomainError(
                code="pack_expired",
                field="start_date",
                message=f"plan {plan.name!r} is only valid until {plan.valid_until.isoformat()}: "
                "choose an earlier start date or another plan",
            )
        subscription = cls(
            subscription_id=subscription_id,
            studio_id=plan.studio_id,
            member_id=member_id,
            plan=plan,
            start_date=start_date,
            period_start=start_date,
            valid_until=_period_end(plan, start_date),
            credits=plan.sessions,
        )
        return subscription._change(charge_cents=plan.price_cents)

    # ---- queries --------------------------------------------------------------------------
    @property
    def is_paused(self) -> bool:
        return self.status is SubscriptionStatus.PAUSED

    @property
    def open_pause(self) -> PausedPeriod | None:
        if self.paused_periods and self.paused_periods[-1].resumed_on is None:
            return self.paused_periods[-1]
        return None

    def entitlement(self) -> Entitlement:
        return Entitlement(
            subscription_id=self.subscription_id,
            studio_id=self.studio_id,
            member_id=self.member_id,
            plan_id=self.plan.plan_id,
            status=self.status,
            valid_from=self.period_start,
            valid_until=self.valid_until,
            credits=self.credits,
            weekly_limit=self.plan.weekly_limit,
            paused_periods=self.paused_periods,
            ends_on=self.end_date,
            sequence=self.sequence,
        )

    def allows_access_on(self, day: date) -> bool:
        """True if the member may use the subscription on `day` (started, not expired, not paused)."""
        if self.status is SubscriptionStatus.ENDED or day < self.start_date:
            return False
        if self.valid_until is not None and day > self.valid_until:
            return False
        if self.end_date is not None and day > self.end_date:
            return False
        return not any(pause.covers(day) for pause in self.paused_periods)

    # ---- commands -------------------------------------------------------------------------
    def pause(self, on: date) -> SubscriptionChange:
        """Freeze from `on` (inclusive) until `resume`."""
        self._require_not_ended("pause")
        if self.is_paused:
            raise DomainError(
                code="already_paused",
                field="status",
                message="the subscription is already paused: resume it first",
            )
        if on < self.period_start:
            raise DomainError(
                code="pause_before_period",
                field="paused_from",
                message=f"a pause cannot start before the current period ({self.period_start.isoformat()})",
            )
        if self.valid_until is not None and on > self.valid_until:
            raise DomainError(
                code="pause_after_validity",
                field="paused_from",
                message=f"the subscription is only valid until {self.valid_until.isoformat()}: "
                "a pause must start on or before that day",
            )
        paused = self._evolve(
            status=SubscriptionStatus.PAUSED,
            paused_periods=(*self.paused_periods, PausedPeriod(start=on)),
        )
        return paused._change()

    def resume(self, on: date) -> SubscriptionChange:
        """End the pause on `on`; valid_until and any end date move later by the paused days."""
        pause = self.open_pause
        if not self.is_paused or pause is None:
            raise DomainError(
                code="not_paused",
                field="status",
                message="the subscription is not paused, so there is nothing to resume",
            )
        if on < pause.start:
            raise DomainError(
                code="resume_before_pause",
                field="resumed_on",
                message=f"resume on {pause.start.isoformat()} or later: the pause started that day",
            )
        shift = timedelta(days=(on - pause.start).days)
        closed = PausedPeriod(start=pause.start, resumed_on=on)
        resumed = self._evolve(
            status=SubscriptionStatus.ACTIVE,
            paused_periods=(*self.paused_periods[:-1], closed),
            valid_until=None if self.valid_until is None else self.valid_until + shift,
            end_date=None if self.end_date is None else self.end_date + shift,
        )
        return resumed._change()

    def pause_between(self, first_day: date, last_day: date) -> SubscriptionChange:
        """A planned pause from `first_day` to `last_day` (inclusive): valid_until moves by its days."""
        if last_day < first_day:
            raise DomainError(
                code="pause_range_invalid",
                field="until",
                message=f"the pause ends ({last_day.isoformat()}) before it starts ({first_day.isoformat()})",
            )
        paused = self.pause(first_day).subscription
        return paused.resume(last_day + timedelta(days=1)).subscription._as_change()

    def end_pause_early(self, on: date) -> SubscriptionChange:
        """Lift the planned pause that covers `on`: from `on` the member may book again, and
        valid_until (and a planned end date) move back by the days no longer paused."""
        if self.open_pause is not None:
            return self.resume(on)
        for index, pause in enumerate(self.paused_periods):
            if pause.resumed_on is not None and pause.start <= on < pause.resumed_on:
                give_back = timedelta(days=(pause.resumed_on - on).days)
                periods = list(self.paused_periods)
                periods[index] = PausedPeriod(start=pause.start, resumed_on=on)
                return self._evolve(
                    paused_periods=tuple(periods),
                    valid_until=None if self.valid_until is None else self.valid_until - give_back,
                    end_date=None if self.end_date is None else self.end_date - give_back,
                )._change()
        raise DomainError(
            code="not_paused",
            field="resumed_on",
            message=f"no pause covers {on.isoformat()}, so there is nothing to lift",
        )

    def cancel(self, requested_on: date, notice_months: int) -> SubscriptionChange:
        """Cancel with a notice period; see the module rules for the resulting end date."""
        self._require_not_ended("cancel")
        if self.cancelled_on is not None:
            raise DomainError(
                code="already_cancelled",
                field="status",
                message=f"the subscription was already cancelled on {self.cancelled_on.isoformat()}",
            )
        if isinstance(notice_months, bool) or not isinstance(notice_months, int) or notice_months < 0:
            raise DomainError(
                code="notice_period_invalid",
                field="notice_months",
                message="the notice period is a whole number of months, 0 or more",
            )
        notice_ends = add_months(requested_on, notice_months) - timedelta(days=1)
        cancelled = self._evolve(cancelled_on=requested_on, end_date=self._end_date_after(requested_on, notice_ends))
        return cancelled._change()

    def renew(self, on: date | None = None) -> SubscriptionChange:
        """Roll a recurring plan into its next period, or rebuy a one-off pack/pass on `on`.

        A rebuy before the current one runs out starts the day after it, so no paid day is lost.
        """
        self._require_not_ended("renew")
        if self.is_paused:
            raise DomainError(
                code="renew_while_paused",
                field="status",
                message="a paused subscription does not renew: resume it first",
            )
        if self.plan.is_recurring:
            assert self.valid_until is not None  # recurring plans always have a period end
            next_start = self.valid_until + timedelta(days=1)
        else:
            next_start = self._rebuy_start(on)
        if self.end_date is not None and next_start > self.end_date:
            raise DomainError(
                code="subscription_ending",
                field="status",
                message=f"the subscription was cancelled and ends {self.end_date.isoformat()}: it does not renew",
            )
        renewed = self._evolve(
            period_start=next_start,
            valid_until=_period_end(self.plan, next_start),
            credits=self.plan.sessions,
        )
        return renewed._change(charge_cents=self.plan.price_cents)

    def expire(self, today: date) -> SubscriptionChange | None:
        """End the subscription once its end date (or a one-off validity) lies before `today`.

        Returns None when nothing changes, so callers publish SubscriptionEnded exactly once.
        """
        if self.status is SubscriptionStatus.ENDED or self.is_paused:
            return None
        last_day = self.end_date
        if last_day is None and not self.plan.is_recurring:
            last_day = self.valid_until
        if last_day is None or today <= last_day:
            return None
        return self._evolve(status=SubscriptionStatus.ENDED)._change()

    # ---- internals ------------------------------------------------------------------------
    def _rebuy_start(self, on: date | None) -> date:
        if self.plan.valid_until is None and self.plan.valid_days is None:
            raise DomainError(
                code="nothing_to_renew",
                field="plan",
                message=f"plan {self.plan.name!r} is open-ended: it never needs renewing",
            )
        if on is None:
            raise DomainError(
                code="renewal_date_required",
                field="on",
                message="renewing a one-off plan is a new purchase: give the purchase date",
            )
        if self.plan.valid_until is not None and on > self.plan.valid_until:
            raise DomainError(
                code="pack_expired",
                field="on",
                message=f"plan {self.plan.name!r} is only valid until {self.plan.valid_until.isoformat()}: "
                "it can no longer be bought",
            )
        if self.plan.valid_until is not None:
            return on
        assert self.valid_until is not None
        return max(on, self.valid_until + timedelta(days=1))

    def _end_date_after(self, requested_on: date, notice_ends: date) -> date:
        months = self.plan.period.months
        if months is None:
            if self.valid_until is not None:
                return self.valid_until
            # open-ended access (e.g. staff) ends after the notice, and never before the request day
            return max(notice_ends, requested_on)
        assert self.valid_until is not None
        end = self.valid_until
        while end < notice_ends:
            end = last_day_of_period(end + timedelta(days=1), months)
        return end

    def _require_not_ended(self, action: str) -> None:
        if self.status is SubscriptionStatus.ENDED:
            raise DomainError(
                code="subscription_ended",
                field="status",
                message=f"the subscription has ended, so it cannot {action}: start a new one",
            )

    def _evolve(self, **changes: object) -> Subscription:
        # every change bumps the per-aggregate sequence, so consumers can apply events idempotently
        return replace(self, sequence=self.sequence + 1, **changes)  # type: ignore[arg-type]

    def _as_change(self) -> SubscriptionChange:
        return self._change()

    def _change(self, charge_cents: int = 0) -> SubscriptionChange:
        return SubscriptionChange(subscription=self, entitlement=self.entitlement(), charge_cents=charge_cents)


@dataclass(frozen=True, slots=True)
class SubscriptionChange:
    """The new state, the facts for bookings and the amount (cents) this change makes due."""

    subscription: Subscription
    entitlement: Entitlement
    charge_cents: int = 0


def _period_end(plan: Plan, period_start: date) -> date | None:
    months = plan.period.months
    if months is not None:
        return last_day_of_period(period_start, months)
    if plan.valid_until is not None:
        return plan.valid_until
    if plan.valid_days is not None:
        return period_start + timedelta(days=plan.valid_days - 1)
    return None
