"""Benchmark: member sign-ups per second through the gateway, the trivial read through the gateway beside the
same read straight to the service, and a booking rush on one session, all in one run on one stack.

Starts a real PostgreSQL (embedded) and the Kafka-protocol broker, the bookings service and the gateway as
their own processes, seeds one studio (sessions, members with session packs), then measures, in this order:
- the trivial authenticated read (GET /locations: token check, one tiny query) through the gateway and straight to
  bookings, alternated in rounds (`read_gateway_rps`, `read_direct_rps`, their ratio `gateway_read_ratio`);
- concurrent sign-ups as members through the gateway (`signups_per_s`, `ratio` to the gateway's read, p50/p99);
- sign-ups offered at half that peak rate, open loop (`paced_*`: the answer times a member sees at that load);
- the rush: `--rush-members` members try to book one session of `--rush-capacity` places within
  `--rush-seconds`, each at its own moment (`rush_*`: answer-time distribution, exactly `rush_capacity` booked,
  the rest waitlisted, and whether the waitlist positions follow the order in which the service took the requests).
Afterwards it checks the database: no session over capacity, and every pack's credits conserved with held credits
== active bookings. Prints progress on stderr and, as the LAST line, one JSON object with all figures and sizes.
Usage: uv run --frozen python bench/booking.py [--members 1500] [--sessions 50] [--capacity 20] [--concurrency 32]
       [--reads 1500] [--rush-members 2000] [--rush-capacity 20] [--rush-seconds 1]
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
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import aiohttp
import httpx
from gymloop_bookings.db.models import BookingRow, EntitlementRow, SessionRow, WaitlistEntryRow
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
READ_ROUNDS = 4  # the gateway's and the direct read alternate, so a busy moment of the machine hits both
NO_ANSWER = 0  # the status counted for a request the gateway never answered (connection refused or reset)
SEED_BATCH = 200  # members' packs applied per transaction while seeding
RUSH_CONNECTIONS = 256  # the members' connections to the gateway during the rush (one client, like a load balancer)


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


@dataclass
class Request:
    method: str
    url: str
    headers: dict[str, str]
    member_id: uuid.UUID | None = None


@dataclass
class Outcome:
    """What the load generator saw: per request its answer time (ms), status and when it was sent."""

    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    codes: list[int] = field(default_factory=list)
    sent_at: dict[uuid.UUID, float] = field(default_factory=dict)

    def add(self, other: Outcome) -> None:
        self.seconds += other.seconds
        self.latencies += other.latencies
        self.codes += other.codes


async def send(client: aiohttp.ClientSession, request: Request, outcome: Outcome, failures: list[str]) -> None:
    started = time.perf_counter()
    if request.member_id is not None:
        outcome.sent_at[request.member_id] = started
    body = None if request.method == "GET" else b"{}"
    headers = request.headers if body is None else {**request.headers, "Content-Type": "application/json"}
    try:
        async with client.request(request.method, request.url, headers=headers, data=body) as answer:
            status, text = answer.status, await answer.read()
    except (aiohttp.ClientError, TimeoutError) as error:  # no answer at all: counted as status 0
        status, text = NO_ANSWER, repr(error).encode()
    outcome.latencies.append((time.perf_counter() - started) * 1000)
    outcome.codes.append(status)
    if (status >= 400 or status == NO_ANSWER) and not failures:
        failures.append(text[:300].decode(errors="replace"))
        log(f"first failure: {status} {failures[0]}")


async def closed_loop(client: aiohttp.ClientSession, requests: list[Request], concurrency: int) -> Outcome:
    """`concurrency` callers, each sending its next request when the previous one is answered."""
    pending = iter(requests)
    outcome, failures = Outcome(), []

    async def caller() -> None:
        for request in pending:
            await send(client, request, outcome, failures)

    started = time.perf_counter()
    await asyncio.gather(*(caller() for _ in range(concurrency)))
    outcome.seconds = time.perf_counter() - started
    return outcome


async def open_loop(client: aiohttp.ClientSession, requests: list[Request], rate_per_s: float) -> Outcome:
    """Request i is sent at i / rate_per_s seconds, whether or not earlier ones were answered (as members do)."""
    outcome, failures = Outcome(), []
    started = time.perf_counter()

    async def at_its_moment(index: int, request: Request) -> None:
        await asyncio.sleep(max(0.0, started + index / rate_per_s - time.perf_counter()))
        await send(client, request, outcome, failures)

    await asyncio.gather(*(at_its_moment(index, request) for index, request in enumerate(requests)))
    outcome.seconds = time.perf_counter() - started
    return outcome


def inversions(order: list[uuid.UUID], reference: dict[uuid.UUID, float]) -> int:
    """How many pairs of `order` are the other way round by `reference` (0: the same order)."""
    values = [reference[item] for item in order]
    return sum(1 for i in range(len(values)) for later in values[i + 1 :] if later < values[i])


async def run(args: argparse.Namespace, workdir: Path) -> dict[str, object]:
    postgres = EmbeddedPostgres(workdir / "pg", delete_on_stop=True).start()
    logs = Path(args.logs) if args.logs else workdir
    logs.mkdir(parents=True, exist_ok=True)
    broker = TansuBroker(log_path=logs / "tansu.log").start()
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
                logs / "bookings.log",
            )
        )  # fmt: skip
        processes.append(
            start_process(
                "gymloop_gateway",
                {**common, "GYMLOOP_HTTP_PORT": str(gateway_port),
                 "GYMLOOP_SERVICE_URLS": json.dumps({"bookings": f"http://127.0.0.1:{bookings_port}"})},
                gateway_port,
                logs / "gateway.log",
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
        direct = f"http://127.0.0.1:{bookings_port}"
        zone = ZoneInfo("Europe/Amsterdam")
        members = [uuid.uuid4() for _ in range(max(args.members, args.rush_members))]
        async with httpx.AsyncClient(timeout=60) as client:
            answer = await client.put(f"{base}/settings", json={}, headers=admin)  # the zone comes from members
            answer.raise_for_status()
            location = (await client.post(f"{base}/locations", json={"name": "Zaal 1"}, headers=admin)).json()["id"]
            kind = (await client.post(f"{base}/session-types", json={"name": "CrossFit"}, headers=admin)).json()["id"]

            async def new_session(starts: datetime, capacity: int) -> str:
                local = starts.astimezone(zone)
                body = {
                    "location_id": location, "session_type_id": kind, "day": local.date().isoformat(),
                    "start_time": local.time().replace(second=0, microsecond=0).isoformat(),
                    "duration_minutes": 50, "capacity": capacity,
                }  # fmt: skip
                answer = await client.post(f"{base}/sessions", json=body, headers=admin)
                answer.raise_for_status()
                session_id: str = answer.json()["id"]
                return session_id

            log(
                f"seeding {args.sessions} sessions, the rush session and {max(args.members, args.rush_members)} members"
            )
            now = datetime.now(UTC)
            sessions = [
                await new_session(now + timedelta(days=1 + index // 10, hours=index % 10), args.capacity)
                for index in range(args.sessions)
            ]
            # Today, hours before any other session: no member's booking overlaps it.
            rush_session = await new_session(now + timedelta(hours=12), args.rush_capacity)
        database = Database(url, pool_size=4)
        for first in range(0, len(members), SEED_BATCH):
            async with database.transaction() as db:  # as the consumer applies a batch: one transaction
                for member in members[first : first + SEED_BATCH]:
                    event = SubscriptionActivated(
                        subscription_id=uuid.uuid4(), member_id=member, plan_id=uuid.uuid4(), plan_name="10 rides",
                        plan_kind="pack", credits=10, valid_from=date.today(), valid_until=date.today() + VALIDITY,
                        collection_method="offline",
                    )  # fmt: skip
                    envelope = wrap(event, studio_id=studio_id, producer="billing", correlation_id="bench", sequence=1)
                    await apply_billing_event(db, event, envelope)
        member_tokens = {member: token("member", member) for member in members}

        rng = random.Random(7)
        first_choice = {member: rng.randrange(len(sessions)) for member in members[: args.members]}
        signups = [
            Request("POST", f"{base}/sessions/{sessions[choice]}/bookings", member_tokens[member])
            for member, choice in first_choice.items()
        ]
        # Another session than the first one for each member: the paced run books, it does not bounce off.
        paced = [
            Request("POST", f"{base}/sessions/{sessions[(choice + 1) % len(sessions)]}/bookings", member_tokens[m])
            for m, choice in first_choice.items()
        ][: args.paced]
        rush = [
            Request("POST", f"{base}/sessions/{rush_session}/bookings", member_tokens[member], member)
            for member in members[: args.rush_members]
        ]
        per_round = max(1, args.reads // READ_ROUNDS)
        through_gateway = [Request("GET", f"{base}/locations", admin) for _ in range(per_round)]
        straight = [Request("GET", f"{direct}/locations", admin) for _ in range(per_round)]

        timeout = aiohttp.ClientTimeout(total=120)
        connector = aiohttp.TCPConnector(limit=max(args.concurrency, RUSH_CONNECTIONS))
        async with aiohttp.ClientSession(connector=connector, timeout=timeout) as client:
            log("warming up")
            await closed_loop(client, through_gateway[:200], args.concurrency)
            await closed_loop(client, straight[:200], args.concurrency)
            log(f"trivial reads: {READ_ROUNDS} x {per_round} through the gateway and straight to bookings")
            gateway_reads, direct_reads = Outcome(), Outcome()
            for _ in range(READ_ROUNDS):
                gateway_reads.add(await closed_loop(client, through_gateway, args.concurrency))
                direct_reads.add(await closed_loop(client, straight, args.concurrency))
            log(f"sign-ups: {len(signups)} with concurrency {args.concurrency}")
            booked = await closed_loop(client, signups, args.concurrency)
            signups_per_s = len(signups) / booked.seconds
            paced_rate = signups_per_s / 2
            log(f"paced sign-ups: {len(paced)} offered at {paced_rate:.1f}/s (half the peak)")
            paced_outcome = await open_loop(client, paced, paced_rate)
            rush_rate = len(rush) / args.rush_seconds
            log(f"rush: {len(rush)} members on {args.rush_capacity} places within {args.rush_seconds} s")
            rush_outcome = await open_loop(client, rush, rush_rate)

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
            rush_id = uuid.UUID(rush_session)
            rush_booked_in_db = await db.scalar(
                select(func.count()).where(BookingRow.session_id == rush_id, BookingRow.status == "active")
            )
            waitlist = (
                await db.execute(
                    select(WaitlistEntryRow.member_id, WaitlistEntryRow.joined_at, WaitlistEntryRow.position)
                    .where(WaitlistEntryRow.session_id == rush_id)
                    .order_by(WaitlistEntryRow.position)
                )
            ).all()
        await database.dispose()
        # `joined_at` is the moment the service took the request (before it queued for the session); positions in
        # that order mean first come, first served. Against the moment the client sent it, a few neighbours may
        # swap on the way (two cores, one gateway): counted, not required to be 0.
        joined = [entry.joined_at for entry in waitlist]
        positions = [entry.position for entry in waitlist]
        in_arrival_order = joined == sorted(joined) and positions == sorted(set(positions))
        send_order_inversions = inversions([entry.member_id for entry in waitlist], rush_outcome.sent_at)
        read_gateway_rps = len(gateway_reads.codes) / gateway_reads.seconds
        read_direct_rps = len(direct_reads.codes) / direct_reads.seconds
        return {
            "signups_per_s": round(signups_per_s, 1),
            "baseline_rps": round(read_gateway_rps, 1),
            "ratio": round(signups_per_s / read_gateway_rps, 3),
            "p50_ms": round(statistics.median(booked.latencies), 1),
            "p99_ms": round(percentile(booked.latencies, 0.99), 1),
            "overbooked": overbooked,
            "credit_mismatch": mismatch,
            "booked": booked.codes.count(201),
            "waitlisted": booked.codes.count(202),
            "refused": len(booked.codes) - booked.codes.count(201) - booked.codes.count(202),
            "read_gateway_rps": round(read_gateway_rps, 1),
            "read_direct_rps": round(read_direct_rps, 1),
            "gateway_read_ratio": round(read_gateway_rps / read_direct_rps, 3),
            "read_gateway_p50_ms": round(statistics.median(gateway_reads.latencies), 1),
            "read_direct_p50_ms": round(statistics.median(direct_reads.latencies), 1),
            "baseline_errors": len([c for c in gateway_reads.codes + direct_reads.codes if c != 200]),
            "paced_offered_per_s": round(paced_rate, 1),
            "paced_p50_ms": round(statistics.median(paced_outcome.latencies), 1),
            "paced_p99_ms": round(percentile(paced_outcome.latencies, 0.99), 1),
            "paced_errors": len([c for c in paced_outcome.codes if c not in (201, 202)]),
            "rush_members": len(rush),
            "rush_capacity": args.rush_capacity,
            "rush_offered_within_s": args.rush_seconds,
            "rush_all_answered_s": round(rush_outcome.seconds, 2),
            "rush_booked": rush_outcome.codes.count(201),
            "rush_booked_in_db": rush_booked_in_db,
            "rush_waitlisted": rush_outcome.codes.count(202),
            "rush_waitlist_in_db": len(waitlist),
            "rush_refused": len(rush_outcome.codes) - rush_outcome.codes.count(201) - rush_outcome.codes.count(202),
            "rush_p50_ms": round(statistics.median(rush_outcome.latencies), 1),
            "rush_p90_ms": round(percentile(rush_outcome.latencies, 0.90), 1),
            "rush_p99_ms": round(percentile(rush_outcome.latencies, 0.99), 1),
            "rush_max_ms": round(max(rush_outcome.latencies), 1),
            "rush_waitlist_in_arrival_order": in_arrival_order,
            "rush_waitlist_send_order_inversions": send_order_inversions,
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
    parser.add_argument("--reads", type=int, default=1500, help="trivial reads each way (gateway, direct)")
    parser.add_argument("--paced", type=int, default=500, help="sign-ups offered at half the peak rate")
    parser.add_argument("--rush-members", type=int, default=2000)
    parser.add_argument("--rush-capacity", type=int, default=20)
    parser.add_argument("--rush-seconds", type=float, default=1.0)
    parser.add_argument("--logs", help="keep the processes' logs in this folder (default: removed with the run)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-booking-") as workdir:
        result = asyncio.run(run(args, Path(workdir)))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
