"""Issue 13 end to end: the full studio export over real processes. One studio gets, all through the gateway, an
employee and a member with a tag and a note, a plan, a subscription (its credit ledger and user log), a SEPA
mandate, a shop purchase collected by a payment run (a payment), a session booked and checked in (attendance), a
notification and a message; a second studio gets a member, a note and a message of its own. The first studio's
admin exports through the gateway, waits for 100 % and downloads the ZIP: every kind of record of the first studio
is in it with its content, the README describes every file's columns, and nothing of the second studio is
anywhere in it; an employee may not export."""

from __future__ import annotations

import csv
import io
import json
import time
import uuid
import zipfile
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from gymloop_devstack.testing import answered, wait_until

from .conftest import Stack

pytestmark = pytest.mark.e2e

AMSTERDAM = ZoneInfo("Europe/Amsterdam")  # the studio's zone until its admins set another
PASSWORD = "Export-e2e-Password-2026"
PACK = {
    "name": "Export pack", "kind": "session_pack", "sessions": 10, "price_cents": 9000, "currency": "EUR",
    "period": "one_off", "valid_days": 90,
}  # fmt: skip
CREDITOR = {
    "collection_method": "sepa_export", "creditor_name": "Export Gym", "creditor_iban": "NL91ABNA0417164300",
    "creditor_id": "NL57ZZZ999999999999",
}  # fmt: skip
MESSAGE = {"subject": "Export news", "body": "The sauna opens on Monday", "channels": ["in_app"]}
OTHER_MESSAGE = {"subject": "Other news", "body": "Other studio's secret plans", "channels": ["in_app"]}


def _sign_up_studio(client: httpx.Client, name: str) -> dict[str, Any]:
    body = {"studio_name": name, "email": f"owner-{uuid.uuid4().hex[:8]}@gym.example.com", "password": PASSWORD,
            "first_name": "Olga", "last_name": "Owner"}  # fmt: skip
    signed_up = answered(client.post("/api/members/studios/signup", json=body), 201)
    signed_up["headers"] = {"Authorization": f"Bearer {signed_up['access_token']}"}
    return signed_up


def _member(client: httpx.Client, admin: dict[str, str], first_name: str, **extra: Any) -> dict[str, Any]:
    body = {"email": f"{first_name.lower()}-{uuid.uuid4().hex[:8]}@gym.example.com", "first_name": first_name,
            "last_name": "Export", **extra}  # fmt: skip
    return answered(client.post("/api/members/members", json=body, headers=admin), 201)


def _custom_notification(
    client: httpx.Client, admin: dict[str, str], member_id: str, text: str, today: str
) -> dict[str, Any] | None:
    answer = client.post(
        f"/api/notifications/members/{member_id}/notifications", json={"text": text, "due_date": today}, headers=admin
    )
    return answer.json() if answer.status_code == 201 else None


@pytest.fixture(scope="module")
def written(stack: Stack) -> dict[str, Any]:
    with httpx.Client(base_url=stack.url, timeout=30.0, trust_env=False) as client:
        studio = _sign_up_studio(client, "Export Gym")
        admin = studio["headers"]
        answered(client.put("/api/billing/billing-settings", json=CREDITOR, headers=admin))
        employee = _member(client, admin, "Eva", role="employee", is_member=False)
        tag = answered(client.post("/api/members/tags", json={"name": "Export tag"}, headers=admin), 201)
        member = _member(client, admin, "Mia", tag_ids=[tag["id"]])
        member_id = member["id"]
        note = answered(
            client.post(f"/api/members/members/{member_id}/notes", json={"body": "Export note"}, headers=admin), 201
        )
        wait_until(
            lambda: client.get(f"/api/billing/members/{member_id}/payment-state", headers=admin).status_code == 200,
            "billing to know the member",
        )
        plan = answered(client.post("/api/billing/plans", json=PACK, headers=admin), 201)
        today = date.today().isoformat()
        signed_on = (date.today() - timedelta(days=10)).isoformat()
        mandate = {"mandate_reference": "EXPORT-MIA-1", "iban": "NL91ABNA0417164300", "account_holder": "Mia Export",
                   "signed_on": signed_on}  # fmt: skip
        answered(client.put(f"/api/billing/members/{member_id}/mandate", json=mandate, headers=admin))
        product = answered(
            client.post("/api/billing/products", json={"name": "Export shake", "price_cents": 350}, headers=admin), 201
        )
        purchase = answered(
            client.post(
                "/api/billing/purchases",
                json={"member_id": member_id, "product_id": product["id"], "quantity": 2, "purchased_on": today},
                headers=admin,
            ),
            201,
        )
        run = {"collection_date": (date.today() + timedelta(days=7)).isoformat(),
               "period_label": date.today().strftime("%Y-%m")}  # fmt: skip
        payment_run = answered(client.post("/api/billing/payment-runs", json=run, headers=admin), 201)
        subscription = answered(
            client.post(
                "/api/billing/subscriptions",
                json={"member_id": member_id, "plan_id": plan["id"], "start_date": today},
                headers=admin,
            ),
            201,
        )
        notification = wait_until(
            lambda: _custom_notification(client, admin, member_id, "Export notification", today),
            "notifications to know the member",
        )
        wait_until(
            lambda: (answer := client.get(f"/api/bookings/members/{member_id}/account", headers=admin)).status_code
            == 200 and answer.json()["credits_left"] == 10,
            "bookings to grant the pack's credits",
        )  # fmt: skip
        location = answered(client.post("/api/bookings/locations", json={"name": "Zaal X"}, headers=admin), 201)
        kind = answered(client.post("/api/bookings/session-types", json={"name": "Export spin"}, headers=admin), 201)
        local = (datetime.now(UTC) + timedelta(days=2)).astimezone(AMSTERDAM)
        session = answered(
            client.post(
                "/api/bookings/sessions",
                json={"location_id": location["id"], "session_type_id": kind["id"], "day": local.date().isoformat(),
                      "start_time": local.time().replace(microsecond=0).isoformat(), "duration_minutes": 60,
                      "capacity": 5},
                headers=admin,
            ),
            201,
        )  # fmt: skip
        member_token = stack.tokens.headers(
            studio_id=uuid.UUID(studio["studio_id"]), role="member", member_id=uuid.UUID(member_id),
            account_id=uuid.UUID(member["account_id"]),
        )  # fmt: skip
        booking = answered(
            client.post(f"/api/bookings/sessions/{session['id']}/bookings", json={}, headers=member_token), 201
        )["booking"]
        answered(
            client.post(
                f"/api/bookings/sessions/{session['id']}/check-in", json={"member_id": member_id}, headers=admin
            )
        )
        message = answered(
            client.post(
                "/api/notifications/messages",
                json={**MESSAGE, "audience": {"type": "member", "member_id": member_id}},
                headers=admin,
            ),
            201,
        )
        other_studio = _sign_up_studio(client, "Other Gym")
        other_admin = other_studio["headers"]
        outsider = _member(client, other_admin, "Otto")
        answered(
            client.post(
                f"/api/members/members/{outsider['id']}/notes", json={"body": "Other studio note"}, headers=other_admin
            ),
            201,
        )
        wait_until(
            lambda: client.post(
                "/api/notifications/messages",
                json={**OTHER_MESSAGE, "audience": {"type": "member", "member_id": outsider["id"]}},
                headers=other_admin,
            ).status_code == 201,
            "notifications to know the other studio's member",
        )  # fmt: skip
    return {
        "studio": studio, "tag": tag, "member": member, "note": note, "plan": plan, "subscription": subscription,
        "notification": notification, "session": session, "booking": booking, "outsider": outsider,
        "other_studio": other_studio, "employee": employee, "mandate": mandate, "product": product,
        "purchase": purchase, "payment_run": payment_run, "message": message,
    }  # fmt: skip


def _export(stack: Stack, admin: dict[str, str]) -> tuple[dict[str, Any], bytes, httpx.Response]:
    with httpx.Client(base_url=stack.url, timeout=60.0, trust_env=False) as client:
        started = answered(client.post("/api/v1/importer/exports", headers=admin), 202)
        deadline = time.monotonic() + 90
        while True:
            state = answered(client.get(f"/api/v1/importer/exports/{started['id']}", headers=admin))
            if state["status"] in ("completed", "failed") or time.monotonic() > deadline:
                break
            time.sleep(0.3)
        assert state["status"] == "completed", state
        download = client.get(state["file_url"], headers=admin)
        return state, download.content, download


def _records(archive: zipfile.ZipFile, path: str) -> list[dict[str, Any]]:
    records: list[dict[str, Any]] = json.loads(archive.read(f"{path}.json"))
    return records


def _one(records: list[dict[str, Any]], **match: Any) -> dict[str, Any]:
    """The only record whose fields have these values."""
    (found,) = [r for r in records if all(r[key] == value for key, value in match.items())]
    return found


def test_the_admin_exports_every_kind_of_record_of_the_studio_and_nothing_of_another(
    stack: Stack, written: dict[str, Any]
) -> None:
    state, content, download = _export(stack, written["studio"]["headers"])
    assert state["percent_done"] == 100
    assert download.status_code == 200
    assert download.headers["content-type"] == "application/zip"
    assert download.headers["content-disposition"].startswith("attachment;")
    archive = zipfile.ZipFile(io.BytesIO(content))
    names = set(archive.namelist())
    member_id = written["member"]["id"]

    # members and staff, tags, notes
    people = {p["member_id"]: p for p in _records(archive, "members/people")}
    assert (people[member_id]["first_name"], people[member_id]["role"]) == ("Mia", "member")
    employee = people[written["employee"]["id"]]
    assert (employee["first_name"], employee["role"], employee["is_member"]) == ("Eva", "employee", False)
    assert written["outsider"]["id"] not in people
    assert {t["tag_id"]: t["name"] for t in _records(archive, "members/tags")} == {written["tag"]["id"]: "Export tag"}
    assert {(t["member_id"], t["tag_id"]) for t in _records(archive, "members/member_tags")} == {
        (member_id, written["tag"]["id"])
    }
    assert [(n["member_id"], n["body"]) for n in _records(archive, "members/notes")] == [(member_id, "Export note")]

    # billing: plans, subscriptions, mandates with reference and signing date, purchases, payments
    (plan,) = _records(archive, "billing/plans")
    assert (plan["plan_id"], plan["name"], plan["sessions"]) == (written["plan"]["id"], "Export pack", 10)
    (subscription,) = _records(archive, "billing/subscriptions")
    assert (subscription["subscription_id"], subscription["member_id"], subscription["plan_id"]) == (
        written["subscription"]["id"], member_id, written["plan"]["id"]
    )  # fmt: skip
    mandate = _one(_records(archive, "billing/mandates"), member_id=member_id)
    assert (mandate["mandate_reference"], mandate["signed_on"]) == ("EXPORT-MIA-1", written["mandate"]["signed_on"])
    assert mandate["iban"] == "NL91ABNA0417164300"
    purchase = _one(_records(archive, "billing/purchases"), purchase_id=written["purchase"]["id"])
    assert (purchase["member_id"], purchase["product_name"], purchase["quantity"]) == (member_id, "Export shake", 2)
    assert purchase["payment_run_id"] == written["payment_run"]["id"]  # collected by the run
    payments = [p for p in _records(archive, "billing/payments") if p["member_id"] == member_id]
    assert payments
    assert {p["payment_run_id"] for p in payments} == {written["payment_run"]["id"]}
    assert {p["method"] for p in payments} == {"sepa_export"}
    assert _one(_records(archive, "billing/payment_runs"), payment_run_id=written["payment_run"]["id"])

    # bookings: sessions, bookings with attendance, the credit ledger and the user log
    (exported_session,) = _records(archive, "bookings/sessions")
    assert (exported_session["session_id"], exported_session["capacity"]) == (written["session"]["id"], 5)
    (booking,) = _records(archive, "bookings/bookings")
    assert (booking["booking_id"], booking["session_id"], booking["member_id"]) == (
        written["booking"]["id"], written["session"]["id"], member_id
    )  # fmt: skip
    assert booking["checked_in_at"] is not None  # attendance
    assert booking["marked_present"] is True
    ledger = _one(_records(archive, "bookings/credit_ledger"), subscription_id=written["subscription"]["id"])
    assert (ledger["member_id"], ledger["granted"], ledger["credits_left"], ledger["held"]) == (member_id, 10, 9, 1)
    sign_up = _one(_records(archive, "bookings/user_log"), booking_id=written["booking"]["id"])
    assert (sign_up["member_id"], sign_up["change"], sign_up["available_after"]) == (member_id, -1, 9)

    # notifications and messages
    notifications = _records(archive, "notifications/notifications")
    exported = _one(notifications, notification_id=written["notification"]["notification_id"])
    assert (exported["member_id"], exported["title"], exported["kind"]) == (member_id, "Export notification", "custom")
    assert {n["member_id"] for n in notifications} <= set(people)
    (message,) = _records(archive, "notifications/messages")
    assert (message["message_id"], message["subject"], message["body"]) == (
        written["message"]["message_id"], "Export news", "The sauna opens on Monday"
    )  # fmt: skip
    delivery = _one(_records(archive, "notifications/message_deliveries"), message_id=message["message_id"])
    assert (delivery["member_id"], delivery["channel"]) == (member_id, "in_app")

    # the CSV twin of every JSON file, with the same rows; the README describes each file and its columns
    readme = archive.read("README.md").decode()
    for json_name in sorted(name for name in names if name.endswith(".json")):
        path = json_name.removesuffix(".json")
        assert f"{path}.csv" in names
        rows = list(csv.DictReader(io.StringIO(archive.read(f"{path}.csv").decode("utf-8-sig"))))
        assert len(rows) == len(_records(archive, path)), path
        assert f"## {path}.csv / .json" in readme
        columns = rows[0].keys() if rows else ()
        assert all(f"| {column} |" in readme for column in columns), path
    assert "| mandate_reference | the mandate reference" in readme
    people_csv = list(csv.DictReader(io.StringIO(archive.read("members/people.csv").decode("utf-8-sig"))))
    assert {row["member_id"] for row in people_csv} == set(people)

    # nothing of the other studio anywhere in the archive: no id and no text written there
    other = written["other_studio"]
    other_marks = {written["outsider"]["id"], other["studio_id"], other["member_id"], "Other studio note",
                   OTHER_MESSAGE["body"], OTHER_MESSAGE["subject"]}  # fmt: skip
    for name in names:
        text = archive.read(name).decode("utf-8-sig")
        assert not any(mark in text for mark in other_marks), name


def test_an_employee_may_not_export(stack: Stack, written: dict[str, Any]) -> None:
    studio_id = uuid.UUID(written["studio"]["studio_id"])
    employee = stack.tokens.headers(studio_id=studio_id, role="employee")
    with httpx.Client(base_url=stack.url, timeout=30.0, trust_env=False) as client:
        assert client.post("/api/v1/importer/exports", headers=employee).status_code == 403
        assert client.get("/api/v1/importer/exports", headers=employee).status_code == 403
