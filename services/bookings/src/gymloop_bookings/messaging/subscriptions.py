"""Events bookings consumes: billing's subscription events (entitlements) and payment standing (who is overdue,
whether the studio still lets them book), members' profiles (names, tags) and studios (the time zone the agenda,
schedules and sign-up rules count local days in)."""

from __future__ import annotations

from datetime import UTC, datetime

from gymloop_contracts import Envelope
from gymloop_contracts.events.billing import (
    BillingSettingsChanged,
    MemberPaymentStateChanged,
    SubscriptionActivated,
    SubscriptionEnded,
    SubscriptionPaused,
    SubscriptionRenewed,
    SubscriptionResumed,
)
from gymloop_contracts.events.members import (
    MemberArchived,
    MemberRegistered,
    MemberUnarchived,
    MemberUpdated,
    StudioUpdated,
)
from gymloop_kit import studio_clock
from gymloop_kit.messaging.subscriptions import Subscriptions
from sqlalchemy import update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from gymloop_bookings.db.models import EntitlementRow, MemberRow
from gymloop_bookings.db.payment_standing import save_member_overdue, save_overdue_rule
from gymloop_bookings.db.repository import BookingStore, load_policy, save_studio_name
from gymloop_bookings.messaging.billing_facts import BillingEvent, fact_from, merge

CONSUMER = "bookings"
subscriptions = Subscriptions(consumer=CONSUMER)


@subscriptions.on(
    SubscriptionActivated, SubscriptionRenewed, SubscriptionPaused, SubscriptionResumed, SubscriptionEnded
)
async def apply_billing_event(session: AsyncSession, event: BillingEvent, envelope: Envelope) -> None:
    studio_id = envelope.studio_id
    now = datetime.now(UTC)
    store = BookingStore(session)
    account = await store.account(studio_id, event.member_id, now)  # locks the member
    row = await session.get(EntitlementRow, event.subscription_id)
    if row is not None and row.studio_id != studio_id:
        raise ValueError(f"subscription {event.subscription_id} belongs to another studio")
    state = merge(dict(row.billing_state) if row else {}, event, envelope.sequence)
    fact = fact_from(state, event.subscription_id, studio_id, event.member_id)
    account.apply_fact(fact, envelope.occurred_at)
    policy = await load_policy(session, studio_id)
    account.expire_lapsed(policy.today(now), now)
    await store.save()
    await session.execute(
        update(EntitlementRow)
        .where(EntitlementRow.subscription_id == event.subscription_id)
        .values(billing_state=state)
    )


@subscriptions.on(MemberPaymentStateChanged, newest_only=True)
async def on_member_payment_state(session: AsyncSession, event: MemberPaymentStateChanged, envelope: Envelope) -> None:
    await save_member_overdue(session, envelope.studio_id, event.member_id, event.state == "overdue")


@subscriptions.on(BillingSettingsChanged, newest_only=True)
async def on_billing_settings(session: AsyncSession, event: BillingSettingsChanged, envelope: Envelope) -> None:
    await save_overdue_rule(session, envelope.studio_id, event.overdue_members_may_book)


@subscriptions.on(MemberRegistered, MemberUpdated, newest_only=True)
async def on_member_profile(session: AsyncSession, event: MemberRegistered | MemberUpdated, envelope: Envelope) -> None:
    values = {
        "studio_id": envelope.studio_id,
        "member_id": event.member_id,
        "first_name": event.first_name,
        "last_name": event.last_name,
        "tags": list(event.tags),
        "archived": event.status == "archived",
        "gender": event.gender,
        "account_id": event.account_id,
        "role": event.role,
    }
    statement = pg_insert(MemberRow).values(**values)
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=[MemberRow.studio_id, MemberRow.member_id],
            set_={
                k: statement.excluded[k]
                for k in ("first_name", "last_name", "tags", "archived", "gender", "account_id", "role")
            },
        )
    )


async def _archive(session: AsyncSession, envelope: Envelope, member_id: object, archived: bool) -> None:
    statement = pg_insert(MemberRow).values(
        studio_id=envelope.studio_id, member_id=member_id, tags=[], archived=archived
    )
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=[MemberRow.studio_id, MemberRow.member_id], set_={"archived": archived}
        )
    )


@subscriptions.on(MemberArchived, newest_only=True)
async def on_member_archived(session: AsyncSession, event: MemberArchived, envelope: Envelope) -> None:
    await _archive(session, envelope, event.member_id, True)


@subscriptions.on(MemberUnarchived, newest_only=True)
async def on_member_unarchived(session: AsyncSession, event: MemberUnarchived, envelope: Envelope) -> None:
    await _archive(session, envelope, event.member_id, False)


@subscriptions.on(StudioUpdated, newest_only=True)
async def on_studio_updated(session: AsyncSession, event: StudioUpdated, envelope: Envelope) -> None:
    """Members owns the studio's time zone (the kit's studio clock, whose rules say what an unknown zone does)
    and name."""
    await studio_clock.follow_studio_updated(session, event, envelope)
    await save_studio_name(session, envelope.studio_id, event.name)
