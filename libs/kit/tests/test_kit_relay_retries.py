"""A publish that fails is retried with backoff, and goes out once the broker is back.

The outage freezes the broker (SIGSTOP) rather than restarting it: Tansu keeps everything in memory, and a
restart would wipe state (producer ids, topics) that a real Kafka cluster keeps across an outage."""

import asyncio
import signal
import uuid

import pytest
from delivery_harness import TOPICS, unpublished
from gymloop_contracts.events.members import MemberArchived
from gymloop_devstack.infra import TansuBroker
from gymloop_kit.db import Database
from gymloop_kit.messaging.kafka import create_producer, ensure_topics
from gymloop_kit.messaging.outbox import add_event
from gymloop_kit.messaging.relay import OutboxRelay, backoff_seconds
from sqlalchemy import text

pytestmark = pytest.mark.integration


def test_backoff_grows_exponentially_up_to_a_ceiling():
    assert [backoff_seconds(n, 30) for n in range(1, 8)] == [0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 30.0]


async def test_relay_retries_with_backoff_through_a_broker_outage(kit_database, tmp_path):
    frozen = TansuBroker(log_path=tmp_path / "frozen.log").start()
    healthy = TansuBroker(log_path=tmp_path / "healthy.log").start()
    database = Database(kit_database)
    producer = create_producer(frozen.bootstrap_servers, "outage", request_timeout_ms=1500)
    recovered = create_producer(healthy.bootstrap_servers, "recovered")
    try:
        await ensure_topics(frozen.bootstrap_servers, TOPICS)
        await ensure_topics(healthy.bootstrap_servers, TOPICS)
        await producer.start()
        await recovered.start()
        frozen.process.send_signal(signal.SIGSTOP)  # the broker stops answering
        relay = OutboxRelay(database, producer, service="kit", max_backoff=1.0, publish_timeout=2.0)
        async with database.transaction() as session:
            await add_event(session, MemberArchived(member_id=uuid.uuid4()), studio_id=uuid.uuid4())

        assert await relay.publish_pending() == 0, "the outage bounds the wait instead of hanging the relay"
        async with database.transaction() as session:
            row = (
                await session.execute(text("SELECT attempts, last_error, available_at - created_at FROM outbox"))
            ).one()
        assert row[0] == 1
        assert "not acknowledged" in row[1]
        assert row[2].total_seconds() >= 2.0 + 0.5, "the failed row waits out its backoff after the failed try"
        assert await unpublished(database) == 1

        # The service comes back against a healthy broker: the row is published once its backoff is over.
        relay = OutboxRelay(database, recovered, service="kit", max_backoff=1.0, publish_timeout=5.0)
        for _ in range(40):
            if await relay.publish_pending():
                break
            await asyncio.sleep(0.25)
        assert await unpublished(database) == 0
        async with database.transaction() as session:
            assert (await session.execute(text("SELECT attempts FROM outbox"))).scalar_one() == 2
    finally:
        frozen.process.send_signal(signal.SIGCONT)
        await recovered.stop()
        await database.dispose()
        frozen.process.kill()
        healthy.stop()
