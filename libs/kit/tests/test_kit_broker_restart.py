"""The dev broker (Tansu) keeps its topics in memory: after a restart, `republish_retained` sends the retained outbox
again, so events that were published but not yet consumed when the broker stopped still arrive, once in effect."""

import uuid

import pytest
from delivery_harness import (
    TOPICS,
    applied_event_ids,
    delivery,
    messages_on_topic,
    unpublished,
    wait_for_effects,
    write_events,
)
from gymloop_devstack.infra import TansuBroker
from gymloop_kit.db import Database
from gymloop_kit.messaging.kafka import ensure_topics
from gymloop_kit.messaging.outbox import republish_retained
from kit_fixtures import effect_counts

pytestmark = pytest.mark.integration


async def _until_published(database: Database) -> None:
    from gymloop_devstack.testing import eventually

    async def none_left() -> bool:
        return await unpublished(database) == 0

    await eventually(none_left, timeout_s=60)


async def test_events_in_flight_when_the_broker_restarts_are_consumed_after_it_once(kit_database, tmp_path):
    database = Database(kit_database)
    studio = uuid.uuid4()
    broker = TansuBroker(log_path=tmp_path / "tansu-before.log").start()
    try:
        async with delivery(database, broker.bootstrap_servers):
            consumed_before, _ = await write_events(database, studio, 100, rollback_share=0.0, seed=1)
            await wait_for_effects(database, studio, len(consumed_before))
        # Published while no consumer runs: on the broker only, then the broker stops.
        async with delivery(database, broker.bootstrap_servers, consumers=0):
            in_flight, _ = await write_events(database, studio, 200, rollback_share=0.0, seed=2)
            await _until_published(database)
        broker.stop()

        broker = TansuBroker(broker.port, log_path=tmp_path / "tansu-after.log").start()
        await ensure_topics(broker.bootstrap_servers, TOPICS)
        assert await messages_on_topic(broker.bootstrap_servers, "MemberArchived") == 0, "the restart lost the topic"
        async with database.transaction() as session:
            assert await republish_retained(session) == 300

        async with delivery(database, broker.bootstrap_servers):
            await wait_for_effects(database, studio, 300)
        applied = await applied_event_ids(database, studio)
        assert set(applied) == consumed_before | in_flight, "every in-flight event arrived after the restart"
        assert len(applied) == 300, "the inbox dropped the repeats of the events applied before the restart"
        async with database.transaction() as session:
            assert await effect_counts(session, studio) == (300, 300)
        assert await unpublished(database) == 0
    finally:
        broker.stop()
        await database.dispose()
