"""Stripe calls committed before they are made (`stripe_intent`): how billing calls Stripe outside transactions.

A use case adds the intent in its transaction, named by the idempotency key of the call to make; after the
commit the call is made with that key and the intent is marked done in the transaction that keeps Stripe's
answer. An intent still pending after `PENDING_GRACE` was interrupted (a crash, Stripe away): the scheduler
makes its call again, and the same key gives back what Stripe made the first time.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from gymloop_billing.db.models import StripeIntentRow

# the request that committed an intent makes its call a moment later: the scheduler leaves it that long
PENDING_GRACE = timedelta(minutes=2)


def intend(session: AsyncSession, *, key: str, kind: str, studio_id: uuid.UUID, subject_id: uuid.UUID) -> None:
    """Record, in the caller's transaction, that Stripe is to be called with `key` for `subject_id`."""
    session.add(StripeIntentRow(idempotency_key=key, kind=kind, studio_id=studio_id, subject_id=subject_id))


async def mark_done(session: AsyncSession, key: str) -> None:
    """Stripe's answer to the call named `key` is being kept in this transaction."""
    intent = await session.get(StripeIntentRow, key, with_for_update=True)
    if intent is not None and intent.done_at is None:
        intent.done_at = datetime.now(UTC)


async def pending(session: AsyncSession, kind: str, now: datetime) -> list[uuid.UUID]:
    """The subjects of intents of `kind` still pending after the grace period, oldest first."""
    rows = await session.execute(
        select(StripeIntentRow.subject_id)
        .where(
            StripeIntentRow.kind == kind,
            StripeIntentRow.done_at.is_(None),
            StripeIntentRow.created_at < now - PENDING_GRACE,
        )
        .order_by(StripeIntentRow.created_at)
    )
    return list(rows.scalars())
