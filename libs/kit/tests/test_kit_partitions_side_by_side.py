"""The partitions of one fetched batch are applied side by side, each in its own transaction (their database
round trips overlap instead of adding up): a handler still busy on one partition does not hold another back,
and every event is applied once, in its partition's order."""

from __future__ import annotations

import asyncio
import contextlib
import uuid

import pytest
from delivery_harness import applied_event_ids, wait_for_effects
from gymloop_contracts import Envelope, wrap
from gymloop_contracts.events.members import MemberArchived
from gymloop_kit.db import Database
from gymloop_kit.messaging.consumer import EventConsumer, Subscriptions
from gymloop_kit.messaging.kafka import create_producer, ensure_topics
from kit_fixtures import record_effect
from sqlalchemy.ext.asyncio import AsyncSession

pytestmark = pytest.mark.integration

PARTITIONS = (0, 1)
EVENTS_PER_PARTITION = 3


async def test_a_partition_still_being_applied_does_not_hold_the_others_back(kit_database, private_kafka):
    bootstrap = private_kafka.bootstrap_servers
    await ensure_topics(bootstrap, ["MemberArchived", "MemberArchived.DLQ"], partitions=len(PARTITIONS))
    database = Database(kit_database)
    producer = create_producer(bootstrap, "side-by-side")
    await producer.start()
    studio = uuid.uuid4()
    sent: dict[int, list[uuid.UUID]] = {partition: [] for partition in PARTITIONS}
    # Every event is on the broker before the consumer joins: its first fetch brings both partitions at once.
    for partition in PARTITIONS:
        for n in range(EVENTS_PER_PARTITION):
            envelope = wrap(MemberArchived(member_id=uuid.uuid4(), reason=f"{partition}-{n}"), studio_id=studio,
                            producer="members", correlation_id="side-by-side", sequence=1)  # fmt: skip
            sent[partition].append(envelope.event_id)
            await producer.send_and_wait(
                "MemberArchived", envelope.model_dump_json().encode(), key=b"k", partition=partition
            )

    started = {partition: asyncio.Event() for partition in PARTITIONS}
    met_the_other: list[int] = []
    order: dict[int, list[uuid.UUID]] = {partition: [] for partition in PARTITIONS}
    subscriptions = Subscriptions()

    @subscriptions.on(MemberArchived)
    async def meet_then_record(session: AsyncSession, event: MemberArchived, envelope: Envelope) -> None:
        partition = int((event.reason or "").split("-")[0])
        started[partition].set()
        if event.reason == f"{partition}-0":  # the first of each partition waits until the other one's has begun
            (other,) = [p for p in PARTITIONS if p != partition]
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(started[other].wait(), timeout=10)
                met_the_other.append(partition)
        order[partition].append(envelope.event_id)
        await record_effect(session, event, envelope)

    consumer = EventConsumer(
        name="kit-side-by-side", database=database, subscriptions=subscriptions, bootstrap_servers=bootstrap,
        dlq_producer=producer, partition_concurrency=len(PARTITIONS),
    )  # fmt: skip
    task = asyncio.create_task(consumer.run())
    try:
        await wait_for_effects(database, studio, len(PARTITIONS) * EVENTS_PER_PARTITION, timeout_s=60)
        assert sorted(met_the_other) == list(PARTITIONS), "each partition's first handler saw the other's begin"
        assert order == sent  # each partition in its own order
        applied = await applied_event_ids(database, studio)
        assert sorted(applied) == sorted(event for events in sent.values() for event in events)  # once each
    finally:
        consumer.stop()
        await task
        await producer.stop()
        await database.dispose()
