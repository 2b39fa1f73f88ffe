"""Benchmark: the import of a 10,000-row member file, from validation to every row done across the services.

1. Validation (in this process, the importer's domain): the file is read and every row checked, as the import job
   does it. Baseline of the same run: reading the same file with openpyxl alone, the reader used before
   python-calamine (the whole validation used to take about twice that).
2. The saga (unless --no-saga): members, billing, bookings and the importer as their own processes behind the
   gateway, on the embedded PostgreSQL and Tansu (as `make dev` starts them). A studio with a 10-session pack
   plan; every row of the file carries a subscription to it with an IBAN. Timed from the POST: its answer (202,
   `validating`), the end of validation (`running`), the importer's completion (every row done or failed: members
   created the person, billing the subscription and mandate), then bookings holding the pack's credits for every
   member (its entitlement table, read directly). Afterwards the databases are counted: every member once, every
   subscription once, no row failed.

Prints progress on stderr and, as the LAST line, one JSON object:
  rows, file_bytes, validate_seconds (median of --repeat), openpyxl_read_seconds (baseline), validate_ratio
  (validate / baseline), rows_per_second_validate, and with the saga: saga_rows, post_answer_seconds, validated_seconds,
  importer_completed_seconds, half_the_rows_seconds and every_row_seconds (per stage: members' people, billing's
  subscriptions, the importer's settled rows, bookings' credits; sampled each second), saga_seconds (the last stage
  done), rows_per_second_saga, validation_percents
  (the distinct percentages seen while polling), rows_done, rows_failed, members, subscriptions, entitlements,
  duplicated (members or subscriptions more than once), load_average_at_start.
Usage: uv run --frozen python bench/import.py [--members N] [--repeat 3] [--no-saga] [--saga-members N] [--timeout 900]
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import os
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import openpyxl
from gymloop_devstack.dev import DevSettings, DevStack
from gymloop_devstack.infra import free_port
from gymloop_devstack.stack_services import SERVICES
from gymloop_importer.domain import workbook_reader
from gymloop_importer.domain.import_context import CollectionMethod, ImportContext, PlanInfo
from gymloop_importer.domain.import_file import parse_import_file
from gymloop_importer.domain.template import build_template
from gymloop_kit.db import Database
from schwifty import IBAN
from sqlalchemy import text

SAGA_SERVICES = ["members", "billing", "bookings", "importer"]
PASSWORD = "Bench-import-Password-2026"
PACK = {"name": "10 sessions", "kind": "session_pack", "sessions": 10, "price_cents": 9000, "currency": "EUR",
        "period": "one_off", "valid_days": 90}  # fmt: skip
CREDITOR = {"collection_method": "sepa_export", "creditor_name": "Bench Gym", "creditor_iban": "NL91ABNA0417164300",
            "creditor_id": "NL57ZZZ999999999999"}  # fmt: skip
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def ibans(count: int) -> list[str]:
    """Distinct IBANs that pass schwifty's checks (the importer and billing validate with it)."""
    found: list[str] = []
    account = 1_000_000
    while len(found) < count:
        account += 1
        try:
            found.append(str(IBAN(str(IBAN.generate("DE", bank_code="37040044", account_code=str(account)))).compact))
        except ValueError:
            continue
    return found


def member_file(template: bytes, count: int, plan_name: str, today: date) -> bytes:
    workbook = openpyxl.load_workbook(io.BytesIO(template))
    sheet = workbook["Members"]
    for number, iban in enumerate(ibans(count)):
        sheet.append([
            f"First{number}", f"Last{number}", f"member{number}@bench.example.org", today - timedelta(days=30),
            "+31 6 12345678", "17-05-1990", f"Street {number}", None, "bench, import",
            plan_name, today, iban, f"Holder {number}", None,
        ])  # fmt: skip
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def timed(function: Any, *args: Any) -> float:
    started = time.perf_counter()
    function(*args)
    return time.perf_counter() - started


def measure_validation(count: int, repeat: int) -> dict[str, Any]:
    today = datetime.now(UTC).date()
    data = member_file(build_template([PACK["name"]]), count, str(PACK["name"]), today)
    context = ImportContext.build([PlanInfo(str(PACK["name"]), False, False)], CollectionMethod.SEPA_EXPORT, today)
    assert parse_import_file(data, context).is_valid
    say(f"validating {count} rows, {repeat} times, beside openpyxl reading the same file")
    validate, baseline = [], []
    for _ in range(repeat):  # alternated, so both see the same machine
        validate.append(timed(parse_import_file, data, context))
        baseline.append(timed(workbook_reader._read_with_openpyxl, data, workbook_reader.DEFAULT_LIMITS))
    validate_seconds, baseline_seconds = statistics.median(validate), statistics.median(baseline)
    say(f"validate {validate_seconds:.3f} s; openpyxl read alone {baseline_seconds:.3f} s")
    return {
        "rows": count,
        "file_bytes": len(data),
        "validate_seconds": round(validate_seconds, 3),
        "openpyxl_read_seconds": round(baseline_seconds, 3),
        "validate_ratio": round(validate_seconds / baseline_seconds, 2),
        "rows_per_second_validate": round(count / validate_seconds),
    }


def stack_env(data_dir: Path) -> dict[str, str]:
    ports = {service.name: free_port() for service in SERVICES}
    return {
        "GYMLOOP_DEV_DATA_DIR": str(data_dir),
        "GYMLOOP_DEV_GATEWAY_PORT": str(free_port()),
        "GYMLOOP_DEV_WEB_PORT": str(free_port()),
        "GYMLOOP_DEV_SERVICE_PORTS": json.dumps(ports),
        "GYMLOOP_DEV_KAFKA_PORT": str(free_port()),
        "GYMLOOP_DEV_SMTP_PORT": str(free_port()),
        "GYMLOOP_DEV_MAIL_HTTP_PORT": str(free_port()),
        "GYMLOOP_DEV_STRIPE_PORT": str(free_port()),
        "GYMLOOP_DEV_SERVICES": json.dumps(SAGA_SERVICES),
    }


def ok(answer: httpx.Response, *codes: int) -> Any:
    if answer.status_code not in (codes or (200,)):
        raise SystemExit(f"{answer.request.method} {answer.request.url}: {answer.status_code} {answer.text[:500]}")
    return answer.json() if answer.content else None


def poll(what: str, check: Any, timeout_s: float, interval_s: float = 0.5) -> Any:
    deadline = time.monotonic() + timeout_s
    while True:
        found = check()
        if found:
            return found
        if time.monotonic() > deadline:
            raise SystemExit(f"timed out waiting for {what}")
        time.sleep(interval_s)


def count(dev: DevStack, database: str, sql: str, **params: Any) -> int:
    async def query() -> int:
        connection = Database(dev.database_url(database), pool_size=1)
        try:
            async with connection.transaction() as session:
                return int((await session.execute(text(sql), params)).scalar_one())
        finally:
            await connection.dispose()

    return asyncio.run(query())


def measure_saga(count_rows: int, timeout_s: float, workdir: Path) -> dict[str, Any]:
    os.environ.update(stack_env(workdir / "data"))
    dev = DevStack(DevSettings(demo=False, ready_timeout_s=180.0), out=lambda line: say(f"  {line}"))
    try:
        dev.start()
        if not dev.ready_after_s or set(dev.running) != set(SAGA_SERVICES):
            raise SystemExit("the stack did not get ready")
        return run_saga(dev, count_rows, timeout_s)
    finally:
        dev.stop()


def run_saga(dev: DevStack, rows: int, timeout_s: float) -> dict[str, Any]:
    today = datetime.now(UTC).date()
    with httpx.Client(base_url=dev.gateway_url, timeout=120.0, trust_env=False) as client:
        signup = ok(client.post("/api/members/studios/signup", json={
            "studio_name": "Bench Gym", "email": "owner@benchgym.example.org", "password": PASSWORD,
            "first_name": "Olga", "last_name": "Owner"}), 201)  # fmt: skip
        admin = {"Authorization": f"Bearer {signup['access_token']}"}
        ok(client.put("/api/billing/billing-settings", json=CREDITOR, headers=admin))
        ok(client.post("/api/billing/plans", json=PACK, headers=admin), 201)
        settings = "/api/importer/import-settings"
        poll("the importer to learn the collection method",
             lambda: client.get(settings, headers=admin).json()["collection_method"] == "sepa_export", 60)  # fmt: skip

        template = poll("the plan in the template (from billing's PlanPublished)", lambda: _offers_plan(
            client.get("/api/importer/imports/template", headers=admin)), 60)  # fmt: skip
        say(f"building the {rows}-row file from the studio's template")
        data = member_file(template, rows, str(PACK["name"]), today)

        say("importing")
        started = time.monotonic()
        accepted = ok(client.post("/api/importer/imports", headers=admin,
                                  files={"file": ("members.xlsx", data, XLSX)}), 202)  # fmt: skip
        post_answer = time.monotonic() - started
        assert accepted["status"] == "validating", accepted
        percents: list[int] = []
        validated = 0.0
        job = accepted
        while job["status"] == "validating":
            time.sleep(0.2)
            job = ok(client.get(f"/api/importer/imports/{accepted['id']}", headers=admin))
            if job["status"] == "validating" and job["validation_percent"] not in percents:
                percents.append(job["validation_percent"])
        if job["status"] == "rejected":
            raise SystemExit(f"the file was rejected: {json.dumps(job['problem'])[:1000]}")
        validated = time.monotonic() - started
        say(f"validated after {validated:.1f} s")

        # Each stage's progress, sampled: the stage whose count lags the one before it is where the time goes.
        stages = {
            "members": lambda: count(dev, "members", "SELECT count(*) FROM membership") - 1,  # not the owner
            "billing": lambda: count(dev, "billing", "SELECT count(*) FROM subscription"),
            "importer": lambda: job["rows_done"] + job["rows_failed"],
            "bookings": lambda: count(dev, "bookings", "SELECT count(*) FROM entitlement WHERE granted = :granted",
                                      granted=PACK["sessions"]),
        }  # fmt: skip
        done_at: dict[str, float] = {}
        half_at: dict[str, float] = {}
        while len(done_at) < len(stages):
            if time.monotonic() - started > timeout_s:
                raise SystemExit(f"the saga did not finish within {timeout_s:.0f} s: {job}")
            time.sleep(1.0)
            job = ok(client.get(f"/api/importer/imports/{accepted['id']}", headers=admin))
            now = time.monotonic() - started
            for stage, progress in stages.items():
                if stage in done_at:
                    continue
                reached = progress()
                if reached * 2 >= rows:
                    half_at.setdefault(stage, now)
                if reached >= rows:
                    done_at[stage] = now
                    say(f"{stage}: every row after {now:.1f} s")
        saga = max(done_at.values())
        say(f"the saga is done in every service after {saga:.1f} s")
    members = count(dev, "members", "SELECT count(*) FROM membership")
    distinct_members = count(dev, "members", "SELECT count(DISTINCT account_id) FROM membership")
    subscriptions = count(dev, "billing", "SELECT count(*) FROM subscription")
    distinct_subscriptions = count(dev, "billing", "SELECT count(DISTINCT member_id) FROM subscription")
    return {
        "post_answer_seconds": round(post_answer, 3),
        "validated_seconds": round(validated, 2),
        "importer_completed_seconds": round(done_at["importer"], 2),
        "half_the_rows_seconds": {stage: round(seconds, 1) for stage, seconds in half_at.items()},
        "every_row_seconds": {stage: round(seconds, 1) for stage, seconds in done_at.items()},
        "saga_seconds": round(saga, 2),
        "rows_per_second_saga": round(rows / saga, 1),
        "validation_percents": percents,
        "rows_done": job["rows_done"],
        "rows_failed": job["rows_failed"],
        "members": members - 1,  # the owner
        "subscriptions": subscriptions,
        "entitlements": stages["bookings"](),
        "duplicated": (members - distinct_members) + (subscriptions - distinct_subscriptions),
    }


def _offers_plan(answer: httpx.Response) -> bytes | None:
    if answer.status_code != 200:
        return None
    sheets = openpyxl.load_workbook(io.BytesIO(answer.content)).worksheets
    cells = {cell for sheet in sheets for row in sheet.iter_rows(values_only=True) for cell in row}
    return answer.content if PACK["name"] in cells else None


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--members", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3, help="validation runs (the median is reported)")
    parser.add_argument("--no-saga", action="store_true", help="only the validation")
    parser.add_argument("--saga-members", type=int, help="rows of the saga's file (default: --members)")
    parser.add_argument("--timeout", type=float, default=900.0, help="seconds to wait for the saga")
    args = parser.parse_args()
    figures: dict[str, Any] = {"load_average_at_start": round(os.getloadavg()[0], 2)}
    figures.update(measure_validation(args.members, args.repeat))
    if not args.no_saga:
        with tempfile.TemporaryDirectory(prefix="gymloop-bench-import-") as workdir:
            saga_rows = args.saga_members or args.members
            figures["saga_rows"] = saga_rows
            figures.update(measure_saga(saga_rows, args.timeout, Path(workdir)))
    print(json.dumps(figures))
    saga_complete = args.no_saga or (figures["rows_failed"] == 0 and figures["duplicated"] == 0)
    return 0 if saga_complete else 1


if __name__ == "__main__":
    sys.exit(main())
