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
from gymloop_kit import studio_clock
from gymloop_kit.messaging.subscriptions import Subscriptions
from sqlalchemy.ext.asyncio import AsyncSession

from gymloop_importer.domain.row_progress import MemberOutcome, RefusedBy
from gymloop_importer.service import tracking

CONSUMER = "importer"
subscriptions = Subscriptions(consumer=CONSUMER)


@subscriptions.on(PlanPublished, newest_only=True)
async def on_plan_published(session: AsyncSession, event: PlanPublished, envelope: Envelope) -> None:
    await tracking.apply_plan(session, envelope.studio_id, event)


@subscriptions.on(BillingSettingsChanged, newest_only=True)
async def on_billing_settings_changed(session: AsyncSession, event: BillingSettingsChanged, envelope: Envelope) -> None:
    await tracking.apply_billing_settings(session, envelope.studio_id, event)


@subscriptions.on(StudioUpdated, newest_only=True)
async def on_studio_updated(session: AsyncSession, event: StudioUpdated, envelope: Envelope) -> None:
    await studio_clock.follow_studio_updated(session, event, envelope)


@subscriptions.on(MemberRegistered, MemberUpdated, newest_only=True)
async def on_member_profile(session: AsyncSession, event: MemberRegistered | MemberUpdated, envelope: Envelope) -> None:
    await tracking.apply_member(session, envelope.studio_id, event)


@subscriptions.on(MemberRegistered, MemberUpdated)
async def confirm_import_row(
    session: AsyncSession, event: MemberRegistered | MemberUpdated, envelope: Envelope
) -> None:
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
