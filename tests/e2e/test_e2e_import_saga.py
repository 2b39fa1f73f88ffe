"""Issue 8 end to end: a 500-row import with subscriptions through real processes (members, billing, bookings,
importer, the gateway) on the embedded PostgreSQL and Tansu.

Every member ends up in members, every subscription and mandate in billing, every pack's credits in bookings,
and no e-mail is sent; importing the same file again updates everyone and duplicates nothing. A first login of
one imported person then sends exactly one set-password mail, which shows the SMTP sink was listening."""

from __future__ import annotations

import asyncio
import io
import json
import os
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import openpyxl
import pytest
from gymloop_devstack.dev import DevSettings, DevStack
from gymloop_devstack.testing import answered, wait_until
from schwifty import IBAN

from .conftest import Stack, free_ports_env

pytestmark = pytest.mark.e2e

ROWS = int(os.environ.get("GYMLOOP_E2E_IMPORT_ROWS", "500"))  # the size; smaller only for a quick look
# A crowded machine may set GYMLOOP_E2E_IMPORT_TIMEOUT_S higher, never the default.
IMPORT_TIMEOUT_S = float(os.environ.get("GYMLOOP_E2E_IMPORT_TIMEOUT_S", "240"))
SAGA_SERVICES = ["members", "billing", "bookings", "importer"]
PASSWORD = "Saga-e2e-Password-2026"
CREDITOR = {
    "collection_method": "sepa_export",
    "creditor_name": "Sportschool Saga",
    "creditor_iban": "NL91ABNA0417164300",
    "creditor_id": "NL57ZZZ999999999999",
}
PACK = {
    "name": "10 sessions",
    "kind": "session_pack",
    "sessions": 10,
    "price_cents": 9000,
    "currency": "EUR",
    "period": "one_off",
    "valid_days": 90,
}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture(scope="module")
def saga_stack(server_dir_factory: Callable[[str], Path]) -> Iterator[Stack]:
    """The services of the saga and the gateway (notifications stays off: it plays no part and the machine
    has two cores)."""
    data_dir = server_dir_factory("saga-stack") / "data"
    with pytest.MonkeyPatch.context() as env:
        for key, value in free_ports_env(data_dir).items():
            env.setenv(key, value)
        env.setenv("GYMLOOP_DEV_SERVICES", json.dumps(SAGA_SERVICES))
        settings = DevSettings(demo=False, ready_timeout_s=90.0)
    lines: list[str] = []
    dev = DevStack(settings, out=lines.append)
    try:
        dev.start()
        if not dev.ready_after_s or set(dev.running) != set(SAGA_SERVICES):
            pytest.fail("the stack did not get ready:\n" + "\n".join(lines))
        yield Stack(dev)
    finally:
        dev.stop()
        if os.environ.get("GYMLOOP_E2E_VERBOSE"):
            print("\n".join(lines))


def _valid_ibans(count: int) -> list[str]:
    """Distinct IBANs that pass schwifty's checks (the importer and billing validate with it)."""
    ibans: list[str] = []
    account = 1_000_000
    while len(ibans) < count:
        account += 1
        candidate = IBAN.generate("DE", bank_code="37040044", account_code=str(account))
        try:
            ibans.append(str(IBAN(str(candidate)).compact))
        except ValueError:
            continue
    return ibans


def _people(count: int, today: date) -> list[dict[str, Any]]:
    ibans = _valid_ibans(count)
    return [
        {
            "First name": f"Saga{index:03d}",
            "Last name": "Importlid",
            "E-mail": f"saga-{index:03d}@example.org",
            "Start date": today - timedelta(days=30),
            "Subscription": PACK["name"],
            "Subscription start date": today,
            "IBAN": ibans[index],
            "Account holder": f"S. Importlid {index:03d}",
        }
        for index in range(count)
    ]


def filled_template(template: bytes, people: list[dict[str, Any]]) -> bytes:
    """The downloaded template with the rows typed in, placed by the template's own headers."""
    workbook = openpyxl.load_workbook(io.BytesIO(template))
    sheet = workbook["Members"]
    columns = {str(cell.value).removesuffix(" *").strip(): cell.column for cell in sheet[1] if cell.value}
    missing = {header for person in people[:1] for header in person} - set(columns)
    assert not missing, f"the template has no column {missing}; it has {sorted(columns)}"
    for offset, person in enumerate(people):
        for header, value in person.items():
            sheet.cell(row=2 + offset, column=columns[header], value=value)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _wait_for_plan_in_template(client: httpx.Client, admin: dict[str, str]) -> bytes:
    """The importer learns plans from billing's PlanPublished: wait until the template offers the pack."""
    deadline = time.monotonic() + 60
    while True:
        answer = client.get("/api/importer/imports/template", headers=admin)
        assert answer.status_code == 200, answer.text
        workbook = openpyxl.load_workbook(io.BytesIO(answer.content))
        if "Lists" in workbook.sheetnames and any(
            row[0] == PACK["name"] for row in workbook["Lists"].iter_rows(values_only=True)
        ):
            return answer.content
        assert time.monotonic() < deadline, "the importer never learnt the plan from PlanPublished"
        time.sleep(0.5)


def _import_and_wait(
    client: httpx.Client, admin: dict[str, str], data: bytes, rows: int = ROWS
) -> tuple[dict[str, Any], float]:
    started = time.monotonic()
    job = answered(
        client.post("/api/importer/imports", headers=admin, files={"file": ("members.xlsx", data, XLSX)}, timeout=120),
        202,
    )
    assert job["status"] == "validating", job  # answered at once; the rows are checked by the import job
    last: dict[str, Any] = job
    while last["status"] != "completed":
        if time.monotonic() - started > IMPORT_TIMEOUT_S:
            pytest.fail(f"import not completed after {IMPORT_TIMEOUT_S:.0f}s: {last}")
        time.sleep(1.0)
        last = answered(client.get(f"/api/importer/imports/{job['id']}", headers=admin))
        assert last["status"] != "rejected", last["problem"]
    assert last["rows_total"] == rows
    assert last["validation_percent"] == 100
    return last, time.monotonic() - started


def _every_item(client: httpx.Client, path: str, admin: dict[str, str], **params: str) -> list[dict[str, Any]]:
    """Every item of a paged list, page after page."""
    items: list[dict[str, Any]] = []
    while True:
        page = answered(client.get(path, params={**params, "limit": 200, "offset": len(items)}, headers=admin))
        items += page["items"]
        if not page["items"] or len(items) >= page["total"]:
            return items


def _members_by_email(client: httpx.Client, admin: dict[str, str]) -> dict[str, dict[str, Any]]:
    return {item["email"]: item for item in _every_item(client, "/api/members/members", admin, q="saga-")}


async def _per_member(stack: Stack, admin: dict[str, str], member_ids: list[str]) -> dict[str, dict[str, Any]]:
    """Billing's subscriptions and mandate and bookings' account of every member, through the gateway."""
    limit = asyncio.Semaphore(8)
    results: dict[str, dict[str, Any]] = {}

    async def one(http: httpx.AsyncClient, member_id: str) -> None:
        async with limit:
            subscriptions = await http.get(f"/api/billing/members/{member_id}/subscriptions", headers=admin)
            mandate = await http.get(f"/api/billing/members/{member_id}/mandate", headers=admin)
            account = await http.get(f"/api/bookings/members/{member_id}/account", headers=admin)
        results[member_id] = {
            "subscriptions": subscriptions.json() if subscriptions.status_code == 200 else subscriptions.text,
            "mandate": mandate.json() if mandate.status_code == 200 else None,
            "account": account.json() if account.status_code == 200 else None,
        }

    async with httpx.AsyncClient(base_url=stack.url, timeout=30.0, trust_env=False) as http:
        await asyncio.gather(*(one(http, member_id) for member_id in member_ids))
    return results


def _per_member_once_bookings_caught_up(
    stack: Stack, admin: dict[str, str], member_ids: list[str], credits: int
) -> dict[str, dict[str, Any]]:
    """The importer counts a row done once members and billing applied it; bookings learns the subscription from
    billing's event a moment later. Read every member again until bookings shows the credits (or the time is up,
    and the assertions that follow say who is missing what)."""
    deadline = time.monotonic() + IMPORT_TIMEOUT_S
    while True:
        seen = asyncio.run(_per_member(stack, admin, member_ids))
        caught_up = all((one["account"] or {}).get("credits_left") == credits for one in seen.values())
        if caught_up or time.monotonic() > deadline:
            return seen
        time.sleep(1.0)


def _wait_for_collection_method(client: httpx.Client, admin: dict[str, str], method: str) -> None:
    deadline = time.monotonic() + 30
    while client.get("/api/importer/import-settings", headers=admin).json()["collection_method"] != method:
        assert time.monotonic() < deadline, "billing's BillingSettingsChanged never reached the importer"
        time.sleep(0.3)


def _assert_everyone_subscribed(
    per_member: dict[str, dict[str, Any]], plan_id: str, people: dict[str, dict[str, Any]], today: date
) -> dict[str, str]:
    """Exactly one subscription (to the pack), one mandate with the row's IBAN, 10 credits; returns the
    subscription id of each member."""
    subscription_of: dict[str, str] = {}
    for member_id, seen in per_member.items():
        person = people[member_id]
        subscriptions = seen["subscriptions"]
        assert isinstance(subscriptions, list), f"{person['E-mail']}: {subscriptions}"
        assert [(s["plan_id"], s["start_date"], s["credits"]) for s in subscriptions] == [
            (plan_id, today.isoformat(), 10)
        ], f"{person['E-mail']}: {subscriptions}"
        subscription_of[member_id] = subscriptions[0]["id"]
        mandate = seen["mandate"]
        assert mandate is not None, f"{person['E-mail']} has no mandate"
        assert mandate["iban"] == person["IBAN"]
        assert mandate["account_holder"] == person["Account holder"]
        assert mandate["mandate_reference"] == f"GL-{uuid.UUID(member_id).hex.upper()}"
        assert mandate["next_sequence_type"] == "FRST"
        account = seen["account"]
        assert account is not None, f"{person['E-mail']} has no account in bookings"
        assert account["credits_left"] == 10, f"{person['E-mail']}: {account}"
        assert [(e["subscription_id"], e["granted"], e["left"]) for e in account["entitlements"]] == [
            (subscription_of[member_id], 10, 10)
        ], f"{person['E-mail']}: {account}"
    return subscription_of


def test_a_500_row_import_with_subscriptions_then_the_same_file_again(saga_stack: Stack) -> None:
    stack = saga_stack
    today = datetime.now(UTC).date()
    timings: dict[str, float] = {}
    with stack.client() as client:
        signup = answered(
            client.post(
                "/api/members/studios/signup",
                json={"studio_name": "Saga Gym", "email": "owner@sagagym.example.org", "password": PASSWORD,
                      "first_name": "Olga", "last_name": "Owner"},
            ),
            201,
        )  # fmt: skip
        admin = _bearer(signup["access_token"])
        answered(client.put("/api/billing/billing-settings", json=CREDITOR, headers=admin))
        plan_id = answered(client.post("/api/billing/plans", json=PACK, headers=admin), 201)["id"]
        # Billing announces the collection method (BillingSettingsChanged); the importer accepts subscription rows
        # only once it knows the studio collects by SEPA export.
        _wait_for_collection_method(client, admin, "sepa_export")
        template = _wait_for_plan_in_template(client, admin)
        people = _people(ROWS, today)
        data = filled_template(template, people)

        first, timings["first_import_s"] = _import_and_wait(client, admin, data)
        assert (first["rows_done"], first["members_done"], first["subscriptions_done"]) == (ROWS, ROWS, ROWS)
        assert first["rows_failed"] == 0
        assert first["percent_done"] == 100

        started = time.monotonic()
        members = _members_by_email(client, admin)
        assert set(members) == {person["E-mail"] for person in people}
        one = people[ROWS // 2]
        exact = answered(client.get("/api/members/members", params={"q": one["E-mail"]}, headers=admin))
        assert [(m["email"], m["first_name"]) for m in exact["items"]] == [(one["E-mail"], one["First name"])]
        by_member = {members[person["E-mail"]]["id"]: person for person in people}

        per_member = _per_member_once_bookings_caught_up(stack, admin, list(by_member), credits=10)
        subscription_of = _assert_everyone_subscribed(per_member, plan_id, by_member, today)
        assert len(set(subscription_of.values())) == ROWS
        rows = _every_item(client, f"/api/billing/imports/{first['id']}/rows", admin)
        assert [r["status"] for r in rows] == ["activated"] * ROWS
        timings["first_checks_s"] = time.monotonic() - started

        assert stack.dev.sink is not None
        assert stack.dev.sink.mailbox.entries() == [], "an import must send no e-mail"

        # The same file again: recognised, everyone updated, nothing created twice.
        second, timings["second_import_s"] = _import_and_wait(client, admin, data)
        assert second["same_as_import_id"] == first["id"]
        assert (second["rows_done"], second["subscriptions_done"], second["rows_failed"]) == (ROWS, ROWS, 0)
        log = client.get(f"/api/importer/imports/{second['id']}/log", headers=admin).text
        assert f"Updated: {ROWS}" in log, log[:2000]
        assert "Created: 0" in log, log[:2000]

        started = time.monotonic()
        assert set(_members_by_email(client, admin)) == set(members)
        again = asyncio.run(_per_member(stack, admin, list(by_member)))
        assert _assert_everyone_subscribed(again, plan_id, by_member, today) == subscription_of
        rows = _every_item(client, f"/api/billing/imports/{second['id']}/rows", admin)
        assert [r["status"] for r in rows] == ["kept"] * ROWS
        assert {r["subscription_id"] for r in rows} == set(subscription_of.values())
        timings["second_checks_s"] = time.monotonic() - started
        assert stack.dev.sink.mailbox.entries() == [], "a re-import must send no e-mail"

        # A row members refuses (the owner's own e-mail: an import never overwrites an admin) ends as failed with
        # members' reason, billing's side of it ends too, and the other row of the file is imported.
        owner_row, newcomer = _people(ROWS + 1, today)[ROWS - 1 :]
        owner_row = {**owner_row, "E-mail": "owner@sagagym.example.org"}
        third, _ = _import_and_wait(client, admin, filled_template(template, [owner_row, newcomer]), rows=2)
        assert (third["rows_done"], third["rows_failed"]) == (1, 1), third
        (failed,) = answered(client.get(f"/api/importer/imports/{third['id']}/failed-rows", headers=admin))["items"]
        assert (failed["row"], failed["email"], failed["refused_by"]) == (2, owner_row["E-mail"], "members")
        assert failed["code"] == "import_overwrites_admin", failed

        def billing_rows() -> list[dict]:
            # 404 until the first of the import's rows has reached billing
            answer = client.get(f"/api/billing/imports/{third['id']}/rows", headers=admin)
            return [] if answer.status_code == 404 else answered(answer)["items"]

        wait_until(
            lambda: [r["status"] for r in billing_rows()] == ["member_refused", "activated"],
            "billing's side of both rows (member refused, activated)",
            timeout_s=30,
        )
        assert newcomer["E-mail"] in _members_by_email(client, admin)
        assert stack.dev.sink.mailbox.entries() == [], "a refused row sends no e-mail either"

        # Control: the sink does receive mail. An imported person's first login sends the set-password mail.
        # The answer is the generic one of a failed login (no oracle); the mail goes out all the same.
        login = client.post("/api/members/auth/login", json={"email": one["E-mail"]})
        assert login.status_code == 401, login.text
        deadline = time.monotonic() + 30
        while not stack.dev.sink.mailbox.entries() and time.monotonic() < deadline:
            time.sleep(0.3)
        mails = stack.dev.sink.mailbox.entries()
        assert [mail["to"] for mail in mails] == [[one["E-mail"]]]
    print(f"\nimport saga e2e, {ROWS} rows: " + ", ".join(f"{key} {value:.1f}" for key, value in timings.items()))
