"""Shared moves of the delivery tests: write events in random transactions, run relay and consumers."""

from __future__ import annotations

import asyncio
import contextlib
import random
import uuid
from collections.abc import AsyncIterator

from aiokafka import AIOKafkaConsumer
from gymloop_contracts.events.members import MemberArchived
from gymloop_kit.db import Database
from gymloop_kit.messaging.consumer import EventConsumer, Subscriptions
from gymloop_kit.messaging.kafka import create_producer, ensure_topics
from gymloop_kit.messaging.outbox import add_event
from gymloop_kit.messaging.relay import OutboxRelay
from kit_fixtures import effect_counts, record_effect
from sqlalchemy import text

TOPICS = ["MemberArchived", "MemberArchived.DLQ"]


class RolledBack(Exception):
    pass


async def write_events(
    database: Database,
    studio_id: uuid.UUID,
    total: int,
    *,
    rollback_share: float = 0.2,
    writers: int = 4,
    seed: int = 7,
) -> tuple[set[uuid.UUID], set[uuid.UUID]]:
    """Write `total` events in random-size transactions, rolling back a share of them.

    Returns (committed event ids, rolled-back event ids)."""
    rng = random.Random(seed)
    sizes: list[int] = []
    while sum(sizes) < total:
        sizes.append(min(rng.randint(1, 40), total - sum(sizes)))
    plan = [(size, rng.random() < rollback_share) for size in sizes]
    committed: set[uuid.UUID] = set()
    rolled_back: set[uuid.UUID] = set()
    queue: asyncio.Queue[tuple[int, bool]] = asyncio.Queue()
    for item in plan:
        queue.put_nowait(item)

    async def writer() -> None:
        while not queue.empty():
            size, roll_back = queue.get_nowait()
            ids: list[uuid.UUID] = []
            with contextlib.suppress(RolledBack):
                async with database.transaction() as session:
                    for _ in range(size):
                        event = MemberArchived(member_id=uuid.uuid4(), reason=f"n{rng.randint(0, 10**6)}")
                        ids.append((await add_event(session, event, studio_id=studio_id)).event_id)
                    if roll_back:
                        raise RolledBack
            (rolled_back if roll_back else committed).update(ids)

    await asyncio.gather(*(writer() for _ in range(writers)))
    return committed, rolled_back


@contextlib.asynccontextmanager
async def delivery(
    database: Database,
    bootstrap: str,
    *,
    relays: int = 1,
    consumers: int = 1,
    with_relay: bool = True,
    max_event_age_s: float | None = None,
) -> AsyncIterator[list[EventConsumer]]:
    """Relay(s) and consumer(s) running in this process for the duration of the block."""
    await ensure_topics(bootstrap, TOPICS)
    producer = create_producer(bootstrap, "harness")
    await producer.start()
    subscriptions = Subscriptions()
    subscriptions.on(MemberArchived)(record_effect)
    running: list[OutboxRelay | EventConsumer] = []
    if with_relay:
        running += [OutboxRelay(database, producer, service="kit", poll_interval=0.5) for _ in range(relays)]
    workers = [
        EventConsumer(
            name="kit-consumer",
            database=database,
            subscriptions=subscriptions,
            bootstrap_servers=bootstrap,
            dlq_producer=producer,
            max_attempts=3,
            retry_base_s=0.01,
            max_event_age_s=max_event_age_s,
        )
        for _ in range(consumers)
    ]
    running += workers
    tasks = [asyncio.create_task(item.run()) for item in running]
    try:
        yield workers
    finally:
        for item in running:
            item.stop()
        await asyncio.gather(*tasks, return_exceptions=True)
        await producer.stop()


async def wait_for_effects(database: Database, studio_id: uuid.UUID, expected: int, timeout_s: float = 120) -> None:
    """Until `expected` distinct events were applied, then a little longer to catch late duplicates."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    while True:
        async with database.transaction() as session:
            _, distinct = await effect_counts(session, studio_id)
        if distinct >= expected:
            break
        if loop.time() > deadline:
            raise AssertionError(f"only {distinct} of {expected} effects after {timeout_s}s")
        await asyncio.sleep(0.2)
    await asyncio.sleep(1.5)


async def applied_event_ids(database: Database, studio_id: uuid.UUID) -> list[uuid.UUID]:
    async with database.transaction() as session:
        rows = await session.execute(text("SELECT event_id FROM effects WHERE studio_id = :s"), {"s": studio_id})
        return [row[0] for row in rows]


async def messages_on_topic(bootstrap: str, topic: str) -> int:
    """How many records the broker holds for a topic (republished duplicates included), counted by reading
    them all: Tansu's ListOffsets answers are not exact enough to subtract."""
    consumer = AIOKafkaConsumer(
        topic, bootstrap_servers=bootstrap, group_id=f"count-{uuid.uuid4()}", auto_offset_reset="earliest",
        enable_auto_commit=False,
    )  # fmt: skip
    await consumer.start()
    try:
        count, idle = 0, 0
        while idle < 3:
            batches = await consumer.getmany(timeout_ms=500)
            got = sum(len(records) for records in batches.values())
            count += got
            idle = 0 if got or not consumer.assignment() else idle + 1
        return count
    finally:
        await consumer.stop()


async def unpublished(database: Database) -> int:
    async with database.transaction() as session:
        return int((await session.execute(text("SELECT count(*) FROM outbox WHERE published_at IS NULL"))).scalar_one())


async def read_dlq(bootstrap: str, topic: str, expected: int) -> list:
    """The records on a dead-letter topic, read from the start until `expected` arrived (or 30 s passed)."""
    consumer = AIOKafkaConsumer(
        topic, bootstrap_servers=bootstrap, group_id=f"dlq-{uuid.uuid4()}", auto_offset_reset="earliest"
    )
    await consumer.start()
    records: list = []
    try:
        for _ in range(60):
            batches = await consumer.getmany(timeout_ms=500)
            records += [record for batch in batches.values() for record in batch]
            if len(records) >= expected:
                break
    finally:
        await consumer.stop()
    return records
