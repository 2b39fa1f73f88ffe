"""Merging billing's subscription events into one snapshot per subscription (a domain SubscriptionFact).

Billing sends deltas (activated, renewed, paused, resumed, ended), each with a per-subscription sequence.
Each group of terms keeps the sequence it came from, so an older event never overwrites newer terms, and
credit grants are kept per sequence, so their sum is the same whatever order they arrive in. The merged
snapshot gets a sequence that grows with every event merged, which is what the domain's
"newer sequence wins" needs.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any, TypeAlias

from gymloop_contracts.events.billing import (
    SubscriptionActivated,
    SubscriptionEnded,
    SubscriptionPaused,
    SubscriptionRenewed,
    SubscriptionResumed,
)
from gymloop_contracts.events.common import DateRange

from gymloop_bookings.domain.entitlements import DatePeriod, EntitlementKind, SubscriptionFact

BillingEvent: TypeAlias = (
    SubscriptionActivated | SubscriptionRenewed | SubscriptionPaused | SubscriptionResumed | SubscriptionEnded
)


def _newer(state: dict[str, Any], group: str, sequence: int) -> bool:
    if sequence > state.get(f"{group}_seq", 0):
        state[f"{group}_seq"] = sequence
        return True
    return False


def _periods(ranges: list[DateRange]) -> list[dict[str, str]]:
    return [{"start": r.start.isoformat(), "end": r.end.isoformat()} for r in ranges]


def merge(state: dict[str, Any], event: BillingEvent, sequence: int) -> dict[str, Any]:
    """A new state dict (the old one is left untouched)."""
    state = {**state, "grants": dict(state.get("grants", {})), "seen": list(state.get("seen", []))}
    if sequence in state["seen"]:
        return state
    state["seen"].append(sequence)
    if isinstance(event, SubscriptionActivated):
        if _newer(state, "terms", sequence):
            state["kind"] = "pack" if event.plan_kind == "pack" else "unlimited"
            state["weekly_limit"] = event.weekly_limit
        state["grants"][str(sequence)] = event.credits or 0
        _set_validity(state, sequence, event.valid_from, event.valid_until)
        if _newer(state, "pause", sequence):
            state["paused"] = _periods(event.paused_periods)
    elif isinstance(event, SubscriptionRenewed):
        state["grants"][str(sequence)] = event.credits_granted or 0
        state.setdefault("kind", "pack" if event.credits_granted is not None else "unlimited")
        _set_validity(state, sequence, event.valid_from, event.valid_until)
    elif isinstance(event, SubscriptionPaused | SubscriptionResumed):
        if _newer(state, "pause", sequence):
            state["paused"] = _periods(event.paused_periods)
        _set_validity(state, sequence, None, event.valid_until)
    elif isinstance(event, SubscriptionEnded):
        state["ended_on"] = event.ended_on.isoformat()
    state["renewal"] = isinstance(event, SubscriptionRenewed)
    return state


def _set_validity(state: dict[str, Any], sequence: int, valid_from: date | None, valid_until: date | None) -> None:
    if valid_from is not None:
        # The earliest start seen: a renewal must not make the old period's last days unbookable.
        known = state.get("valid_from")
        state["valid_from"] = min(valid_from.isoformat(), known) if known else valid_from.isoformat()
    if _newer(state, "validity", sequence):
        state["valid_until"] = valid_until.isoformat() if valid_until else None


def fact_from(
    state: dict[str, Any], subscription_id: uuid.UUID, studio_id: uuid.UUID, member_id: uuid.UUID
) -> SubscriptionFact:
    kind = EntitlementKind(state.get("kind", "pack"))
    valid_until = state.get("valid_until")
    ended_on = state.get("ended_on")
    return SubscriptionFact(
        subscription_id=subscription_id,
        studio_id=studio_id,
        member_id=member_id,
        sequence=len(state["seen"]),
        kind=kind,
        valid_from=date.fromisoformat(state.get("valid_from") or "1970-01-01"),
        valid_until=date.fromisoformat(valid_until) if valid_until else None,
        credits_total=sum(state["grants"].values()) if kind is EntitlementKind.PACK else 0,
        weekly_limit=state.get("weekly_limit"),
        paused_periods=tuple(
            DatePeriod(date.fromisoformat(p["start"]), date.fromisoformat(p["end"])) for p in state.get("paused", [])
        ),
        ended_on=date.fromisoformat(ended_on) if ended_on else None,
        renewal=bool(state.get("renewal")),
    )
