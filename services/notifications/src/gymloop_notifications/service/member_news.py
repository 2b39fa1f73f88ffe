"""Telling a member about their own bookings and plan, once per event, in the app and by e-mail: a place from
the waitlist, a failed payment, a pack about to expire with credits left, a new benchmark personal best (when the
studio turned that on), and the receipt of their cancellation (sent despite opt-outs: it is the legal confirmation
of a cancellation)."""

from __future__ import annotations

from gymloop_contracts import Envelope
from gymloop_contracts.events.billing import PaymentFailed, SubscriptionCancelled
from gymloop_contracts.events.bookings import PackExpiringSoon, PersonalBestSet, WaitlistPromoted
from sqlalchemy.ext.asyncio import AsyncSession

from gymloop_notifications.domain.member_news import (
    cancellation_receipt,
    pack_expiring_message,
    payment_failed_message,
    personal_best_message,
    waitlist_promoted_message,
)
from gymloop_notifications.service.session_changes import tell_members
from gymloop_notifications.service.studios import ensure_studio


async def tell_promoted_member(session: AsyncSession, event: WaitlistPromoted, envelope: Envelope) -> None:
    config = await ensure_studio(session, envelope.studio_id)
    subject, body = waitlist_promoted_message(event.starts_at, event.credits_charged, config.zone)
    await tell_members(session, envelope, [event.member_id], subject, body, None, "waitlist_promoted")


async def tell_payment_failed(session: AsyncSession, event: PaymentFailed, envelope: Envelope) -> None:
    subject, body = payment_failed_message(event.amount_cents, event.currency, event.reason, event.next_retry_on)
    await tell_members(session, envelope, [event.member_id], subject, body, None, "payment_failed")


async def send_cancellation_receipt(session: AsyncSession, event: SubscriptionCancelled, envelope: Envelope) -> None:
    subject, body = cancellation_receipt(event.plan_name, event.requested_on, event.end_date)
    await tell_members(session, envelope, [event.member_id], subject, body, None, "cancellation_receipt", required=True)


async def tell_pack_expiring(session: AsyncSession, event: PackExpiringSoon, envelope: Envelope) -> None:
    subject, body = pack_expiring_message(event.credits_left, event.valid_until)
    await tell_members(session, envelope, [event.member_id], subject, body, None, "pack_expiring")


async def congratulate_on_personal_best(session: AsyncSession, event: PersonalBestSet, envelope: Envelope) -> None:
    config = await ensure_studio(session, envelope.studio_id)
    if not config.settings.personal_best.enabled:
        return
    subject, body = personal_best_message(
        event.workout_name, event.scoring, event.score, event.previous_score, event.scaling
    )
    await tell_members(session, envelope, [event.member_id], subject, body, None, "personal_best")
