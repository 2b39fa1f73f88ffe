"""Issue 13 end to end: the full studio export over real processes. One studio gets a member with a tag and a note,
a plan and a subscription, a booked session and a notification, all through the gateway; a second studio gets a
member of its own. The first studio's admin exports through the gateway, waits for 100 % and downloads the ZIP:
every kind of record of the first studio is in it, nothing of the second; an employee may not export."""

from __future__ import annotations

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
        )
        other_studio = _sign_up_studio(client, "Other Gym")
        outsider = _member(client, other_studio["headers"], "Otto")
    return {
        "studio": studio, "tag": tag, "member": member, "note": note, "plan": plan, "subscription": subscription,
        "notification": notification, "session": session, "booking": booking, "outsider": outsider,
        "other_studio": other_studio,
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
    assert "README.md" in names
    expected = {"members/people.csv", "billing/plans.json", "bookings/bookings.csv", "notifications/messages.json"}
    assert expected <= names

    member_id = written["member"]["id"]
    people = {p["member_id"]: p for p in _records(archive, "members/people")}
    assert people[member_id]["first_name"] == "Mia"
    assert written["outsider"]["id"] not in people
    assert {t["tag_id"] for t in _records(archive, "members/tags")} == {written["tag"]["id"]}
    assert {(t["member_id"], t["tag_id"]) for t in _records(archive, "members/member_tags")} == {
        (member_id, written["tag"]["id"])
    }
    assert [n["body"] for n in _records(archive, "members/notes")] == ["Export note"]
    assert [p["plan_id"] for p in _records(archive, "billing/plans")] == [written["plan"]["id"]]
    subscriptions = _records(archive, "billing/subscriptions")
    assert [s["subscription_id"] for s in subscriptions] == [written["subscription"]["id"]]
    assert [r["session_id"] for r in _records(archive, "bookings/sessions")] == [written["session"]["id"]]
    bookings = _records(archive, "bookings/bookings")
    assert [(b["session_id"], b["member_id"]) for b in bookings] == [(written["session"]["id"], member_id)]
    notifications = _records(archive, "notifications/notifications")
    assert written["notification"]["notification_id"] in {n["notification_id"] for n in notifications}
    assert {n["member_id"] for n in notifications} <= set(people)
    # the CSV twin holds the same people, and the README describes each file
    assert member_id in archive.read("members/people.csv").decode("utf-8-sig")
    assert "## members/notes.csv / .json" in archive.read("README.md").decode()
    # nothing of the other studio anywhere in the archive
    other_ids = {written["outsider"]["id"], written["other_studio"]["studio_id"], written["other_studio"]["member_id"]}
    for name in names:
        text = archive.read(name).decode("utf-8-sig")
        assert not any(other in text for other in other_ids), name


def test_an_employee_may_not_export(stack: Stack, written: dict[str, Any]) -> None:
    studio_id = uuid.UUID(written["studio"]["studio_id"])
    employee = stack.tokens.headers(studio_id=studio_id, role="employee")
    with httpx.Client(base_url=stack.url, timeout=30.0, trust_env=False) as client:
        assert client.post("/api/v1/importer/exports", headers=employee).status_code == 403
        assert client.get("/api/v1/importer/exports", headers=employee).status_code == 403
