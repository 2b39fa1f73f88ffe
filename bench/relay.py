"""Outbox relay benchmark: commit -> relay -> Kafka -> consumer handler, on the real database and broker.

The writers and the relay run in this process (as in a service); the consumer runs in a process of its own (as
another service would), recording when its handler ran.

1. Throughput: write --events events as fast as the writers can (transactions of 50, 4 writers) while the relay
   and a consumer run; events_per_s = events / (first commit .. last handler done).
2. Latency: a steady --rate events/s for --seconds, one event per transaction (like a busy API), measuring
   commit-to-handler time per event (p50/p99).
Every handled event is checked against what was committed: `lost` (committed, never handled) and `duplicated`
(handled more than once) must both be 0.

    uv run python bench/relay.py [--events 20000] [--rate 500] [--seconds 20]

The last line is one JSON object.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
import uuid
from collections import Counter
from pathlib import Path

from gymloop_contracts import Envelope
from gymloop_contracts.events.members import MemberArchived
from gymloop_devstack import infra
from gymloop_kit.db import Database
from gymloop_kit.logging import configure_logging
from gymloop_kit.messaging.consumer import EventConsumer, Subscriptions
from gymloop_kit.messaging.kafka import create_producer, ensure_topics
from gymloop_kit.messaging.outbox import add_event, add_events
from gymloop_kit.messaging.relay import OutboxRelay
from gymloop_kit.messaging.tables import metadata as delivery_metadata
from sqlalchemy import Column, Float, MetaData, Table, Uuid, insert, select
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

committed_at: dict[uuid.UUID, float] = {}
handled: Counter[uuid.UUID] = Counter()
handled_at: dict[uuid.UUID, float] = {}

bench_metadata = MetaData()
# No unique constraint: only the inbox may keep an event from being handled twice.
effects = Table(
    "bench_effect",
    bench_metadata,
    Column("event_id", Uuid, nullable=False),
    Column("handled_at", Float, nullable=False),
)


async def on_event(session: AsyncSession, event: MemberArchived, envelope: Envelope) -> None:
    await session.execute(insert(effects).values(event_id=envelope.event_id, handled_at=time.time()))


async def run_consumer(database_url: str, bootstrap: str) -> None:
    """The consumer process: handles events until terminated."""
    configure_logging("bench-consumer", "WARNING")
    database = Database(database_url)
    producer = create_producer(bootstrap, "bench-consumer")
    await producer.start()
    subscriptions = Subscriptions()
    subscriptions.on(MemberArchived)(on_event)
    consumer = EventConsumer(
        name="bench", database=database, subscriptions=subscriptions, bootstrap_servers=bootstrap,
        dlq_producer=producer,
    )  # fmt: skip
    task = asyncio.create_task(consumer.run())
    await consumer.assigned.wait()
    print("ready", flush=True)
    await task


async def collect_effects(database: Database) -> None:
    """Read what the consumer process handled so far into `handled` / `handled_at`."""
    async with database.transaction() as session:
        rows = (await session.execute(select(effects.c.event_id, effects.c.handled_at))).all()
    handled.clear()
    for event_id, at in rows:
        handled[event_id] += 1
        handled_at[event_id] = min(at, handled_at.get(event_id, at))


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


async def wait_until_handled(database: Database, ids: set[uuid.UUID], timeout_s: float) -> None:
    deadline = time.time() + timeout_s
    while time.time() < deadline:
        await collect_effects(database)
        if all(event_id in handled for event_id in ids):
            break
        await asyncio.sleep(0.25)


async def throughput_phase(database: Database, studio: uuid.UUID, total: int) -> tuple[float, set[uuid.UUID]]:
    ids: set[uuid.UUID] = set()
    queue: asyncio.Queue[int] = asyncio.Queue()
    for start in range(0, total, 50):
        queue.put_nowait(min(50, total - start))

    async def writer() -> None:
        while not queue.empty():
            size = queue.get_nowait()
            async with database.transaction() as session:
                payloads = [MemberArchived(member_id=uuid.uuid4(), reason="bench") for _ in range(size)]
                envelopes = await add_events(session, payloads, studio_id=studio)
            now = time.time()
            for envelope in envelopes:
                committed_at[envelope.event_id] = now
                ids.add(envelope.event_id)

    started = time.time()
    await asyncio.gather(*(writer() for _ in range(4)))
    print(f"  wrote {total} events in {time.time() - started:.1f}s; waiting for the consumer", flush=True)
    await wait_until_handled(database, ids, timeout_s=300)
    finished = max(handled_at[event_id] for event_id in ids if event_id in handled_at)
    return total / (finished - started), ids


async def latency_phase(database: Database, studio: uuid.UUID, rate: int, seconds: float) -> set[uuid.UUID]:
    ids: set[uuid.UUID] = set()
    total = int(rate * seconds)
    in_flight = asyncio.Semaphore(64)

    async def commit_one() -> None:
        async with in_flight:
            async with database.transaction() as session:
                envelope = await add_event(session, MemberArchived(member_id=uuid.uuid4()), studio_id=studio)
            committed_at[envelope.event_id] = time.time()
            ids.add(envelope.event_id)

    tasks = []
    start = time.time()
    for n in range(total):
        delay = start + n / rate - time.time()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(commit_one()))
        if n and n % (rate * 5) == 0:
            print(f"  {n // rate}s: {n} committed", flush=True)
    await asyncio.gather(*tasks)
    achieved = total / (time.time() - start)
    print(f"  offered {rate}/s, committed at {achieved:.0f}/s; waiting for the consumer", flush=True)
    await wait_until_handled(database, ids, timeout_s=120)
    return ids


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--rate", type=int, default=500)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--consumer", nargs=2, metavar=("DATABASE_URL", "BOOTSTRAP"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.consumer:
        await run_consumer(*args.consumer)
        return
    configure_logging("bench", "WARNING")

    workdir = Path(tempfile.mkdtemp(prefix="gymloop-bench-relay-"))
    print("starting embedded PostgreSQL and Tansu", flush=True)
    postgres = infra.EmbeddedPostgres(workdir / "pg", delete_on_stop=True).start()
    broker = infra.TansuBroker(log_path=workdir / "tansu.log").start()
    await infra.create_database(postgres.dsn(), "bench")
    engine = create_async_engine(postgres.url("bench"))
    async with engine.begin() as connection:
        await connection.run_sync(delivery_metadata.create_all)
        await connection.run_sync(bench_metadata.create_all)
    await engine.dispose()
    await ensure_topics(broker.bootstrap_servers, ["MemberArchived", "MemberArchived.DLQ"])

    database = Database(postgres.url("bench"), pool_size=20)
    producer = create_producer(broker.bootstrap_servers, "bench")
    await producer.start()
    relay = OutboxRelay(database, producer, service="bench", poll_interval=1.0)
    consumer = await asyncio.create_subprocess_exec(
        sys.executable, __file__, "--consumer", postgres.url("bench"), broker.bootstrap_servers,
        stdout=asyncio.subprocess.PIPE,
    )  # fmt: skip
    tasks = [asyncio.create_task(relay.run())]
    try:
        assert consumer.stdout is not None
        await asyncio.wait_for(consumer.stdout.readline(), 60)
        studio = uuid.uuid4()
        print(f"throughput: {args.events} events", flush=True)
        events_per_s, burst_ids = await throughput_phase(database, studio, args.events)
        print(f"  {events_per_s:.0f} events/s commit-to-handler", flush=True)
        print(f"latency: steady {args.rate} events/s for {args.seconds:.0f}s", flush=True)
        steady_ids = await latency_phase(database, studio, args.rate, args.seconds)
        await collect_effects(database)
        latencies = [(handled_at[i] - committed_at[i]) * 1000 for i in steady_ids if i in handled_at]
    finally:
        relay.stop()
        consumer.terminate()
        await consumer.wait()
        await asyncio.gather(*tasks, return_exceptions=True)
        await producer.stop()
        await database.dispose()
        broker.stop()
        postgres.stop()

    everything = burst_ids | steady_ids
    result = {
        "bench": "relay",
        "events": len(everything),
        "events_per_s": round(events_per_s, 1),
        "steady_rate": args.rate,
        "p50_ms": round(statistics.median(latencies), 2),
        "p99_ms": round(percentile(latencies, 0.99), 2),
        "max_ms": round(max(latencies), 2),
        "lost": sum(1 for event_id in everything if event_id not in handled),
        "duplicated": sum(count - 1 for count in handled.values() if count > 1),
    }
    print(json.dumps(result))


if __name__ == "__main__":
    asyncio.run(main())
