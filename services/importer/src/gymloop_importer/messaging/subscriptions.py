"""Events the importer consumes: plans, members, billing settings and the studio's time zone for validation and
dry runs, and the
answers that move the saga's rows to done or failed (events carrying an import_ref)."""

from __future__ import annotations

from gymloop_contracts import Envelope
from gymloop_contracts.events.billing import (
    BillingSettingsChanged,
    PlanPublished,
    SubscriptionActivated,
    SubscriptionImportRejected,
)
from gymloop_contracts.events.members import MemberImportRejected, MemberRegistered, MemberUpdated, StudioUpdated
from gymloop_kit.messaging import inbox
from gymloop_kit.messaging.consumer import Subscriptions
from sqlalchemy.ext.asyncio import AsyncSession

from gymloop_importer.domain.row_progress import MemberOutcome, RefusedBy
from gymloop_importer.service import studio_state, tracking

CONSUMER = "importer"
subscriptions = Subscriptions()


@subscriptions.on(PlanPublished)
async def on_plan_published(session: AsyncSession, event: PlanPublished, envelope: Envelope) -> None:
    if await inbox.is_newest(session, CONSUMER, envelope):
        await tracking.apply_plan(session, envelope.studio_id, event)


@subscriptions.on(BillingSettingsChanged)
async def on_billing_settings_changed(session: AsyncSession, event: BillingSettingsChanged, envelope: Envelope) -> None:
    if await inbox.is_newest(session, CONSUMER, envelope):
        await tracking.apply_billing_settings(session, envelope.studio_id, event)


@subscriptions.on(StudioUpdated)
async def on_studio_updated(session: AsyncSession, event: StudioUpdated, envelope: Envelope) -> None:
    # Full state per event: only the newest counts, so a late older event never overwrites a newer zone.
    if await inbox.is_newest(session, CONSUMER, envelope):
        await studio_state.record_studio_zone(session, envelope.studio_id, event.time_zone)


@subscriptions.on(MemberRegistered, MemberUpdated)
async def on_member_profile(session: AsyncSession, event: MemberRegistered | MemberUpdated, envelope: Envelope) -> None:
    if await inbox.is_newest(session, CONSUMER, envelope):
        await tracking.apply_member(session, envelope.studio_id, event)
    if event.import_ref is not None:  # the row is confirmed whatever the order of the profile events
        outcome = MemberOutcome.CREATED if isinstance(event, MemberRegistered) else MemberOutcome.UPDATED
        await tracking.member_confirmed(session, envelope.studio_id, event.import_ref, event.member_id, outcome)


@subscriptions.on(SubscriptionActivated)
async def on_subscription_activated(session: AsyncSession, event: SubscriptionActivated, envelope: Envelope) -> None:
    await tracking.subscription_confirmed(session, envelope.studio_id, event)


@subscriptions.on(MemberImportRejected)
async def on_member_import_rejected(session: AsyncSession, event: MemberImportRejected, envelope: Envelope) -> None:
    await tracking.row_rejected(session, envelope.studio_id, event, RefusedBy.MEMBERS)


@subscriptions.on(SubscriptionImportRejected)
async def on_subscription_import_rejected(
    session: AsyncSession, event: SubscriptionImportRejected, envelope: Envelope
) -> None:
    await tracking.row_rejected(session, envelope.studio_id, event, RefusedBy.BILLING)
