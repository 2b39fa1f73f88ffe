"""Benchmark: member sign-ups per second through the gateway, beside a trivial endpoint of the same stack.

Starts a real PostgreSQL (embedded) and the Kafka-protocol broker, the bookings service and the gateway as
their own processes, seeds one studio (sessions, members with session packs), then sends concurrent
sign-ups as members through the gateway, and the same number of trivial reads (GET /api/bookings/locations:
gateway, token check, one tiny query) as the baseline in the same run. Afterwards it checks the database:
no session over capacity, and every pack's credits conserved with held credits == active bookings.
Prints progress on stderr and, as the LAST line, one JSON object with signups_per_s, baseline_rps, ratio,
p50_ms, p99_ms, overbooked, credit_mismatch (and the sizes).
Usage: uv run --frozen python bench/booking.py [--members 1500] [--sessions 50] [--capacity 20] [--concurrency 32]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
from gymloop_bookings.db.models import BookingRow, EntitlementRow, SessionRow
from gymloop_bookings.messaging.subscriptions import apply_billing_event
from gymloop_contracts import wrap
from gymloop_contracts.events.billing import SubscriptionActivated
from gymloop_devstack.infra import EmbeddedPostgres, TansuBroker, create_database, free_port, wait_for_port
from gymloop_kit.auth import KeyPair, issue_access_token
from gymloop_kit.db import Database
from gymloop_kit.migrations import upgrade_async
from sqlalchemy import func, select

ROOT = Path(__file__).resolve().parents[1]
MIGRATIONS = ROOT / "services" / "bookings" / "migrations"
VALIDITY = timedelta(days=90)


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def start_process(module: str, env: dict[str, str], port: int, log_path: Path) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(
        [sys.executable, "-m", module],
        env={**os.environ, **env},
        stdout=open(log_path, "ab"),  # noqa: SIM115 - closed with the process
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    wait_for_port("127.0.0.1", port, timeout=60)
    return process


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


async def timed_requests(
    client: httpx.AsyncClient, requests: list[tuple[str, str, dict, dict]], concurrency: int
) -> tuple[float, list[float], list[int]]:
    queue: asyncio.Queue[tuple[str, str, dict, dict]] = asyncio.Queue()
    for request in requests:
        queue.put_nowait(request)
    latencies: list[float] = []
    codes: list[int] = []
    failures: list[str] = []

    async def worker() -> None:
        while not queue.empty():
            method, url, headers, body = queue.get_nowait()
            started = time.perf_counter()
            answer = await client.request(method, url, headers=headers, json=body if method != "GET" else None)
            latencies.append((time.perf_counter() - started) * 1000)
            codes.append(answer.status_code)
            if answer.status_code >= 400 and not failures:
                failures.append(answer.text[:300])
                log(f"first failure: {answer.status_code} {answer.text[:300]}")

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return time.perf_counter() - started, latencies, codes


async def run(args: argparse.Namespace, workdir: Path) -> dict[str, object]:
    postgres = EmbeddedPostgres(workdir / "pg", delete_on_stop=True).start()
    broker = TansuBroker(log_path=workdir / "tansu.log").start()
    processes: list[subprocess.Popen[bytes]] = []
    try:
        await create_database(postgres.dsn(), "bookings_bench")
        url = postgres.url("bookings_bench")
        await upgrade_async(MIGRATIONS, url)
        keys = KeyPair.generate()
        bookings_port, gateway_port = free_port(), free_port()
        common = {
            "GYMLOOP_KAFKA_BOOTSTRAP_SERVERS": broker.bootstrap_servers,
            "GYMLOOP_JWT_PUBLIC_KEY": keys.public_pem,
            "GYMLOOP_LOG_LEVEL": "WARNING",
        }
        log("starting bookings and gateway")
        processes.append(
            start_process(
                "gymloop_bookings",
                {**common, "GYMLOOP_DATABASE_URL": url, "GYMLOOP_HTTP_PORT": str(bookings_port),
                 "GYMLOOP_DATABASE_POOL_SIZE": "20", "GYMLOOP_HOUSEKEEPING_INTERVAL_S": "3600"},
                bookings_port,
                workdir / "bookings.log",
            )
        )  # fmt: skip
        processes.append(
            start_process(
                "gymloop_gateway",
                {**common, "GYMLOOP_HTTP_PORT": str(gateway_port),
                 "GYMLOOP_SERVICE_URLS": json.dumps({"bookings": f"http://127.0.0.1:{bookings_port}"})},
                gateway_port,
                workdir / "gateway.log",
            )
        )  # fmt: skip
        studio_id = uuid.uuid4()

        def token(role: str, member_id: uuid.UUID | None = None) -> dict[str, str]:
            signed = issue_access_token(
                keys.private_pem, account_id=uuid.uuid4(), studio_id=studio_id, role=role, member_id=member_id,
                ttl_s=3600,
            )  # fmt: skip
            return {"Authorization": f"Bearer {signed}"}

        admin = token("admin")
        base = f"http://127.0.0.1:{gateway_port}/api/bookings"
        limits = httpx.Limits(max_connections=args.concurrency * 2)
        async with httpx.AsyncClient(timeout=60, limits=limits) as client:
            answer = await client.put(f"{base}/settings", json={}, headers=admin)  # the zone comes from members
            answer.raise_for_status()
            location = (await client.post(f"{base}/locations", json={"name": "Zaal 1"}, headers=admin)).json()["id"]
            kind = (await client.post(f"{base}/session-types", json={"name": "CrossFit"}, headers=admin)).json()["id"]
            zone = ZoneInfo("Europe/Amsterdam")
            sessions = []
            log(f"seeding {args.sessions} sessions and {args.members} members")
            for index in range(args.sessions):
                local = (datetime.now(UTC) + timedelta(days=1 + index // 10, hours=index % 10)).astimezone(zone)
                body = {
                    "location_id": location, "session_type_id": kind, "day": local.date().isoformat(),
                    "start_time": local.time().replace(second=0, microsecond=0).isoformat(),
                    "duration_minutes": 50, "capacity": args.capacity,
                }  # fmt: skip
                answer = await client.post(f"{base}/sessions", json=body, headers=admin)
                answer.raise_for_status()
                sessions.append(answer.json()["id"])
            members = [uuid.uuid4() for _ in range(args.members)]
            database = Database(url, pool_size=4)
            for member in members:
                event = SubscriptionActivated(
                    subscription_id=uuid.uuid4(), member_id=member, plan_id=uuid.uuid4(), plan_name="10 rides",
                    plan_kind="pack", credits=10, valid_from=date.today(), valid_until=date.today() + VALIDITY,
                    collection_method="offline",
                )  # fmt: skip
                envelope = wrap(event, studio_id=studio_id, producer="billing", correlation_id="bench", sequence=1)
                async with database.transaction() as db:
                    await apply_billing_event(db, event, envelope)

            rng = random.Random(7)
            signups = [
                ("POST", f"{base}/sessions/{rng.choice(sessions)}/bookings", token("member", m), {}) for m in members
            ]
            trivial = [("GET", f"{base}/locations", admin, {}) for _ in members]
            log("warming up")
            await timed_requests(client, trivial[:200], args.concurrency)
            log(f"baseline: {len(trivial)} trivial reads")
            base_seconds, _, base_codes = await timed_requests(client, trivial, args.concurrency)
            log(f"sign-ups: {len(signups)} with concurrency {args.concurrency}")
            seconds, latencies, codes = await timed_requests(client, signups, args.concurrency)

        async with database.transaction() as db:
            over = await db.execute(
                select(SessionRow.id)
                .join(BookingRow, BookingRow.session_id == SessionRow.id)
                .where(BookingRow.status == "active")
                .group_by(SessionRow.id, SessionRow.capacity)
                .having(func.count() > SessionRow.capacity)
            )
            overbooked = len(over.all())
            held_by_booking = dict(
                (
                    await db.execute(
                        select(BookingRow.subscription_id, func.count())
                        .where(BookingRow.status == "active", BookingRow.charged_credit)
                        .group_by(BookingRow.subscription_id)
                    )
                ).all()
            )
            mismatch = 0
            for row in (await db.execute(select(EntitlementRow))).scalars():
                conserved = row.credits_left + row.held + row.forfeited + row.attended + row.expired == row.granted
                if not conserved or row.held != held_by_booking.get(row.subscription_id, 0):
                    mismatch += 1
        await database.dispose()
        signups_per_s = len(signups) / seconds
        baseline_rps = len(trivial) / base_seconds
        return {
            "signups_per_s": round(signups_per_s, 1),
            "baseline_rps": round(baseline_rps, 1),
            "ratio": round(signups_per_s / baseline_rps, 3),
            "p50_ms": round(statistics.median(latencies), 1),
            "p99_ms": round(percentile(latencies, 0.99), 1),
            "overbooked": overbooked,
            "credit_mismatch": mismatch,
            "booked": codes.count(201),
            "waitlisted": codes.count(202),
            "refused": len(codes) - codes.count(201) - codes.count(202),
            "baseline_errors": len([c for c in base_codes if c != 200]),
            "members": args.members,
            "sessions": args.sessions,
            "capacity": args.capacity,
            "concurrency": args.concurrency,
        }
    finally:
        for process in processes:
            process.terminate()
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
        broker.stop()
        postgres.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=1500)
    parser.add_argument("--sessions", type=int, default=50)
    parser.add_argument("--capacity", type=int, default=20)
    parser.add_argument("--concurrency", type=int, default=32)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-booking-") as workdir:
        result = asyncio.run(run(args, Path(workdir)))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
