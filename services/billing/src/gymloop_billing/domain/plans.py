"""Plans (subscription types) a studio sells: session packs and unlimited plans, paid or free.

Rules:
- A one-off session pack grants `sessions` credits, valid for `valid_days` days after purchase or
  until the fixed date `valid_until` (exactly one of the two). A monthly/yearly pack grants
  `sessions` credits per period; its validity is the period, so it takes neither.
- A one-off unlimited plan may have a validity (a 30-day pass) or none (open-ended staff access).
- An unlimited plan may cap bookings at `weekly_limit` sessions a week.
- A free plan costs 0; a paid plan costs more than 0 (a paid plan at 0 is almost always a typo).
- `visible=False` hides a plan from the member app (e.g. free staff access, imported legacy plans).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date
from uuid import UUID

from gymloop_kit.text import breaking_characters

from gymloop_billing.domain.errors import DomainError
from gymloop_billing.domain.money import validate_cents, validate_currency

MAX_PLAN_NAME_LENGTH = 100


class PlanKind(enum.StrEnum):
    SESSION_PACK = "session_pack"
    UNLIMITED = "unlimited"


class BillingPeriod(enum.StrEnum):
    ONE_OFF = "one_off"
    MONTHLY = "monthly"
    YEARLY = "yearly"

    @property
    def months(self) -> int | None:
        """Length of one billing period in months; None for a one-off purchase."""
        return {BillingPeriod.ONE_OFF: None, BillingPeriod.MONTHLY: 1, BillingPeriod.YEARLY: 12}[self]


@dataclass(frozen=True, slots=True)
class Plan:
    """A plan; `__post_init__` rejects an invalid one with a DomainError naming the field."""

    plan_id: UUID
    studio_id: UUID
    name: str
    kind: PlanKind
    price_cents: int
    currency: str
    period: BillingPeriod
    visible: bool = True
    free: bool = False
    sessions: int | None = None
    valid_days: int | None = None
    valid_until: date | None = None
    weekly_limit: int | None = None

    def __post_init__(self) -> None:
        _validate_plan(self)

    @property
    def is_pack(self) -> bool:
        return self.kind is PlanKind.SESSION_PACK

    @property
    def is_recurring(self) -> bool:
        return self.period is not BillingPeriod.ONE_OFF

    @property
    def is_staff_access(self) -> bool:
        """Free and hidden: granted by staff, never sold in the app."""
        return self.free and not self.visible


def validate_new_plan_name(name: str) -> None:
    """A name that is created or changed now must be one line of text: it becomes a drop-down entry of the
    import template, a cell of exports and part of e-mails. Not checked on load, so older names still read."""
    if found := breaking_characters(name):
        raise DomainError(
            code="plan_name_control_character",
            field="name",
            message=f"the plan name contains a line break or control character ({', '.join(found)}): remove it",
        )


def _validate_plan(plan: Plan) -> None:
    name = plan.name.strip() if isinstance(plan.name, str) else ""
    if not name:
        raise DomainError(code="plan_name_required", field="name", message="give the plan a name")
    if len(name) > MAX_PLAN_NAME_LENGTH:
        raise DomainError(
            code="plan_name_too_long",
            field="name",
            message=f"plan name has {len(name)} characters: shorten it to {MAX_PLAN_NAME_LENGTH}",
        )
    if not isinstance(plan.kind, PlanKind):
        raise DomainError(
            code="plan_kind_invalid",
            field="kind",
            message=f"kind {plan.kind!r} is unknown: use one of {[k.value for k in PlanKind]}",
        )
    if not isinstance(plan.period, BillingPeriod):
        raise DomainError(
            code="plan_period_invalid",
            field="period",
            message=f"period {plan.period!r} is unknown: use one of {[p.value for p in BillingPeriod]}",
        )
    validate_currency(plan.currency)
    validate_cents(plan.price_cents, "price_cents")
    if plan.free and plan.price_cents != 0:
        raise DomainError(
            code="free_plan_with_price",
            field="price_cents",
            message=f"a free plan must cost 0, not {plan.price_cents} cents: set the price to 0 or untick 'free'",
        )
    if not plan.free and plan.price_cents == 0:
        raise DomainError(
            code="paid_plan_without_price",
            field="price_cents",
            message="a paid plan needs a price above 0: enter the price or mark the plan as free",
        )
    if plan.kind is PlanKind.SESSION_PACK:
        _validate_pack(plan)
    else:
        _validate_unlimited(plan)
    _validate_validity(plan)


def _validate_validity(plan: Plan) -> None:
    if plan.valid_days is not None and plan.valid_until is not None:
        raise DomainError(
            code="plan_validity_ambiguous",
            field="valid_until",
            message="choose either valid_days or a fixed valid_until date, not both",
        )
    if plan.is_recurring and (plan.valid_days is not None or plan.valid_until is not None):
        field = "valid_days" if plan.valid_days is not None else "valid_until"
        raise DomainError(
            code="validity_on_recurring_plan",
            field=field,
            message=f"a {plan.period.value} plan is valid for its billing period: clear {field} "
            "or make the plan one-off",
        )
    if plan.is_pack and not plan.is_recurring and plan.valid_days is None and plan.valid_until is None:
        raise DomainError(
            code="pack_without_validity",
            field="valid_days",
            message="a one-off session pack needs a validity: days after purchase or a fixed end date",
        )
    if plan.valid_days is not None:
        _positive(plan.valid_days, "valid_days", "plan_valid_days_invalid")


def _validate_pack(plan: Plan) -> None:
    if plan.sessions is None:
        raise DomainError(
            code="pack_without_credits",
            field="sessions",
            message="a session pack needs the number of sessions it grants (at least 1)",
        )
    _positive(plan.sessions, "sessions", "pack_without_credits")
    if plan.weekly_limit is not None:
        raise DomainError(
            code="pack_weekly_limit",
            field="weekly_limit",
            message="a weekly limit applies to unlimited plans only; a pack is limited by its sessions",
        )


def _validate_unlimited(plan: Plan) -> None:
    if plan.sessions is not None:
        raise DomainError(
            code="unlimited_with_sessions",
            field="sessions",
            message="an unlimited plan has no session count: clear it, or make the plan a session pack",
        )
    if plan.weekly_limit is not None:
        _positive(plan.weekly_limit, "weekly_limit", "weekly_limit_invalid")


def _positive(value: int, field: str, code: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise DomainError(code=code, field=field, message=f"{field} must be a whole number of at least 1")
