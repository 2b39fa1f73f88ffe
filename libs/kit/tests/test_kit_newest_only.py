"""`newest_only` subscriptions on the real database: for state-carrying events, an older event arriving after a
newer one of the same aggregate is not applied; other handlers of the same event still run."""

from __future__ import annotations

import uuid

import pytest
from gymloop_contracts import Envelope, wrap
from gymloop_contracts.events.members import MemberArchived
from gymloop_kit.db import Database
from gymloop_kit.messaging.subscriptions import Subscriptions
from kit_fixtures import effects, record_effect
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

pytestmark = pytest.mark.integration


def _envelope(event: MemberArchived, studio_id: uuid.UUID, sequence: int) -> Envelope:
    return wrap(event, studio_id=studio_id, producer="members", correlation_id="kit-test", sequence=sequence)


async def _deliver(database: Database, subscriptions: Subscriptions, envelope: Envelope) -> None:
    """What a consumer does with a fresh message: its subscription's handler inside the message's transaction."""
    subscription = subscriptions.get(envelope.event_type, envelope.version)
    assert subscription is not None
    async with database.transaction() as session:
        await subscription.handler(session, subscription.model.model_validate(envelope.payload), envelope)


async def _applied_reasons(database: Database, studio_id: uuid.UUID) -> list[str | None]:
    async with database.transaction() as session:
        rows = await session.execute(
            select(effects.c.reason).where(effects.c.studio_id == studio_id).order_by(effects.c.id)
        )
        return [row[0] for row in rows]


async def test_an_older_event_arriving_after_a_newer_one_is_not_applied(kit_database: str) -> None:
    subscriptions = Subscriptions(consumer="kit-newest")
    subscriptions.on(MemberArchived, newest_only=True)(record_effect)
    database = Database(kit_database)
    studio, member = uuid.uuid4(), uuid.uuid4()
    try:
        await _deliver(database, subscriptions, _envelope(MemberArchived(member_id=member, reason="v2"), studio, 2))
        await _deliver(database, subscriptions, _envelope(MemberArchived(member_id=member, reason="v1"), studio, 1))
        assert await _applied_reasons(database, studio) == ["v2"]

        # The same sequence again (a second event claiming it) is not newer either; the next one is.
        await _deliver(database, subscriptions, _envelope(MemberArchived(member_id=member, reason="v2b"), studio, 2))
        await _deliver(database, subscriptions, _envelope(MemberArchived(member_id=member, reason="v3"), studio, 3))
        assert await _applied_reasons(database, studio) == ["v2", "v3"]

        # Another aggregate has sequences of its own.
        other = uuid.uuid4()
        await _deliver(database, subscriptions, _envelope(MemberArchived(member_id=other, reason="o1"), studio, 1))
        assert await _applied_reasons(database, studio) == ["v2", "v3", "o1"]
    finally:
        await database.dispose()


async def test_a_failed_handler_does_not_consume_its_sequence(kit_database: str) -> None:
    subscriptions = Subscriptions(consumer="kit-newest-fail")
    subscriptions.on(MemberArchived, newest_only=True)(record_effect)
    database = Database(kit_database)
    studio, member = uuid.uuid4(), uuid.uuid4()
    try:
        with pytest.raises(RuntimeError):  # record_effect refuses reasons starting with "fail"
            await _deliver(
                database, subscriptions, _envelope(MemberArchived(member_id=member, reason="fail"), studio, 5)
            )
        # Rolled back with the transaction: a redelivery of sequence 5 (here: fixed) is still applied.
        await _deliver(database, subscriptions, _envelope(MemberArchived(member_id=member, reason="ok"), studio, 5))
        assert await _applied_reasons(database, studio) == ["ok"]
    finally:
        await database.dispose()


async def test_a_plain_handler_of_the_same_event_runs_for_every_delivery(kit_database: str) -> None:
    seen: list[str | None] = []
    subscriptions = Subscriptions(consumer="kit-newest-steps")
    subscriptions.on(MemberArchived, newest_only=True)(record_effect)

    @subscriptions.on(MemberArchived)
    async def remember(session: AsyncSession, event: MemberArchived, envelope: Envelope) -> None:
        seen.append(event.reason)

    database = Database(kit_database)
    studio, member = uuid.uuid4(), uuid.uuid4()
    try:
        await _deliver(database, subscriptions, _envelope(MemberArchived(member_id=member, reason="new"), studio, 2))
        await _deliver(database, subscriptions, _envelope(MemberArchived(member_id=member, reason="old"), studio, 1))
        assert await _applied_reasons(database, studio) == ["new"]
        assert seen == ["new", "old"]
    finally:
        await database.dispose()


def test_newest_only_needs_the_consumer_name_and_one_guard_per_event() -> None:
    with pytest.raises(ValueError, match="consumer's name"):
        Subscriptions().on(MemberArchived, newest_only=True)
    subscriptions = Subscriptions(consumer="kit")
    subscriptions.on(MemberArchived, newest_only=True)(record_effect)
    with pytest.raises(ValueError, match="already has a newest_only handler"):
        subscriptions.on(MemberArchived, newest_only=True)(record_effect)
