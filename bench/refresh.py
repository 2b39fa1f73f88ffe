"""Benchmark: a full notifications refresh for one studio on a real PostgreSQL, beside a plain scan.

Data: `--members` members (default 100,000) and `--rows` attended sessions (default 10,000,000), spread
over the last ~13 months; a quarter of the members stopped coming 20 days ago, so absences and trends
fire. Measured in the same run on the same table:
- scan_seconds: a plain scan of the studio's attendance rows (count and min/max of the day);
- seconds: the first `refresh_studio` - the members read with their attendance summaries (last attended
  day, visits per day in the trend windows: `attendance_day` / `attendance_member`, kept with every
  attendance change), every rule evaluated per member, new notifications stored and their events queued in
  the outbox, in one transaction;
- second_refresh_seconds: the same again when nothing is new (the nightly steady state).
ratio = seconds / scan_seconds, second_ratio = second_refresh_seconds / scan_seconds. The seed bypasses the
service, so the summaries are rebuilt from the rows once (summary_build_seconds, not part of a refresh).
--profile prints the top entries (own time) of a cProfile of each refresh. Last line: one JSON object.
Usage: uv run --frozen python bench/refresh.py [--members N] [--rows N] [--profile]
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import pstats
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

from gymloop_devstack.infra import EmbeddedPostgres, create_database
from gymloop_kit.db import Database
from gymloop_kit.migrations import upgrade_async
from gymloop_notifications.service import attendance_summary
from gymloop_notifications.service.refresh import RefreshResult, refresh_studio
from sqlalchemy import text

MIGRATIONS = Path(__file__).resolve().parents[1] / "services" / "notifications" / "migrations"


async def seed(database: Database, studio_id: uuid.UUID, members: int, rows: int) -> None:
    per_member = max(1, rows // members)
    async with database.transaction() as session:
        await session.execute(
            text("""
                INSERT INTO member (studio_id, member_id, display_name, email, birth_date, start_date,
                                    responsible_employee_id)
                SELECT :studio, gen_random_uuid(), 'Member ' || i, 'm' || i || '@example.com',
                       date '1970-01-01' + (i * 37 % 15000), current_date - 500 + (i % 60),
                       (ARRAY[gen_random_uuid(), gen_random_uuid()])[1 + i % 2]
                FROM generate_series(1, :members) AS i
            """),
            {"studio": studio_id, "members": members},
        )
    print(f"seeded {members} members; inserting {per_member * members} attendance rows", flush=True)
    async with database.transaction() as session:
        await session.execute(text("SET LOCAL synchronous_commit = off"))
        await session.execute(
            text("""
                INSERT INTO attendance (studio_id, booking_id, member_id, attended_at, attended_on, attended)
                SELECT m.studio_id, gen_random_uuid(), m.member_id, t.at,
                       (t.at AT TIME ZONE 'Europe/Amsterdam')::date, true
                FROM (SELECT studio_id, member_id, row_number() OVER () AS n FROM member WHERE studio_id = :studio) m
                CROSS JOIN LATERAL (
                    SELECT now() - make_interval(days => (CASE WHEN m.n % 4 = 1 THEN 20 ELSE 0 END)
                                                          + (random() * 380)::int,
                                                 hours => (random() * 12)::int) AS at
                    FROM generate_series(1, :per_member)
                ) t
            """),
            {"studio": studio_id, "per_member": per_member},
        )
    async with database.engine.connect() as connection:
        await (await connection.execution_options(isolation_level="AUTOCOMMIT")).execute(
            text("VACUUM ANALYZE attendance")
        )
        await connection.execute(text("ANALYZE member"))


async def timed_refresh(database: Database, studio_id: uuid.UUID, profile: bool) -> tuple[float, RefreshResult]:
    profiler = cProfile.Profile() if profile else None
    started = time.perf_counter()
    if profiler is not None:
        profiler.enable()
    async with database.transaction() as session:
        result = await refresh_studio(session, studio_id, datetime.now(UTC))
    seconds = time.perf_counter() - started
    if profiler is not None:
        profiler.disable()
        pstats.Stats(profiler).sort_stats("tottime").print_stats(12)
    return seconds, result


async def main(members: int, rows: int, profile: bool = False) -> dict[str, object]:
    with tempfile.TemporaryDirectory() as scratch:
        server = EmbeddedPostgres(Path(scratch) / "pg", delete_on_stop=True).start()
        try:
            await create_database(server.dsn(), "notifications_bench")
            url = server.url("notifications_bench")
            await upgrade_async(MIGRATIONS, url)
            database = Database(url)
            studio_id = uuid.uuid4()
            started = time.perf_counter()
            await seed(database, studio_id, members, rows)
            print(f"seeded in {time.perf_counter() - started:.1f}s", flush=True)
            started = time.perf_counter()
            async with database.transaction() as session:
                await attendance_summary.rebuild(session, studio_id)
            summary_build_seconds = time.perf_counter() - started
            async with database.engine.connect() as connection:
                autocommit = await connection.execution_options(isolation_level="AUTOCOMMIT")
                await autocommit.execute(text("VACUUM ANALYZE attendance_day"))
                await autocommit.execute(text("VACUUM ANALYZE attendance_member"))
            print(f"summaries built in {summary_build_seconds:.1f}s", flush=True)

            print("plain scan", flush=True)
            started = time.perf_counter()
            async with database.transaction() as session:
                scanned = (
                    await session.execute(
                        text(
                            "SELECT count(*), min(attended_on), max(attended_on) FROM attendance WHERE studio_id = :s"
                        ),
                        {"s": studio_id},
                    )
                ).one()
            scan_seconds = time.perf_counter() - started

            print(f"  {scan_seconds:.2f}s", flush=True)
            print("refresh", flush=True)
            seconds, result = await timed_refresh(database, studio_id, profile)
            print(f"  {seconds:.2f}s, {result.created} created", flush=True)
            print("second refresh (everything already raised)", flush=True)
            second_seconds, again = await timed_refresh(database, studio_id, profile)
            print(f"  {second_seconds:.2f}s, {again.created} created", flush=True)
            async with database.transaction() as session:
                queued = (await session.execute(text("SELECT count(*) FROM outbox"))).scalar_one()
            await database.dispose()
        finally:
            server.stop()
    return {
        "members": members,
        "attendance_rows": int(scanned[0]),
        "seconds": round(seconds, 3),
        "scan_seconds": round(scan_seconds, 3),
        "ratio": round(seconds / scan_seconds, 2),
        "notifications_created": result.created,
        "events_queued": int(queued),
        "second_refresh_seconds": round(second_seconds, 3),
        "second_ratio": round(second_seconds / scan_seconds, 2),
        "second_refresh_created": again.created,
        "summary_build_seconds": round(summary_build_seconds, 3),
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--profile", action="store_true", help="print each refresh's cProfile top entries")
    arguments = parser.parse_args()
    print(json.dumps({"bench": "refresh", **asyncio.run(main(arguments.members, arguments.rows, arguments.profile))}))
