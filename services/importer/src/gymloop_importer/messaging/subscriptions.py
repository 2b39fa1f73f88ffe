"""Events the importer consumes: plans and members for validation and dry runs, and the confirmations that
move the saga's rows to done (events carrying an import_ref)."""

from __future__ import annotations

from gymloop_contracts import Envelope
from gymloop_contracts.events.billing import PlanPublished, SubscriptionActivated
from gymloop_contracts.events.members import MemberRegistered, MemberUpdated
from gymloop_kit.messaging import inbox
from gymloop_kit.messaging.consumer import Subscriptions
from sqlalchemy.ext.asyncio import AsyncSession

from gymloop_importer.service import tracking

CONSUMER = "importer"
subscriptions = Subscriptions()


@subscriptions.on(PlanPublished)
async def on_plan_published(session: AsyncSession, event: PlanPublished, envelope: Envelope) -> None:
    if await inbox.is_newest(session, CONSUMER, envelope):
        await tracking.apply_plan(session, envelope.studio_id, event)


@subscriptions.on(MemberRegistered, MemberUpdated)
async def on_member_profile(session: AsyncSession, event: MemberRegistered | MemberUpdated, envelope: Envelope) -> None:
    if await inbox.is_newest(session, CONSUMER, envelope):
        await tracking.apply_member(session, envelope.studio_id, event)
    if event.import_ref is not None:  # the row is confirmed whatever the order of the profile events
        outcome = "created" if isinstance(event, MemberRegistered) else "updated"
        await tracking.member_confirmed(session, envelope.studio_id, event.import_ref, event.member_id, outcome)


@subscriptions.on(SubscriptionActivated)
async def on_subscription_activated(session: AsyncSession, event: SubscriptionActivated, envelope: Envelope) -> None:
    await tracking.subscription_confirmed(session, envelope.studio_id, event)
