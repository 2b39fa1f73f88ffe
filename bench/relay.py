"""Outbox relay benchmark: commit -> relay -> Kafka -> consumer handler, on the real database and broker.

Processes as in a deployment: --writers writer processes (like API workers) commit events through the kit's
outbox; the relay runs in this process; the consumer runs in a process of its own (like another service) and
records, in its own transaction with the inbox row, when its handler ran.

1. Throughput: the writers commit --events events as fast as they can (transactions of 50);
   events_per_s = events / (first commit .. last handler done).
2. Latency: the writers commit a steady --rate events/s for --seconds, one event per transaction (like a busy
   API); p50/p99 of commit-to-handler time per event.
Every committed event is checked against what the consumer handled: `lost` (committed, never handled) and
`duplicated` (handled more than once) must both be 0. `achieved_rate` is the commit rate the writers actually
sustained: on a loaded 2-core machine it can fall short of the offered --rate.

    uv run python bench/relay.py [--events 20000] [--rate 500] [--seconds 20] [--writers 2] [--compression gzip]
                                 [--fetch-wait-ms 50] [--profile DIR]

--profile DIR runs every process (relay, consumer, writers) under cProfile, writes DIR/<role>-<pid>.prof and
prints each role's top entries by own time before the result. The last line is one JSON object.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import os
import pstats
import signal
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
from gymloop_kit.messaging.kafka import FETCH_MAX_WAIT_MS, create_producer, ensure_topics
from gymloop_kit.messaging.outbox import add_event, add_events
from gymloop_kit.messaging.relay import OutboxRelay
from gymloop_kit.messaging.tables import metadata as delivery_metadata
from sqlalchemy import Column, Float, MetaData, Table, Uuid, distinct, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

bench_metadata = MetaData()
# No unique constraint: only the inbox may keep an event from being handled twice.
effects = Table(
    "bench_effect",
    bench_metadata,
    Column("event_id", Uuid, nullable=False),
    Column("handled_at", Float, nullable=False),
)

# --- the consumer process -------------------------------------------------------------------------------------


async def on_event(session: AsyncSession, event: MemberArchived, envelope: Envelope) -> None:
    await session.execute(insert(effects).values(event_id=envelope.event_id, handled_at=time.time()))


async def run_consumer(database_url: str, bootstrap: str, fetch_max_wait_ms: str) -> None:
    configure_logging("bench-consumer", "WARNING")
    database = Database(database_url)
    producer = create_producer(bootstrap, "bench-consumer")
    await producer.start()
    subscriptions = Subscriptions()
    subscriptions.on(MemberArchived)(on_event)
    consumer = EventConsumer(
        name="bench", database=database, subscriptions=subscriptions, bootstrap_servers=bootstrap,
        dlq_producer=producer, fetch_max_wait_ms=int(fetch_max_wait_ms),
    )  # fmt: skip
    task = asyncio.create_task(consumer.run())
    # Stopped by the coordinator with SIGTERM: end cleanly, so a profile is written.
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, consumer.stop)
    await consumer.assigned.wait()
    print("ready", flush=True)
    await task
    await producer.stop()


# --- the writer processes -------------------------------------------------------------------------------------


async def write_burst(database: Database, studio: uuid.UUID, total: int, committed: dict[uuid.UUID, float]) -> None:
    sizes = [min(50, total - start) for start in range(0, total, 50)]

    async def writer() -> None:
        while sizes:
            size = sizes.pop()
            async with database.transaction() as session:
                payloads = [MemberArchived(member_id=uuid.uuid4(), reason="bench") for _ in range(size)]
                envelopes = await add_events(session, payloads, studio_id=studio)
            now = time.time()
            committed.update((envelope.event_id, now) for envelope in envelopes)

    await asyncio.gather(*(writer() for _ in range(4)))


async def write_steady(
    database: Database, studio: uuid.UUID, total: int, rate: float, committed: dict[uuid.UUID, float]
) -> None:
    in_flight = asyncio.Semaphore(16)

    async def commit_one() -> None:
        async with in_flight:
            async with database.transaction() as session:
                envelope = await add_event(session, MemberArchived(member_id=uuid.uuid4()), studio_id=studio)
            committed[envelope.event_id] = time.time()

    tasks = []
    start = time.time()
    for n in range(total):
        delay = start + n / rate - time.time()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(commit_one()))
    await asyncio.gather(*tasks)
    print(f"  a writer committed {total} events at {total / (time.time() - start):.0f}/s", flush=True)


async def run_writer(database_url: str, mode: str, count: int, rate: float, out_path: str) -> None:
    configure_logging("bench-writer", "WARNING")
    database = Database(database_url, pool_size=16)
    committed: dict[uuid.UUID, float] = {}
    if mode == "burst":
        await write_burst(database, uuid.uuid4(), count, committed)
    else:
        await write_steady(database, uuid.uuid4(), count, rate, committed)
    await database.dispose()
    Path(out_path).write_text("".join(f"{event_id} {at}\n" for event_id, at in committed.items()))


# --- the coordinator (with the relay) -------------------------------------------------------------------------


async def run_writers(
    database_url: str, workdir: Path, mode: str, total: int, rate: float, writers: int
) -> dict[uuid.UUID, float]:
    outputs = [workdir / f"{mode}-{n}.txt" for n in range(writers)]
    processes = [
        await asyncio.create_subprocess_exec(
            sys.executable,
            __file__,
            "--writer",
            database_url,
            mode,
            str(total // writers),
            str(rate / writers),
            str(out),
        )
        for out in outputs
    ]
    if any([await process.wait() for process in processes]):
        raise SystemExit("a writer process failed")
    committed: dict[uuid.UUID, float] = {}
    for out in outputs:
        for line in out.read_text().splitlines():
            event_id, at = line.split()
            committed[uuid.UUID(event_id)] = float(at)
    return committed


async def handled_count(database: Database) -> int:
    async with database.transaction() as session:
        return int((await session.execute(select(func.count(distinct(effects.c.event_id))))).scalar_one())


async def handled_so_far(database: Database) -> tuple[Counter[uuid.UUID], dict[uuid.UUID, float]]:
    async with database.transaction() as session:
        rows = (await session.execute(select(effects.c.event_id, effects.c.handled_at))).all()
    counts: Counter[uuid.UUID] = Counter(event_id for event_id, _ in rows)
    first: dict[uuid.UUID, float] = {}
    for event_id, at in rows:
        first[event_id] = min(at, first.get(event_id, at))
    return counts, first


async def wait_until_handled(database: Database, ids: set[uuid.UUID], timeout_s: float) -> None:
    """Until every id is handled: counted in the database (loading every row at each look would load the machine
    the relay runs on); then checked id by id."""
    deadline = time.time() + timeout_s
    while time.time() < deadline:
        if await handled_count(database) >= len(ids):
            counts, _ = await handled_so_far(database)
            if all(event_id in counts for event_id in ids):
                return
        await asyncio.sleep(0.25)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


async def main() -> dict[str, object] | None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--rate", type=int, default=500)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--writers", type=int, default=2, help="writer processes (like API workers)")
    parser.add_argument("--compression", choices=["gzip"], help="the relay producer's compression (default none)")
    parser.add_argument(
        "--fetch-wait-ms",
        type=int,
        default=FETCH_MAX_WAIT_MS,
        help="the consumer's fetch_max_wait_ms (the kit's default)",
    )
    parser.add_argument("--profile", metavar="DIR", help="profile every process with cProfile into DIR")
    parser.add_argument("--writer", nargs=5, help=argparse.SUPPRESS)
    parser.add_argument("--consumer", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.consumer:
        await run_consumer(*args.consumer)
        return None
    if args.writer:
        url, mode, count, rate, out = args.writer
        await run_writer(url, mode, int(count), float(rate), out)
        return None
    configure_logging("bench", "WARNING")

    workdir = Path(tempfile.mkdtemp(prefix="gymloop-bench-relay-"))
    print("starting embedded PostgreSQL and Tansu", flush=True)
    postgres = infra.EmbeddedPostgres(workdir / "pg", delete_on_stop=True).start()
    broker = infra.TansuBroker(log_path=workdir / "tansu.log").start()
    await infra.create_database(postgres.dsn(), "bench")
    url = postgres.url("bench")
    engine = create_async_engine(url)
    async with engine.begin() as connection:
        await connection.run_sync(delivery_metadata.create_all)
        await connection.run_sync(bench_metadata.create_all)
    await engine.dispose()
    await ensure_topics(broker.bootstrap_servers, ["MemberArchived", "MemberArchived.DLQ"])

    database = Database(url, pool_size=5)
    tuning = {"compression_type": args.compression} if args.compression else {}
    producer = create_producer(broker.bootstrap_servers, "bench-relay", **tuning)
    await producer.start()
    relay = OutboxRelay(database, producer, service="bench", poll_interval=1.0)
    consumer = await asyncio.create_subprocess_exec(
        sys.executable,
        __file__,
        "--consumer",
        url,
        broker.bootstrap_servers,
        str(args.fetch_wait_ms),
        stdout=asyncio.subprocess.PIPE,
    )
    relay_task = asyncio.create_task(relay.run())
    try:
        assert consumer.stdout is not None
        await asyncio.wait_for(consumer.stdout.readline(), 180)  # a loaded machine starts slowly

        print(f"throughput: {args.events} events from {args.writers} writer processes", flush=True)
        started = time.time()
        burst = await run_writers(url, workdir, "burst", args.events, 0, args.writers)
        print(f"  committed in {time.time() - started:.1f}s; waiting for the consumer", flush=True)
        await wait_until_handled(database, set(burst), timeout_s=300)
        _, first_handled = await handled_so_far(database)
        events_per_s = len(burst) / (max(first_handled[i] for i in burst if i in first_handled) - started)
        print(f"  {events_per_s:.0f} events/s commit-to-handler", flush=True)

        print(f"latency: steady {args.rate} events/s for {args.seconds:.0f}s", flush=True)
        steady = await run_writers(url, workdir, "steady", int(args.rate * args.seconds), args.rate, args.writers)
        await wait_until_handled(database, set(steady), timeout_s=120)
        counts, first_handled = await handled_so_far(database)
    finally:
        relay.stop()
        consumer.terminate()
        await consumer.wait()
        await relay_task
        await producer.stop()
        await database.dispose()
        broker.stop()
        postgres.stop()

    latencies = [(first_handled[i] - at) * 1000 for i, at in steady.items() if i in first_handled]
    committed = {**burst, **steady}
    result = {
        "bench": "relay",
        "events": len(committed),
        "events_per_s": round(events_per_s, 1),
        "steady_rate": args.rate,
        "compression": args.compression or "none",
        "fetch_wait_ms": args.fetch_wait_ms,
        "achieved_rate": round(len(steady) / (max(steady.values()) - min(steady.values())), 1),
        "p50_ms": round(statistics.median(latencies), 2),
        "p99_ms": round(percentile(latencies, 0.99), 2),
        "max_ms": round(max(latencies), 2),
        "lost": sum(1 for event_id in committed if event_id not in counts),
        "duplicated": sum(count - 1 for count in counts.values() if count > 1),
    }
    return result


PROFILE_DIR = "GYMLOOP_BENCH_PROFILE_DIR"  # set by --profile; the writer and consumer processes inherit it


def profiled_run(role: str) -> dict[str, object] | None:
    directory = os.environ.get(PROFILE_DIR)
    if not directory:
        return asyncio.run(main())
    profile = cProfile.Profile()
    try:
        return profile.runcall(asyncio.run, main())
    finally:
        profile.dump_stats(str(Path(directory) / f"{role}-{os.getpid()}.prof"))
        if role == "relay":
            print_profiles(Path(directory))


def print_profiles(directory: Path, top: int = 12) -> None:
    for role in ("relay", "consumer", "writer"):
        files = sorted(str(path) for path in directory.glob(f"{role}-*.prof"))
        if not files:
            continue
        print(f"profile of the {role} process(es), top {top} by own time:", flush=True)
        stats = pstats.Stats(*files, stream=sys.stdout)
        stats.sort_stats("tottime").print_stats(top)


if __name__ == "__main__":
    role = "writer" if "--writer" in sys.argv else "consumer" if "--consumer" in sys.argv else "relay"
    if role == "relay" and "--profile" in sys.argv:
        profile_dir = Path(sys.argv[sys.argv.index("--profile") + 1]).resolve()
        profile_dir.mkdir(parents=True, exist_ok=True)
        os.environ[PROFILE_DIR] = str(profile_dir)
    result = profiled_run(role)
    if result is not None:
        print(json.dumps(result))
