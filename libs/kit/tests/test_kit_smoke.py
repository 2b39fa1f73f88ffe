"""The whole path once: a use case writes state + event, the relay publishes, a consumer applies it."""

import asyncio
import uuid

import pytest
from gymloop_contracts.events.members import MemberArchived
from gymloop_kit.db import Database
from gymloop_kit.messaging.consumer import EventConsumer, Subscriptions
from gymloop_kit.messaging.kafka import create_producer, ensure_topics
from gymloop_kit.messaging.outbox import add_event
from gymloop_kit.messaging.relay import OutboxRelay
from kit_fixtures import effect_counts, record_effect

pytestmark = pytest.mark.integration


async def test_event_travels_from_outbox_to_consumer_once(kit_database, private_kafka):
    bootstrap = private_kafka.bootstrap_servers
    await ensure_topics(bootstrap, ["MemberArchived", "MemberArchived.DLQ"])
    database = Database(kit_database)
    producer = create_producer(bootstrap, "kit-test")
    await producer.start()
    subscriptions = Subscriptions()
    subscriptions.on(MemberArchived)(record_effect)
    relay = OutboxRelay(database, producer, service="kit", poll_interval=30)  # NOTIFY must wake it, not polling
    consumer = EventConsumer(
        name="kit-consumer", database=database, subscriptions=subscriptions,
        bootstrap_servers=bootstrap, dlq_producer=producer,
    )  # fmt: skip
    tasks = [asyncio.create_task(relay.run()), asyncio.create_task(consumer.run())]
    studio = uuid.uuid4()
    try:
        await asyncio.wait_for(consumer.assigned.wait(), 15)
        await asyncio.sleep(1.0)  # let the relay's first pass go by, so only NOTIFY can wake it
        async with database.transaction() as session:
            envelope = await add_event(
                session, MemberArchived(member_id=uuid.uuid4(), reason="moved"), studio_id=studio
            )
        assert envelope.sequence == 1
        for _ in range(50):
            async with database.transaction() as session:
                if (await effect_counts(session, studio))[0] == 1:
                    break
            await asyncio.sleep(0.1)
        async with database.transaction() as session:
            assert await effect_counts(session, studio) == (1, 1)
    finally:
        relay.stop()
        consumer.stop()
        await asyncio.gather(*tasks)
        await producer.stop()
        await database.dispose()
