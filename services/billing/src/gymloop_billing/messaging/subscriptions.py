"""Events billing consumes: the members read model (start date for subscription checks, names for SEPA)."""

from __future__ import annotations

from gymloop_contracts import Envelope
from gymloop_contracts.events.members import MemberArchived, MemberRegistered, MemberUnarchived, MemberUpdated
from gymloop_kit.messaging import inbox
from gymloop_kit.messaging.consumer import Subscriptions
from sqlalchemy.ext.asyncio import AsyncSession

from gymloop_billing.service import members

subscriptions = Subscriptions()
CONSUMER = "billing"


@subscriptions.on(MemberRegistered)
async def on_member_registered(session: AsyncSession, event: MemberRegistered, envelope: Envelope) -> None:
    if await inbox.is_newest(session, CONSUMER, envelope):
        await members.upsert_member(session, envelope.studio_id, event)


@subscriptions.on(MemberUpdated)
async def on_member_updated(session: AsyncSession, event: MemberUpdated, envelope: Envelope) -> None:
    if await inbox.is_newest(session, CONSUMER, envelope):
        await members.upsert_member(session, envelope.studio_id, event)


@subscriptions.on(MemberArchived)
async def on_member_archived(session: AsyncSession, event: MemberArchived, envelope: Envelope) -> None:
    if await inbox.is_newest(session, CONSUMER, envelope):
        await members.set_member_status(session, envelope.studio_id, event.member_id, "archived")


@subscriptions.on(MemberUnarchived)
async def on_member_unarchived(session: AsyncSession, event: MemberUnarchived, envelope: Envelope) -> None:
    if await inbox.is_newest(session, CONSUMER, envelope):
        await members.set_member_status(session, envelope.studio_id, event.member_id, "active")
