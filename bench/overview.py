"""Benchmark: the gateway's member overview (GET /api/views/members/{id}/overview) beside a single-service read.

Starts a real PostgreSQL (embedded) and the Kafka-protocol broker, the members, billing, bookings and notifications
services and the gateway as their own processes, and seeds one studio straight into the services' own databases
(SQL with generate_series: 10,000 members by default, each with a subscription, tags and a note, a year of
bookings at two a week, monthly payments and a few purchases, and notifications' read model of them; writing
that through the routes would take hours).
Then, as staff, it reads random members' overviews with N concurrent clients, and the same number of plain
GET /api/members/members/{id} (gateway, token check, one service, one member) as the baseline, in two phases of
the same run: "saturated" (each client asks again the moment it has its answer: a closed loop, so latency is the
machine's capacity divided among the clients) and "paced" (each client pauses a random time, --think-ms on
average, after each answer, as a person at the desk does).
Prints progress on stderr (with the CPU milliseconds each process spent per request) and, as the LAST line, one
JSON object: the paced phase's overview_p50_ms, overview_p99_ms, single_p50_ms, single_p99_ms, ratio_p99 and
goal_met (p99 under 150 ms and under 3x the single read's), the same with a saturated_ prefix for the closed loop,
overview_cpu_ms and single_cpu_ms (all processes' CPU per request, PostgreSQL and this client included, measured in
the saturated phase: 2 cores give at most 2,000 / overview_cpu_ms overviews a second), parts found unavailable,
and the sizes.
Usage: uv run --frozen python bench/overview.py [--members 10000] [--weeks 52] [--per-week 2] [--concurrency 20]
       [--requests 2000] [--parts] [--profile DIR]
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import os
import random
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx
import psutil
from gymloop_devstack.infra import EmbeddedPostgres, TansuBroker, create_database, free_port, wait_for_port
from gymloop_kit.auth import KeyPair, issue_access_token
from gymloop_kit.migrations import upgrade_async
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine
from support.cpu_use import CpuMeter, per_request_ms, postmaster

ROOT = Path(__file__).resolve().parents[1]
SERVICES = ("members", "billing", "bookings", "notifications")
STUDIO = uuid.UUID("0b0e4b1c-0000-4000-8000-000000000001")
STAFF_ID = uuid.UUID("0b0e4b1c-0000-4000-8000-000000000002")
GOAL_P99_MS, GOAL_RATIO = 150.0, 3.0
# The same member ids in every database: md5('member-' || m)::uuid for member number m.


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
    wait_for_port("127.0.0.1", port, timeout=90)
    return process


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


# One script per service's database: statements end with a semicolon at the end of a line; `:name` is a parameter.
MEMBERS_SEED = """
INSERT INTO studio (studio_id, name, timezone) VALUES (:studio, 'Bench Gym', 'Europe/Amsterdam');
INSERT INTO account (id, email) VALUES (:staff, 'coach@bench.example.com');
INSERT INTO membership (id, studio_id, account_id, role, is_member, status, first_name, last_name, start_date)
VALUES (:staff, :studio, :staff, 'employee', false, 'active', 'Cas', 'Coach', '2025-01-01');
INSERT INTO account (id, email)
SELECT md5('member-' || m)::uuid, 'member-' || m || '@bench.example.com' FROM generate_series(1, :members) m;
INSERT INTO membership (id, studio_id, account_id, role, is_member, status, first_name, last_name, start_date,
                        responsible_employee_id)
SELECT md5('member-' || m)::uuid, :studio, md5('member-' || m)::uuid, 'member', true, 'active', 'Member', 'No. ' || m,
       DATE '2025-01-01' + (m % 300), CASE WHEN m % 3 = 0 THEN CAST(:staff AS uuid) END
FROM generate_series(1, :members) m;
INSERT INTO tag (id, studio_id, name, name_key)
SELECT md5('tag-' || t)::uuid, :studio, 'Tag ' || t, 'tag ' || t FROM generate_series(1, 5) t;
INSERT INTO member_tag (studio_id, member_id, tag_id)
SELECT :studio, md5('member-' || m)::uuid, md5('tag-' || (m % 5 + 1))::uuid FROM generate_series(1, :members) m;
INSERT INTO note (id, studio_id, member_id, author_account_id, author_member_id, body)
SELECT md5('note-' || m)::uuid, :studio, md5('member-' || m)::uuid, :staff, :staff, 'Intake done, goal: ' || m || ' km'
FROM generate_series(1, :members) m;
ANALYZE;
"""
BILLING_SEED = """
INSERT INTO member (member_id, studio_id, first_name, last_name, email, start_date, status)
SELECT md5('member-' || m)::uuid, :studio, 'Member', 'No. ' || m, 'member-' || m || '@bench.example.com',
       DATE '2025-01-01', 'active'
FROM generate_series(1, :members) m;
INSERT INTO plan (id, studio_id, name, kind, free, price_cents, currency, period, visible, active)
VALUES (md5('plan')::uuid, :studio, 'Unlimited', 'unlimited', false, 5900, 'EUR', 'monthly', true, true);
INSERT INTO subscription (id, studio_id, member_id, plan_id, start_date, period_start, valid_until, status,
                          paused_periods, sequence)
SELECT md5('sub-' || m)::uuid, :studio, md5('member-' || m)::uuid, md5('plan')::uuid, CURRENT_DATE - 365,
       date_trunc('month', CURRENT_DATE)::date, (date_trunc('month', CURRENT_DATE) + interval '1 month - 1 day')::date,
       'active', '[]', 1
FROM generate_series(1, :members) m;
INSERT INTO payment_run (id, studio_id, collection_date, period_label, message_id, item_count, total_cents, problems)
SELECT md5('run-' || r)::uuid, :studio, (date_trunc('month', CURRENT_DATE) - r * interval '1 month')::date,
       'run ' || r, 'MSG-' || r, CAST(:members AS int), CAST(:members AS int) * 5900, '[]'
FROM generate_series(0, 11) r;
INSERT INTO payment (id, studio_id, member_id, amount_cents, currency, method, status, attempts, payment_run_id,
                     subscription_id)
SELECT md5('pay-' || m || '-' || r)::uuid, :studio, md5('member-' || m)::uuid, 5900, 'EUR', 'sepa_export',
       CASE WHEN (m + r) % 50 = 0 THEN 'failed' ELSE 'succeeded' END, 1, md5('run-' || r)::uuid,
       md5('sub-' || m)::uuid
FROM generate_series(1, :members) m, generate_series(0, 11) r;
INSERT INTO product (id, studio_id, name, price_cents, currency, active)
VALUES (md5('product')::uuid, :studio, 'Shake', 300, 'EUR', true);
INSERT INTO purchase (id, studio_id, member_id, product_id, product_name, quantity, unit_price_cents, currency,
                      purchased_on, settlement)
SELECT md5('buy-' || m || '-' || p)::uuid, :studio, md5('member-' || m)::uuid, md5('product')::uuid, 'Shake', 1 + p,
       300, 'EUR', CURRENT_DATE - p * 30, 'sepa'
FROM generate_series(1, :members) m, generate_series(0, 2) p;
ANALYZE;
"""
# A year back and two weeks ahead, ten sessions a day from 07:00 (session n is on day n / 10, today is day 365);
# per member `per_week` bookings in each of the last `weeks` weeks (attended, one in ten a no-show, one in 25 a
# late cancel), and two sign-ups to come.
BOOKINGS_SEED = """
INSERT INTO location (id, studio_id, name) VALUES (md5('location')::uuid, :studio, 'Zaal 1');
INSERT INTO session_type (id, studio_id, name) VALUES (md5('type')::uuid, :studio, 'CrossFit');
INSERT INTO member (studio_id, member_id, first_name, last_name, tags, archived)
SELECT :studio, md5('member-' || m)::uuid, 'Member', 'No. ' || m, '[]', false FROM generate_series(1, :members) m;
INSERT INTO entitlement (subscription_id, studio_id, member_id, kind, valid_from, paused_periods, sequence, granted,
                         credits_left, held, forfeited, attended, expired, billing_state)
SELECT md5('sub-' || m)::uuid, :studio, md5('member-' || m)::uuid, 'unlimited', CURRENT_DATE - 365, '[]', 1,
       0, 0, 0, 0, 0, 0, '{}'
FROM generate_series(1, :members) m;
CREATE TEMP TABLE bench_session AS
SELECT n, md5('session-' || n)::uuid AS id,
       date_trunc('day', now()) - interval '365 days' + (n / 10) * interval '1 day' + interval '7 hours'
       + (n % 10) * interval '1 hour' AS starts_at
FROM generate_series(0, 10 * (365 + 14) - 1) n;
INSERT INTO session (id, studio_id, location_id, session_type_id, starts_at, ends_at, capacity, status)
SELECT id, :studio, md5('location')::uuid, md5('type')::uuid, starts_at, starts_at + interval '1 hour', 40,
       CASE WHEN starts_at < now() THEN 'ended' ELSE 'scheduled' END
FROM bench_session;
INSERT INTO booking (id, studio_id, session_id, member_id, subscription_id, charged_credit, session_starts_at,
                     session_ends_at, session_local_date, booked_at, booked_by_id, booked_by_role, status,
                     marked_present, no_show)
SELECT md5('booking-' || m || '-' || k)::uuid, :studio, s.id, md5('member-' || m)::uuid, md5('sub-' || m)::uuid,
       false, s.starts_at, s.starts_at + interval '1 hour', (s.starts_at AT TIME ZONE 'Europe/Amsterdam')::date,
       s.starts_at - interval '1 day', md5('member-' || m)::uuid, 'member',
       CASE WHEN k % 25 = 7 THEN 'late_cancelled' ELSE 'attended' END, false, k % 10 = 3
FROM generate_series(1, :members) m
CROSS JOIN generate_series(0, CAST(:weeks AS int) * CAST(:per_week AS int) - 1) k
JOIN bench_session s
  ON s.n = 3650 - (CAST(:weeks AS int) - k / CAST(:per_week AS int)) * 70 + (k % CAST(:per_week AS int)) * 30
           + (m % 10);
INSERT INTO booking (id, studio_id, session_id, member_id, subscription_id, charged_credit, session_starts_at,
                     session_ends_at, session_local_date, booked_at, booked_by_id, booked_by_role, status,
                     marked_present, no_show)
SELECT md5('coming-' || m || '-' || k)::uuid, :studio, s.id, md5('member-' || m)::uuid, md5('sub-' || m)::uuid,
       false, s.starts_at, s.starts_at + interval '1 hour', (s.starts_at AT TIME ZONE 'Europe/Amsterdam')::date,
       now(), md5('member-' || m)::uuid, 'member', 'active', false, false
FROM generate_series(1, :members) m CROSS JOIN generate_series(0, 1) k
JOIN bench_session s ON s.n = 3650 + 20 + k * 40 + (m % 10);
ANALYZE;
"""

# Notifications' read model of the members (what MemberRegistered would have built): the overview's
# notifications part answers 404 for a member it does not know.
NOTIFICATIONS_SEED = """
INSERT INTO member (studio_id, member_id, display_name, email, start_date, responsible_employee_id)
SELECT :studio, md5('member-' || m)::uuid, 'Member No. ' || m, 'member-' || m || '@bench.example.com',
       DATE '2025-01-01' + (m % 300), CASE WHEN m % 3 = 0 THEN CAST(:staff AS uuid) END
FROM generate_series(1, :members) m;
"""


# Each service's read behind the overview, through the gateway (for --parts).
PART_READS = {
    "members": "/api/members/members/{}/overview",
    "bookings": "/api/bookings/members/{}/overview?history_limit=20",
    "billing": "/api/billing/members/{}/billing",
    "notifications": "/api/notifications/members/{}/notifications?include_done=false",
}


async def seed(url: str, script: str, params: dict[str, object]) -> None:
    engine = create_async_engine(url)
    try:
        async with engine.begin() as db:
            for statement in filter(str.strip, script.split(";\n")):
                used = {key: value for key, value in params.items() if f":{key}" in statement}
                await db.execute(text(statement), used)
    finally:
        await engine.dispose()


def unavailable_parts(body: object) -> dict[str, object]:
    """The parts of a view marked unavailable, with what the gateway says about each (service, reason)."""
    if not isinstance(body, dict):
        return {}
    return {key: part for key, part in body.items() if isinstance(part, dict) and part.get("unavailable") is True}


async def timed_gets(
    client: httpx.AsyncClient, urls: list[str], headers: dict[str, str], concurrency: int, think_ms: float = 0.0
) -> tuple[list[float], list[int], int]:
    """Latencies and status codes of GETs by `concurrency` clients, and how many answers marked a part unavailable.
    With `think_ms`, each client pauses a random time of that mean (exponential, seeded) after each answer, as a
    person reading the screen does; without it the clients ask again at once (a closed loop that saturates)."""
    pauses = random.Random(20)
    queue: asyncio.Queue[str] = asyncio.Queue()
    for url in urls:
        queue.put_nowait(url)
    latencies: list[float] = []
    codes: list[int] = []
    partial = 0

    async def worker() -> None:
        nonlocal partial
        while not queue.empty():
            url = queue.get_nowait()
            started = time.perf_counter()
            answer = await client.get(url, headers=headers)
            latencies.append((time.perf_counter() - started) * 1000)
            codes.append(answer.status_code)
            if answer.status_code != 200 and codes.count(answer.status_code) == 1:
                log(f"first {answer.status_code}: {url} {answer.text[:300]}")
            elif '"unavailable":true' in answer.text:
                partial += 1
                if partial == 1:
                    log(f"first answer with a part unavailable: {url} {unavailable_parts(answer.json())}")
            if think_ms:
                await asyncio.sleep(pauses.expovariate(1000 / think_ms))

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return latencies, codes, partial


def start_profilers(named: dict[str, psutil.Process], out_dir: Path) -> list[subprocess.Popen[bytes]]:
    """py-spy on each of our Python processes (not PostgreSQL, not this client) for the overview phase."""
    py_spy = shutil.which("py-spy")
    if py_spy is None:
        raise SystemExit("--profile needs py-spy on PATH (pip install py-spy)")
    out_dir.mkdir(parents=True, exist_ok=True)
    return [
        subprocess.Popen(
            [
                py_spy,
                "record",
                "--format",
                "raw",
                "--rate",
                "200",
                "-o",
                str(out_dir / f"{name}.txt"),
                "-p",
                str(process.pid),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for name, process in named.items()
        if name not in ("postgres", "bench client")
    ]


def stop_profilers(profilers: list[subprocess.Popen[bytes]]) -> None:
    for profiler in profilers:
        profiler.send_signal(signal.SIGINT)  # py-spy writes its file on SIGINT
    for profiler in profilers:
        profiler.wait(30)


def phase_figures(
    prefix: str, overview: list[float], single: list[float], overview_codes: list[int], single_codes: list[int]
) -> dict[str, object]:
    overview_p99, single_p99 = percentile(overview, 0.99), percentile(single, 0.99)
    return {
        f"{prefix}overview_p50_ms": round(statistics.median(overview), 1),
        f"{prefix}overview_p99_ms": round(overview_p99, 1),
        f"{prefix}single_p50_ms": round(statistics.median(single), 1),
        f"{prefix}single_p99_ms": round(single_p99, 1),
        f"{prefix}ratio_p99": round(overview_p99 / single_p99, 2),
        # the issue's goal: p99 under 150 ms and under 3x the single read's p99
        f"{prefix}goal_met": overview_p99 < GOAL_P99_MS and overview_p99 < GOAL_RATIO * single_p99,
        f"{prefix}overview_errors": len([c for c in overview_codes if c != 200]),
        f"{prefix}single_errors": len([c for c in single_codes if c != 200]),
    }


async def run(args: argparse.Namespace, workdir: Path) -> dict[str, object]:
    postgres = EmbeddedPostgres(workdir / "pg", delete_on_stop=True).start()
    broker = TansuBroker(log_path=workdir / "tansu.log").start()
    processes: list[subprocess.Popen[bytes]] = []
    named: dict[str, psutil.Process] = {"postgres": postmaster(workdir / "pg"), "bench client": psutil.Process()}
    try:
        keys = KeyPair.generate()
        common = {
            "GYMLOOP_KAFKA_BOOTSTRAP_SERVERS": broker.bootstrap_servers,
            "GYMLOOP_JWT_PUBLIC_KEY": keys.public_pem,
            "GYMLOOP_LOG_LEVEL": "WARNING",
        }
        ports = {name: free_port() for name in SERVICES}
        urls: dict[str, str] = {}
        params: dict[str, object] = {
            "studio": STUDIO, "staff": STAFF_ID, "members": args.members, "weeks": args.weeks,
            "per_week": args.per_week,
        }  # fmt: skip
        seeds = {"members": MEMBERS_SEED, "billing": BILLING_SEED, "bookings": BOOKINGS_SEED,
                 "notifications": NOTIFICATIONS_SEED}  # fmt: skip
        for name in SERVICES:
            await create_database(postgres.dsn(), f"{name}_bench")
            urls[name] = postgres.url(f"{name}_bench")
            await upgrade_async(ROOT / "services" / name / "migrations", urls[name])
            started = time.perf_counter()
            await seed(urls[name], seeds[name], params)
            log(f"{name}: migrated and seeded in {time.perf_counter() - started:.1f}s")
        for name in SERVICES:
            env = {
                **common, "GYMLOOP_SERVICE_NAME": name, "GYMLOOP_DATABASE_URL": urls[name],
                "GYMLOOP_HTTP_PORT": str(ports[name]), "GYMLOOP_DATABASE_POOL_SIZE": str(args.pool_size),
            }  # fmt: skip
            if name == "members":
                env["GYMLOOP_JWT_PRIVATE_KEY"] = keys.private_pem
            if name == "billing":
                env["GYMLOOP_SCHEDULER_ENABLED"] = "false"
            if name == "bookings":
                env["GYMLOOP_HOUSEKEEPING_INTERVAL_S"] = "3600"
            log(f"starting {name}")
            processes.append(start_process(f"gymloop_{name}", env, ports[name], workdir / f"{name}.log"))
            named[name] = psutil.Process(processes[-1].pid)
        gateway_port = free_port()
        service_urls = {name: f"http://127.0.0.1:{port}" for name, port in ports.items()}
        log("starting the gateway")
        processes.append(
            start_process(
                "gymloop_gateway",
                {**common, "GYMLOOP_HTTP_PORT": str(gateway_port), "GYMLOOP_SERVICE_URLS": json.dumps(service_urls)},
                gateway_port,
                workdir / "gateway.log",
            )
        )
        named["gateway"] = psutil.Process(processes[-1].pid)
        meter = CpuMeter(named, trees={"postgres"})
        signed = issue_access_token(
            keys.private_pem, account_id=STAFF_ID, studio_id=STUDIO, role="employee", member_id=STAFF_ID,
            ttl_s=3600,
        )  # fmt: skip
        staff = {"Authorization": f"Bearer {signed}"}
        base = f"http://127.0.0.1:{gateway_port}"
        rng = random.Random(13)
        picked = [rng.randint(1, args.members) for _ in range(args.requests)]
        member_ids = [
            uuid.UUID(bytes=hashlib.md5(f"member-{m}".encode(), usedforsecurity=False).digest()) for m in picked
        ]
        overview_urls = [f"{base}/api/views/members/{m}/overview?history_limit=20" for m in member_ids]
        single_urls = [f"{base}/api/members/members/{m}" for m in member_ids]
        limits = httpx.Limits(max_connections=args.concurrency * 2)
        async with httpx.AsyncClient(timeout=60, limits=limits, trust_env=False) as client:
            sample = await client.get(overview_urls[0], headers=staff)
            sample.raise_for_status()
            body = sample.json()
            log(
                f"sample overview: {len(sample.content)} bytes, history total {body['history']['total']}, "
                f"payments total {body['payments']['total']}, attended {body['statistics']['attended']}"
            )
            log("warming up")
            await timed_gets(client, overview_urls[:100], staff, args.concurrency)
            await timed_gets(client, single_urls[:100], staff, args.concurrency)
            figures: dict[str, object] = {}
            for phase, think_ms in (("saturated", 0.0), ("paced", args.think_ms)):
                log(f"{phase}: {len(single_urls)} single reads, then as many overviews, by {args.concurrency} "
                    f"clients thinking {think_ms:.0f} ms on average")  # fmt: skip
                meter.start()
                single, single_codes, _ = await timed_gets(client, single_urls, staff, args.concurrency, think_ms)
                single_cpu = per_request_ms(meter.stop(), len(single_urls))
                profilers = start_profilers(named, args.profile / phase) if args.profile else []
                meter.start()
                overview, overview_codes, overview_partial = await timed_gets(
                    client, overview_urls, staff, args.concurrency, think_ms
                )
                overview_cpu = per_request_ms(meter.stop(), len(overview_urls))
                stop_profilers(profilers)
                log(f"{phase}: CPU ms per overview {overview_cpu}")
                log(f"{phase}: CPU ms per single read {single_cpu}")
                figures |= phase_figures(
                    "" if phase == "paced" else "saturated_", overview, single, overview_codes, single_codes
                )
                figures[f"{phase}_overview_with_a_part_unavailable"] = overview_partial
                if phase == "saturated":  # the paced phase's figures also hold the idle processes' own upkeep
                    figures["overview_cpu_ms"], figures["single_cpu_ms"] = overview_cpu["total"], single_cpu["total"]
            parts: dict[str, float] = {}
            if args.parts:
                for name, template in PART_READS.items():
                    part_urls = [base + template.format(m) for m in member_ids[: max(1, args.requests // 4)]]
                    log(f"part {name}: {len(part_urls)} reads at concurrency {args.concurrency}")
                    latencies, _, _ = await timed_gets(client, part_urls, staff, args.concurrency)
                    parts[f"{name}_p50_ms"] = round(statistics.median(latencies), 1)
        return {
            **figures,
            **parts,
            "members": args.members,
            "bookings_per_member": args.weeks * args.per_week + 2,
            "requests": args.requests,
            "concurrency": args.concurrency,
            "think_ms": args.think_ms,
            "cpus": os.cpu_count(),
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
    parser.add_argument("--members", type=int, default=10_000)
    parser.add_argument("--weeks", type=int, default=52)
    parser.add_argument("--per-week", type=int, default=2)
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--pool-size", type=int, default=20)
    parser.add_argument(
        "--think-ms", type=float, default=1000.0,
        help="mean pause of each client between its requests in the paced phase (the saturated phase has none)",
    )  # fmt: skip
    parser.add_argument("--parts", action="store_true", help="also time each service's read of the overview alone")
    parser.add_argument(
        "--profile", type=Path, help="write a py-spy profile (collapsed stacks) of each process's overview phase here"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-overview-") as workdir:
        result = asyncio.run(run(args, Path(workdir)))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
