"""Scale-out benchmark: one, then two instances of the notifications service in one consumer group.

The real service runs as its own processes (`python -m gymloop_notifications`, as in a deployment) on one database
and a broker whose topics have --partitions partitions. AttendanceRecorded events (one booking each, members
spread over the partitions) are put on the broker as bookings' relay does; the service applies each one (the
attendance row and the attendance rules of that member). A trigger of this benchmark on the attendance table
records every time a booking's row is written, so each event must be applied exactly once:
`lost` (never applied) and `duplicated` (applied more than once) must both be 0.

1. one instance: --events events; events/s from the first to the last applied.
2. two instances (same consumer group, each gets half of the partitions): the same.
3. rebalance: two instances, --events events, and one instance is stopped (SIGTERM) once a third is applied;
   the other takes over its partitions. Reports the longest pause between two applied events.

    uv run python bench/scale_out.py [--events 600] [--partitions 6]

The last line is one JSON object; `ratio` is two instances' events/s over one's.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from gymloop_contracts import topics, wrap
from gymloop_contracts.events.bookings import AttendanceRecorded
from gymloop_devstack import infra
from gymloop_kit.auth import KeyPair
from gymloop_kit.db import Database
from gymloop_kit.logging import configure_logging
from gymloop_kit.messaging.kafka import create_producer, ensure_topics
from gymloop_kit.migrations import upgrade_async
from sqlalchemy import text

ROOT = Path(__file__).resolve().parents[1]
MIGRATIONS = ROOT / "services" / "notifications" / "migrations"

# Benchmark instrumentation only: one row per write of a booking's attendance row, with the time it happened.
APPLIED_LOG = [
    "CREATE TABLE bench_applied (booking_id uuid NOT NULL, applied_at double precision NOT NULL)",
    """CREATE FUNCTION bench_note_applied() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN INSERT INTO bench_applied VALUES (NEW.booking_id, extract(epoch FROM clock_timestamp())); RETURN NULL;
       END $$""",
    "CREATE TRIGGER bench_applied AFTER INSERT OR UPDATE ON attendance "
    "FOR EACH ROW EXECUTE FUNCTION bench_note_applied()",
]


class Instance:
    """One notifications process."""

    def __init__(self, name: str, env: dict[str, str], log_path: Path) -> None:
        self.name = name
        self.port = infra.free_port()
        self.log = log_path.open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gymloop_notifications"],
            env={**env, "GYMLOOP_HTTP_PORT": str(self.port)},
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    async def ready(self, timeout_s: float = 120) -> None:
        deadline = time.monotonic() + timeout_s
        async with httpx.AsyncClient(timeout=3.0, trust_env=False) as client:
            while time.monotonic() < deadline:
                if self.process.poll() is not None:
                    raise SystemExit(f"{self.name} exited with {self.process.returncode}: see {self.log.name}")
                try:
                    ready = await client.get(f"http://127.0.0.1:{self.port}/ready")
                    if ready.status_code == 200 and ready.json()["checks"]["consumer"]["status"] == "ok":
                        return
                except (httpx.HTTPError, KeyError, ValueError):
                    pass
                await asyncio.sleep(0.3)
        raise SystemExit(f"{self.name} not ready after {timeout_s:.0f}s: see {self.log.name}")

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(5)
        self.log.close()


async def publish(bootstrap: str, studio: uuid.UUID, count: int) -> set[uuid.UUID]:
    """`count` AttendanceRecorded events as bookings' relay sends them (keyed by member); returns the bookings."""
    producer = create_producer(bootstrap, "bench-bookings")
    await producer.start()
    members = [uuid.uuid4() for _ in range(max(12, count // 10))]
    starts = datetime.now(UTC) - timedelta(days=1)
    bookings: set[uuid.UUID] = set()
    try:
        sends = []
        for n in range(count):
            event = AttendanceRecorded(
                booking_id=uuid.uuid4(), session_id=uuid.uuid4(), member_id=members[n % len(members)],
                location_id=uuid.uuid4(), session_type_id=uuid.uuid4(), starts_at=starts, status="attended",
            )  # fmt: skip
            envelope = wrap(event, studio_id=studio, producer="bookings", correlation_id=f"bench-{n}", sequence=1)
            sends.append(
                await producer.send(
                    envelope.topic, envelope.model_dump_json().encode(), key=envelope.partition_key.encode()
                )
            )
            bookings.add(event.booking_id)
        await asyncio.gather(*sends)
    finally:
        await producer.stop()
    return bookings


async def applied(database: Database, bookings: set[uuid.UUID]) -> list[tuple[uuid.UUID, float]]:
    async with database.transaction() as session:
        rows = await session.execute(text("SELECT booking_id, applied_at FROM bench_applied ORDER BY applied_at"))
        return [(row[0], float(row[1])) for row in rows if row[0] in bookings]


async def run_phase(
    label: str,
    database: Database,
    bootstrap: str,
    count: int,
    *,
    stop_midway: Instance | None = None,
    timeout_s: float = 600,
) -> dict[str, float | int]:
    print(f"{label}: {count} events", flush=True)
    bookings = await publish(bootstrap, uuid.uuid4(), count)
    deadline = time.monotonic() + timeout_s
    stopped_at: float | None = None
    while True:
        done = await applied(database, bookings)
        distinct = len({booking for booking, _ in done})
        if stop_midway is not None and stopped_at is None and distinct >= count // 3:
            print(f"  {distinct} applied: stopping {stop_midway.name}", flush=True)
            stopped_at = time.time()
            await asyncio.to_thread(stop_midway.stop)
        if distinct >= count or time.monotonic() > deadline:
            break
        await asyncio.sleep(0.5)
    await asyncio.sleep(3.0)  # a late duplicate would show up now
    done = await applied(database, bookings)
    times = [at for _, at in done]
    seen: dict[uuid.UUID, int] = {}
    for booking, _ in done:
        seen[booking] = seen.get(booking, 0) + 1
    span = max(times) - min(times) if len(times) > 1 else float("nan")
    result: dict[str, float | int] = {
        "events": count,
        "events_per_s": round(len(seen) / span, 1),
        "lost": sum(1 for booking in bookings if booking not in seen),
        "duplicated": sum(n - 1 for n in seen.values() if n > 1),
    }
    if stopped_at is not None:
        result["longest_pause_s"] = round(max(b - a for a, b in itertools.pairwise(times)), 2)
        result["after_stop_events_per_s"] = round(
            sum(1 for at in times if at > stopped_at) / max(0.001, max(times) - stopped_at), 1
        )
    print(f"  {json.dumps(result)}", flush=True)
    return result


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=600)
    parser.add_argument("--partitions", type=int, default=6)
    args = parser.parse_args()
    configure_logging("bench", "WARNING")

    workdir = Path(tempfile.mkdtemp(prefix="gymloop-bench-scale-out-"))
    print(f"starting embedded PostgreSQL and Tansu ({args.partitions} partitions per topic)", flush=True)
    postgres = infra.EmbeddedPostgres(workdir / "pg", delete_on_stop=True).start()
    broker = infra.TansuBroker(log_path=workdir / "tansu.log").start()
    instances: list[Instance] = []
    database: Database | None = None
    try:
        await infra.create_database(postgres.dsn(), "notifications")
        url = postgres.url("notifications")
        await upgrade_async(MIGRATIONS, url)
        database = Database(url, pool_size=2)
        async with database.transaction() as session:
            for statement in APPLIED_LOG:
                await session.execute(text(statement))
        await ensure_topics(broker.bootstrap_servers, topics(), partitions=args.partitions)
        env = {
            **os.environ,
            "GYMLOOP_SERVICE_NAME": "notifications",
            "GYMLOOP_DATABASE_URL": url,
            "GYMLOOP_KAFKA_BOOTSTRAP_SERVERS": broker.bootstrap_servers,
            "GYMLOOP_KAFKA_TOPIC_PARTITIONS": str(args.partitions),
            "GYMLOOP_JWT_PUBLIC_KEY": KeyPair.generate().public_pem,
            "GYMLOOP_SMTP_PORT": str(infra.free_port()),  # nothing listens: no mail is sent in this benchmark
            "GYMLOOP_LOG_LEVEL": "WARNING",
        }

        first = Instance("instance-1", env, workdir / "instance-1.log")
        instances.append(first)
        await first.ready()
        one = await run_phase("one instance", database, broker.bootstrap_servers, args.events)

        second = Instance("instance-2", env, workdir / "instance-2.log")
        instances.append(second)
        await second.ready()
        await asyncio.sleep(5.0)  # the group's rebalance gives each instance its share of the partitions
        two = await run_phase("two instances", database, broker.bootstrap_servers, args.events)

        rebalance = await run_phase(
            "two instances, one stopped mid-run", database, broker.bootstrap_servers, args.events, stop_midway=second
        )
    finally:
        for instance in instances:
            instance.stop()
        if database is not None:
            await database.dispose()
        broker.stop()
        postgres.stop()

    result = {
        "bench": "scale_out",
        "partitions": args.partitions,
        "events": args.events,
        "one_events_per_s": one["events_per_s"],
        "two_events_per_s": two["events_per_s"],
        "ratio": round(float(two["events_per_s"]) / float(one["events_per_s"]), 2),
        "rebalance_events_per_s": rebalance["events_per_s"],
        "rebalance_longest_pause_s": rebalance["longest_pause_s"],
        "lost": sum(int(phase["lost"]) for phase in (one, two, rebalance)),
        "duplicated": sum(int(phase["duplicated"]) for phase in (one, two, rebalance)),
    }
    print(json.dumps(result))


if __name__ == "__main__":
    asyncio.run(main())
