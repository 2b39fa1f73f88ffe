"""What a member is told about their own bookings and plan (pure: the text only): a place from the waitlist, a
failed payment, the receipt of their cancellation, a pack about to expire with credits left, and a new benchmark
personal best."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from gymloop_kit.benchmark_scores import shown_score

from gymloop_notifications.domain.session_changes import local_moment


def _amount(cents: int, currency: str) -> str:
    return f"{currency.upper()} {cents // 100},{cents % 100:02d}"


def _day(value: date) -> str:
    return f"{value:%d-%m-%Y}"


def waitlist_promoted_message(starts_at: datetime, credits_charged: int, zone: ZoneInfo) -> tuple[str, str]:
    subject = f"You have a place in the session of {local_moment(starts_at, zone)}"
    lines = [f"A place came free in the session of {local_moment(starts_at, zone)} and it is yours: you are booked."]
    if credits_charged:
        lines.append(f"{credits_charged} credit{'s' if credits_charged != 1 else ''} taken for it.")
    lines.append("Can you not come after all? Sign out in the agenda so the next one gets the place.")
    return subject, "\n".join(lines)


def payment_failed_message(
    amount_cents: int, currency: str, reason: str, next_retry_on: date | None
) -> tuple[str, str]:
    subject = f"Your payment of {_amount(amount_cents, currency)} did not go through"
    lines = [f"Your payment of {_amount(amount_cents, currency)} failed: {reason.strip() or 'no reason given'}."]
    if next_retry_on is not None:
        lines.append(f"We try again on {_day(next_retry_on)}.")
    lines.append("Check your payment details in the app, or pay the amount there by iDEAL.")
    return subject, "\n".join(lines)


def cancellation_receipt(plan_name: str, requested_on: date, end_date: date | None) -> tuple[str, str]:
    """The receipt of a cancellation (German §312k BGB: confirmed at once, in text form, with its content)."""
    subject = f"Your cancellation of {plan_name or 'your plan'} is confirmed"
    lines = [
        f"We received your cancellation of {plan_name or 'your plan'} on {_day(requested_on)}.",
        f"Your plan ends on {_day(end_date)}; you can use it until then." if end_date else "Your plan ends now.",
        "Keep this e-mail as the confirmation of your cancellation.",
    ]
    return subject, "\n".join(lines)


def pack_expiring_message(credits_left: int, valid_until: date) -> tuple[str, str]:
    subject = f"Your pack expires on {_day(valid_until)}"
    body = (
        f"You still have {credits_left} credit{'s' if credits_left != 1 else ''} in your pack, valid until "
        f"{_day(valid_until)}. Book a session before then so they are not lost."
    )
    return subject, body


def personal_best_message(
    workout_name: str, scoring: str, score: str, previous_score: str | None, scaling: str
) -> tuple[str, str]:
    shown = shown_score(scoring, score)
    level = "Rx" if scaling == "rx" else "scaled"
    subject = f"A new personal best on {workout_name}: {shown}"
    if previous_score is None:
        body = f"Your first {workout_name} ({level}) is on the board: {shown}. That is the score to beat next time."
    else:
        before = shown_score(scoring, previous_score)
        body = f"Well done: {shown} on {workout_name} ({level}) beats your earlier best of {before}."
    return subject, body
