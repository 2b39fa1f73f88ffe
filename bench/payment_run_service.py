"""Benchmark: a SEPA payment run of N members (default 10,000) through billing's database and HTTP API.

The real path, not the domain alone (that is bench/payment_run.py): embedded PostgreSQL and the Tansu broker
as in the tests, a billing database migrated to head, the billing app in-process (lifespan: database pool,
producer, outbox relay, event consumer; the scheduler off) talked to over httpx's ASGI transport.

How the state is reached (realistic, and quick enough to seed 10,000 members):
- studio settings (SEPA export + creditor), one monthly plan and one product: billing's HTTP API (admin);
- members: MemberRegistered events put on the broker as the members service would, applied by billing's own
  consumer into its `member` read model (inbox, newest-sequence check);
- subscriptions, mandates and shop purchases: billing's own use cases (`subscriptions.start_subscription`,
  `sepa.put_mandate`, `shop.record`, the functions the HTTP routes call) in transactions of --batch members,
  --workers transactions at a time:
  each subscription queues its SubscriptionActivated and its charge, each purchase its PurchaseRecorded;
  the relay publishes them and the bench waits for an empty outbox before the run;
- legacy state that no route lets in, by SQL as an old import would have left it: mandates collected before
  (two members in three: RCUR), a handful with an IBAN whose checksum is wrong, a handful without a date of
  signature. A handful have `&` in their name (a warning, collected as `+`), a handful have no mandate.

Then, timed: POST /payment-runs (request to file stored and answered), GET /payment-runs/{id}/file; the file
is validated against the pain.008.001.08 XSD shipped with sepaxml, and its header/batch counts and control
sums are checked against billing's tables (payment, charge, purchase, payment_run).
Then, timed too: a camt.054 returning every collected member (AM04: collected again in the next run) is made from
the downloaded file and uploaded (POST /payment-runs/{id}/return-files, request to ledger committed and answered);
`returns_seconds` and `returns_peak_mb` (peak RSS reset before the upload) are its figures, and the ledger is
checked to hold as many returned payments. Goal: 10,000 entries under 10 s and 300 MB.
Memory: peak RSS (VmHWM) of this process - the app runs in it, PostgreSQL is not counted - reset just
before the run, so `peak_mb` is the run + download; `process_peak_mb` is the whole process (seeding too).
Prints progress on stderr and, as the LAST line, one JSON object: members, seconds (the run), peak_mb,
xsd_valid, plus collected, problems, warnings, seed_seconds, download_seconds, file_bytes, control_sum_ok, ...
Usage: uv run --frozen python bench/payment_run_service.py [--members N] [--workers 4] [--batch 250]
       [--profile run.prof]
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import resource
import sys
import tempfile
import time
import uuid
from collections import Counter
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
from gymloop_billing.app import create_app
from gymloop_billing.domain.collection_dates import earliest_collection_date
from gymloop_billing.domain.sepa_file import pain008_schema
from gymloop_billing.service import sepa, shop, subscriptions
from gymloop_billing.settings import BillingSettings
from gymloop_contracts import wrap
from gymloop_contracts.events.members import MemberRegistered
from gymloop_devstack.bank_return_files import camt054, collections_of
from gymloop_devstack.infra import EmbeddedPostgres, TansuBroker, create_database
from gymloop_devstack.testing import service_client
from gymloop_kit.auth import KeyPair, issue_access_token
from gymloop_kit.db import Database
from gymloop_kit.messaging.kafka import create_producer
from gymloop_kit.migrations import upgrade_async
from lxml import etree
from schwifty import IBAN
from sqlalchemy import text

ROOT = Path(__file__).resolve().parents[1]
MIGRATIONS = ROOT / "services" / "billing" / "migrations"
NS = {"p": "urn:iso:std:iso:20022:tech:xsd:pain.008.001.08"}
CREDITOR = {
    "collection_method": "sepa_export",
    "creditor_name": "Gymloop Bench Studio",
    "creditor_iban": "NL91ABNA0417164300",
    "creditor_id": "NL57ZZZ999999999999",
}
PLAN = {"name": "Unlimited", "kind": "unlimited", "price_cents": 4500, "currency": "EUR", "period": "monthly"}
MEMBER_START = date(2025, 1, 1)
SIGNED_ON = date(2025, 1, 5)
PROBLEM_EVERY = 2000  # one of each problem kind per 2,000 members: 5 of each at 10,000


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


class Stopwatch:
    def __init__(self) -> None:
        self.started = time.perf_counter()

    def __call__(self) -> float:
        return time.perf_counter() - self.started


def reset_peak_rss() -> bool:
    """Linux: writing 5 to clear_refs resets VmHWM, so the next reading is the peak from here on."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def rss_mb(field: str = "VmHWM") -> float:
    """VmHWM: peak RSS since the last reset; VmRSS: now. Falls back to ru_maxrss (whole life)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(f"{field}:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def kind_of(index: int) -> str:
    """Which problem (if any) member `index` has; spread through the studio, not bunched at the start."""
    return {1: "bad_iban", 2: "no_signature", 3: "ampersand", 4: "no_mandate"}.get(index % PROBLEM_EVERY, "ok")


def member_name(index: int) -> tuple[str, str]:
    if kind_of(index) == "ampersand":
        return "Jansen & Zonen", f"Bakkerij {index}"
    if index % 50 == 5:
        return "Zoë", f"Müller-Ångström {index}"  # transliterated (NFKD), no warning
    return "Member", f"Number {index}"


def member_iban(index: int) -> str:
    return str(IBAN.generate("DE", bank_code="37040044", account_code=str(1_000_000 + index)))


def token(keys: KeyPair, studio_id: uuid.UUID, role: str) -> dict[str, str]:
    signed = issue_access_token(
        keys.private_pem, account_id=uuid.uuid4(), studio_id=studio_id, role=role, member_id=None, ttl_s=3600
    )
    return {"Authorization": f"Bearer {signed}"}


async def scalar(database: Database, statement: str, **params: Any) -> Any:
    async with database.engine.connect() as connection:
        return (await connection.execute(text(statement), params)).scalar()


async def wait_until(check: Any, what: str, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while not await check():
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out waiting for {what}")
        await asyncio.sleep(0.2)


async def publish_members(bootstrap: str, studio_id: uuid.UUID, member_ids: list[uuid.UUID]) -> None:
    producer = create_producer(bootstrap, "bench-members")
    await producer.start()
    try:
        pending = []
        for index, member_id in enumerate(member_ids):
            first, last = member_name(index)
            event = MemberRegistered(
                member_id=member_id, account_id=uuid.uuid4(), first_name=first, last_name=last,
                email=f"member{index}@bench.example", start_date=MEMBER_START,
            )  # fmt: skip
            envelope = wrap(event, studio_id=studio_id, producer="members", correlation_id="bench", sequence=1)
            pending.append(
                await producer.send(
                    envelope.topic, envelope.model_dump_json().encode(), key=envelope.partition_key.encode()
                )
            )
        await asyncio.gather(*pending)
    finally:
        await producer.stop()


async def seed(
    args: argparse.Namespace,
    http: httpx.AsyncClient,
    database: Database,
    bootstrap: str,
    studio_id: uuid.UUID,
    admin: dict[str, str],
) -> tuple[list[uuid.UUID], dict[str, float]]:
    timings: dict[str, float] = {}
    clock = Stopwatch()
    (await http.put("/billing-settings", json=CREDITOR, headers=admin)).raise_for_status()
    plan = await http.post("/plans", json=PLAN, headers=admin)
    plan.raise_for_status()
    plan_id = uuid.UUID(plan.json()["id"])
    product = await http.post("/products", json={"name": "Protein shake", "price_cents": 250}, headers=admin)
    product.raise_for_status()
    product_id = uuid.UUID(product.json()["id"])

    member_ids = [uuid.uuid4() for _ in range(args.members)]
    step = Stopwatch()
    await publish_members(bootstrap, studio_id, member_ids)

    async def members_arrived() -> bool:
        count = await scalar(database, "SELECT count(*) FROM member WHERE studio_id = :s", s=studio_id)
        return bool(count == args.members)

    await wait_until(members_arrived, "billing's consumer to apply the MemberRegistered events", 600)
    timings["members_s"] = step()
    log(f"  {args.members} members via MemberRegistered -> consumer: {timings['members_s']:.1f}s")

    step = Stopwatch()
    today = datetime.now(UTC).date()
    first_of_month = today.replace(day=1)
    start = max(first_of_month, MEMBER_START)

    async def seed_slice(indexes: range) -> None:
        for offset in range(indexes.start, indexes.stop, args.batch):
            async with database.transaction() as session:
                for index in range(offset, min(offset + args.batch, indexes.stop)):
                    await seed_member(session, index)

    async def seed_member(session: Any, index: int) -> None:
        member_id = member_ids[index]
        await subscriptions.start_subscription(
            session, studio_id, member_id=member_id, plan_id=plan_id, start_date=start
        )
        if kind_of(index) != "no_mandate":
            first, last = member_name(index)
            await sepa.put_mandate(
                session, studio_id, member_id,
                sepa.MandateInput(f"GL-{member_id.hex}", member_iban(index), f"{first} {last}", SIGNED_ON),
                today,
            )  # fmt: skip
        if index % 10 == 7:
            await shop.record(
                session, studio_id, member_id=member_id, product_id=product_id,
                quantity=1 + index % 3, purchased_on=start,
            )  # fmt: skip

    # members are independent: a few transactions at a time overlap the database round trips
    share = -(-args.members // args.workers)
    await asyncio.gather(
        *(seed_slice(range(first, min(first + share, args.members))) for first in range(0, args.members, share))
    )
    timings["subscriptions_mandates_purchases_s"] = step()
    log(f"  subscriptions, mandates, purchases (use cases): {timings['subscriptions_mandates_purchases_s']:.1f}s")

    step = Stopwatch()
    async with database.transaction() as session:
        # earlier runs collected two members in three on this IBAN: their next collection is RCUR
        ids = [m for i, m in enumerate(member_ids) if i % 3]
        await session.execute(
            text("UPDATE mandate SET last_collected_iban = iban WHERE studio_id = :s AND member_id = ANY(:ids)"),
            {"s": studio_id, "ids": ids},
        )
        bad = [m for i, m in enumerate(member_ids) if kind_of(i) == "bad_iban"]
        await session.execute(  # legacy data: the last check digit is off
            text(
                "UPDATE mandate SET iban = substr(iban, 1, length(iban) - 1) || "
                "CASE WHEN right(iban, 1) = '0' THEN '1' ELSE '0' END WHERE studio_id = :s AND member_id = ANY(:ids)"
            ),
            {"s": studio_id, "ids": bad},
        )
        unsigned = [m for i, m in enumerate(member_ids) if kind_of(i) == "no_signature"]
        await session.execute(
            text("UPDATE mandate SET signed_on = NULL WHERE studio_id = :s AND member_id = ANY(:ids)"),
            {"s": studio_id, "ids": unsigned},
        )
    timings["legacy_sql_s"] = step()

    step = Stopwatch()

    async def outbox_empty() -> bool:
        return bool(await scalar(database, "SELECT count(*) FROM outbox WHERE published_at IS NULL") == 0)

    await wait_until(outbox_empty, "the relay to publish the seeding's events", 600)
    timings["outbox_drain_s"] = step()
    async with database.engine.connect() as connection:  # as autovacuum would have done by the next monthly run
        await connection.execute(text("ANALYZE"))
    timings["total_s"] = clock()
    return member_ids, timings


def file_figures(root: etree._Element) -> dict[str, Any]:
    header = root.find("p:CstmrDrctDbtInitn/p:GrpHdr", NS)
    assert header is not None
    batches = {}
    for info in root.iterfind("p:CstmrDrctDbtInitn/p:PmtInf", NS):
        sequence = info.findtext("p:PmtTpInf/p:SeqTp", namespaces=NS)
        batches[sequence] = int(info.findtext("p:NbOfTxs", namespaces=NS) or 0)
    return {
        "count": int(header.findtext("p:NbOfTxs", namespaces=NS) or 0),
        "control_sum_cents": int(Decimal(header.findtext("p:CtrlSum", namespaces=NS) or "0") * 100),
        "transactions": sum(1 for _ in root.iterfind(".//p:DrctDbtTxInf", NS)),
        "amount_cents": sum(int(Decimal(a.text or "0") * 100) for a in root.iterfind(".//p:InstdAmt", NS)),
        "batches": batches,
    }


async def database_figures(database: Database, studio_id: uuid.UUID, run_id: str) -> dict[str, int]:
    params = {"s": studio_id, "r": uuid.UUID(run_id)}
    return {
        "payments": await scalar(
            database, "SELECT count(*) FROM payment WHERE studio_id = :s AND payment_run_id = :r", **params
        ),
        "payments_cents": await scalar(
            database,
            "SELECT coalesce(sum(amount_cents), 0) FROM payment WHERE studio_id = :s AND payment_run_id = :r",
            **params,
        ),
        "charges_cents": await scalar(
            database,
            "SELECT coalesce(sum(amount_cents), 0) FROM charge WHERE studio_id = :s AND payment_run_id = :r",
            **params,
        ),
        "purchases_cents": await scalar(
            database,
            "SELECT coalesce(sum(quantity * unit_price_cents), 0) FROM purchase "
            "WHERE studio_id = :s AND payment_run_id = :r",
            **params,
        ),
        "open_charges": await scalar(
            database, "SELECT count(*) FROM charge WHERE studio_id = :s AND payment_run_id IS NULL", **params
        ),
        "run_total_cents": await scalar(
            database, "SELECT total_cents FROM payment_run WHERE studio_id = :s AND id = :r", **params
        ),
    }


async def apply_returns(
    http: httpx.AsyncClient, database: Database, admin: dict[str, str], studio_id: uuid.UUID, run_id: str, xml: bytes
) -> dict[str, Any]:
    """Upload a camt.054 returning every collection of the run's file; time it and count the returned payments."""
    collections = collections_of(xml)
    notification = camt054([], dict.fromkeys(collections, "AM04"), collections, f"CAMT{run_id.replace('-', '')[:20]}")
    reset_peak_rss()
    log(f"POST /payment-runs/{run_id}/return-files: {len(collections)} returns, {len(notification)} bytes")
    clock = Stopwatch()
    answer = await http.post(
        f"/payment-runs/{run_id}/return-files",
        content=notification,
        headers={**admin, "content-type": "application/xml"},
    )
    returns_seconds = clock()
    if answer.status_code != 201:
        raise RuntimeError(f"return file failed: {answer.status_code} {answer.text[:500]}")
    returned = await scalar(
        database,
        "SELECT count(*) FROM payment WHERE studio_id = :s AND payment_run_id = :r AND status = 'returned'",
        s=studio_id,
        r=uuid.UUID(run_id),
    )
    log(f"{answer.json()['applied']} returns applied in {returns_seconds:.2f}s")
    return {
        "returns": len(collections),
        "returns_applied": answer.json()["applied"],
        "returns_in_ledger": returned,
        "returns_seconds": round(returns_seconds, 3),
        "returns_peak_mb": round(rss_mb(), 1),
        "return_file_bytes": len(notification),
    }


async def run(args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    log(f"starting PostgreSQL and Tansu in {workdir}")
    postgres = EmbeddedPostgres(workdir / "pg", delete_on_stop=True).start()
    broker = TansuBroker(log_path=workdir / "tansu.log").start()
    try:
        await create_database(postgres.dsn(), "billing_bench")
        url = postgres.url("billing_bench")
        await upgrade_async(MIGRATIONS, url)
        keys = KeyPair.generate()
        settings = BillingSettings(
            database_url=url, kafka_bootstrap_servers=broker.bootstrap_servers, jwt_public_key=keys.public_pem,
            scheduler_enabled=False, log_level="WARNING", relay_poll_interval_s=0.2, kafka_topic_partitions=1,
        )  # fmt: skip
        studio_id = uuid.uuid4()
        admin = token(keys, studio_id, "admin")
        database = Database(url, pool_size=args.workers + 1)
        app = create_app(settings)
        async with service_client(app) as http:
            http.timeout = httpx.Timeout(600)
            log(f"seeding {args.members} members")
            _, seeding = await seed(args, http, database, broker.bootstrap_servers, studio_id, admin)
            log(f"seeded in {seeding['total_s']:.1f}s")

            collection_date = earliest_collection_date(datetime.now(UTC).date())
            body = {"collection_date": collection_date.isoformat(), "period_label": datetime.now(UTC).strftime("%Y-%m")}
            rss_before = rss_mb("VmRSS")
            reset_ok = reset_peak_rss()
            profiler = cProfile.Profile() if args.profile else None
            log("POST /payment-runs")
            clock = Stopwatch()
            if profiler:
                profiler.enable()
            answer = await http.post("/payment-runs", json=body, headers=admin)
            run_seconds = clock()
            if profiler:
                profiler.disable()
                profiler.dump_stats(args.profile)
            if answer.status_code != 201:
                raise RuntimeError(f"payment run failed: {answer.status_code} {answer.text[:500]}")
            result = answer.json()
            log(f"run {result['id']}: {result['item_count']} items in {run_seconds:.2f}s")
            clock = Stopwatch()
            download = await http.get(result["file_url"], headers=admin)
            download.raise_for_status()
            xml = download.content
            download_seconds = clock()
            peak_mb = rss_mb()
            log(f"file: {len(xml)} bytes in {download_seconds:.2f}s")

            # independent checks of the downloaded bytes: the XSD, then the figures against billing's tables
            root = etree.fromstring(xml, etree.XMLParser(huge_tree=True, resolve_entities=False, no_network=True))
            xsd_valid = bool(pain008_schema().validate(root))
            in_file = file_figures(root)
            in_db = await database_figures(database, studio_id, result["id"])
            returns = await apply_returns(http, database, admin, studio_id, result["id"], xml)
            await database.dispose()
        control_sum_ok = (
            in_file["count"] == in_file["transactions"] == in_db["payments"] == result["item_count"]
            and in_file["control_sum_cents"] == in_file["amount_cents"] == in_db["payments_cents"]
            == in_db["charges_cents"] + in_db["purchases_cents"] == in_db["run_total_cents"] == result["total_cents"]
        )  # fmt: skip
        expected_problems = Counter(kind_of(i) for i in range(args.members))
        problems = result["problems"]
        errors = [p for p in problems if p["severity"] == "error"]
        warnings = [p for p in problems if p["severity"] == "warning"]
        not_collectable = ("bad_iban", "no_signature", "no_mandate")
        expected_collected = args.members - sum(expected_problems[kind] for kind in not_collectable)
        log("problem members (first of each code):")
        for code, count in sorted(Counter(p["code"] for p in problems).items()):
            example = next(p for p in problems if p["code"] == code)
            log(f"  {count} x {code} [{example['severity']}] e.g. member {example['member_id']}: {example['reason']}")
        log(f"file vs database: {in_file} / {in_db} -> {'OK' if control_sum_ok else 'MISMATCH'}")
        log(f"XSD valid: {xsd_valid}; RSS before the run {rss_before:.1f} MB, peak in run+download {peak_mb:.1f} MB")
        return {
            "members": args.members,
            "collected": result["item_count"],
            "expected_collected": expected_collected,
            "problems": len(errors),
            "warnings": len(warnings),
            "problem_codes": dict(sorted(Counter(p["code"] for p in problems).items())),
            "seconds": round(run_seconds, 3),
            "download_seconds": round(download_seconds, 3),
            "seed_seconds": round(seeding["total_s"], 1),
            "seed_breakdown_s": {k: round(v, 1) for k, v in seeding.items() if k != "total_s"},
            "peak_mb": round(peak_mb, 1),
            "peak_mb_measure": "VmHWM (peak RSS) of the bench process (app in-process), reset before the run"
            if reset_ok
            else "ru_maxrss of the bench process (whole run, seeding included)",
            "rss_before_run_mb": round(rss_before, 1),
            "process_peak_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
            "xsd_valid": xsd_valid,
            "control_sum_ok": control_sum_ok,
            "total_cents": result["total_cents"],
            "batches": in_file["batches"],
            "file_bytes": len(xml),
            "open_charges_after": in_db["open_charges"],
            **returns,
        }
    finally:
        broker.stop()
        postgres.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--members", type=int, default=10_000)
    parser.add_argument("--batch", type=int, default=250, help="members seeded per transaction")
    parser.add_argument("--workers", type=int, default=4, help="seeding transactions at a time")
    parser.add_argument("--profile", help="write a cProfile of the payment run request to this file")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="gymloop-bench-payrun-") as workdir:
        figures = asyncio.run(run(args, Path(workdir)))
    ok = figures["xsd_valid"] and figures["control_sum_ok"] and figures["collected"] == figures["expected_collected"]
    ok = ok and figures["returns"] == figures["returns_applied"] == figures["returns_in_ledger"] == figures["collected"]
    print(json.dumps(figures))
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
