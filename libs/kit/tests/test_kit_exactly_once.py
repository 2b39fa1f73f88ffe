"""Outbox + inbox on the real database and broker: every committed event's effect exactly once, none of the
rolled-back ones, also when the relay dies between publish and mark and when a consumer is killed mid-batch."""

import asyncio
import signal
import subprocess
import sys
import uuid
from collections import Counter
from pathlib import Path

import pytest
from delivery_harness import (
    applied_event_ids,
    delivery,
    messages_on_topic,
    unpublished,
    wait_for_effects,
    write_events,
)
from gymloop_kit.db import Database
from gymloop_kit.messaging import metrics
from gymloop_kit.messaging.kafka import ensure_topics
from kit_fixtures import effect_counts

pytestmark = pytest.mark.integration

WORKER = Path(__file__).with_name("delivery_worker.py")


def _spawn(*args: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, str(WORKER), *args], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


async def test_ten_thousand_events_in_random_transactions_arrive_exactly_once(kit_database, private_kafka):
    database = Database(kit_database)
    studio = uuid.uuid4()
    try:
        async with delivery(database, private_kafka.bootstrap_servers, relays=2, consumers=2):
            committed, rolled_back = await write_events(database, studio, 10_000, rollback_share=0.2)
            await wait_for_effects(database, studio, len(committed))
        applied = await applied_event_ids(database, studio)
        assert len(rolled_back) > 1000, "the test must roll back a real share of the transactions"
        assert len(committed) + len(rolled_back) == 10_000
        assert set(applied) == committed, "every committed event applied, none of the rolled-back ones"
        assert len(applied) == len(committed), "no event applied twice"
        assert await unpublished(database) == 0
    finally:
        await database.dispose()


async def test_relay_killed_between_publish_and_mark_loses_and_duplicates_nothing(kit_database, private_kafka):
    bootstrap = private_kafka.bootstrap_servers
    database = Database(kit_database)
    studio = uuid.uuid4()
    try:
        await ensure_topics(bootstrap, ["MemberArchived", "MemberArchived.DLQ"])
        committed, _ = await write_events(database, studio, 1_000, rollback_share=0.0)
        worker = _spawn("relay-crash", kit_database, bootstrap, "150")
        assert await asyncio.to_thread(worker.wait, 60) == 9, worker.stdout.read() if worker.stdout else ""
        unmarked = await unpublished(database)
        published_before_crash = await messages_on_topic(bootstrap, "MemberArchived")
        assert unmarked == 1_000, "the crash came before any row was marked published"
        assert published_before_crash >= 150, "the crash came after the broker acknowledged the publishes"

        async with delivery(database, bootstrap):
            await wait_for_effects(database, studio, len(committed))
        applied = await applied_event_ids(database, studio)
        assert await messages_on_topic(bootstrap, "MemberArchived") >= 1_000 + 150, "duplicates reached the broker"
        assert set(applied) == committed
        assert len(applied) == len(committed), "the inbox dropped every republished duplicate"
    finally:
        await database.dispose()


async def test_consumer_killed_mid_batch_applies_every_effect_exactly_once(kit_database, private_kafka):
    bootstrap = private_kafka.bootstrap_servers
    database = Database(kit_database)
    studio = uuid.uuid4()

    def processed() -> float:
        return sum(
            metrics.consumer_processed.labels("kit-consumer", "MemberArchived", outcome)._value.get()
            for outcome in ("applied", "duplicate")
        )

    processed_before = processed()
    try:
        await ensure_topics(bootstrap, ["MemberArchived", "MemberArchived.DLQ"])
        committed, _ = await write_events(database, studio, 3_000, rollback_share=0.0)
        # Publish everything first, with no consumer running, so the killed consumer gets full batches.
        async with delivery(database, bootstrap, consumers=0):
            while await unpublished(database):
                await asyncio.sleep(0.2)
        worker = _spawn("consume", kit_database, bootstrap, "3")
        applied_at_kill = 0
        for _ in range(600):
            async with database.transaction() as session:
                applied_at_kill = (await effect_counts(session, studio))[1]
            if applied_at_kill >= 600:
                break
            await asyncio.sleep(0.1)
        worker.send_signal(signal.SIGKILL)
        await asyncio.to_thread(worker.wait, 10)
        assert 0 < applied_at_kill < 3_000, "the consumer was killed in the middle of the work"

        async with delivery(database, bootstrap, with_relay=False):
            await wait_for_effects(database, studio, len(committed))
        applied = Counter(await applied_event_ids(database, studio))
        assert set(applied) == committed
        assert max(applied.values()) == 1, "no effect applied twice"
        # A kill inside a batch's transaction rolls the batch back (inbox rows included), so its redelivery is
        # applied afresh; a kill after the commit but before the offset commit is dropped by the inbox. Either
        # way the second consumer must have processed everything the killed one had not committed.
        assert processed() - processed_before >= 3_000 - applied_at_kill
    finally:
        await database.dispose()
