"""Issue 13 end to end: the gateway's member overview over real processes (every service, the gateway, the embedded
PostgreSQL and Tansu). Everything is written through the services' own routes; sessions cannot be made in the past,
so the ones meant as history are booked first and then moved back in bookings' database, and their attendance is
recorded through the API. The overview is checked field by field for staff and for the member themself; another
studio's token gets 404; with billing stopped the view still answers, its billing parts marked unavailable."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from gymloop_devstack.testing import answered, wait_until

from .conftest import Stack
from .past_sessions import move_back

pytestmark = pytest.mark.e2e

AMSTERDAM = ZoneInfo("Europe/Amsterdam")  # the studio's zone until its admins set another
PASSWORD = "Overview-e2e-Password-2026"
PACK = {
    "name": "10 sessions", "kind": "session_pack", "sessions": 10, "price_cents": 9000, "currency": "EUR",
    "period": "one_off", "valid_days": 90,
}  # fmt: skip
PDF = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\n%%EOF\n"


def _custom_notification(
    client: httpx.Client, admin: dict[str, str], member_id: str, text: str, today: str
) -> dict[str, Any] | None:
    answer = client.post(
        f"/api/notifications/members/{member_id}/notifications", json={"text": text, "due_date": today}, headers=admin
    )
    return answer.json() if answer.status_code == 201 else None


class Studio:
    """One studio written through the gateway."""

    def __init__(self, stack: Stack, client: httpx.Client) -> None:
        self.stack = stack
        self.client = client
        signed_up = answered(
            client.post(
                "/api/members/studios/signup",
                json={"studio_name": "Overview Gym", "email": f"owner-{uuid.uuid4().hex[:8]}@gym.example.com",
                      "password": PASSWORD, "first_name": "Olga", "last_name": "Owner"},
            ),
            201,
        )  # fmt: skip
        self.studio_id = uuid.UUID(signed_up["studio_id"])
        self.admin = {"Authorization": f"Bearer {signed_up['access_token']}"}
        self.admin_member_id = signed_up["member_id"]

    def member_headers(self, member: dict[str, Any]) -> dict[str, str]:
        return self.stack.tokens.headers(
            studio_id=self.studio_id, role="member", member_id=uuid.UUID(member["id"]),
            account_id=uuid.UUID(member["account_id"]),
        )  # fmt: skip

    def session(self, location: str, session_type: str, starts_in: timedelta, capacity: int = 10) -> str:
        local = (datetime.now(UTC) + starts_in).astimezone(AMSTERDAM)
        body = {
            "location_id": location, "session_type_id": session_type, "day": local.date().isoformat(),
            "start_time": local.time().replace(microsecond=0).isoformat(), "duration_minutes": 60,
            "capacity": capacity,
        }  # fmt: skip
        return str(answered(self.client.post("/api/bookings/sessions", json=body, headers=self.admin), 201)["id"])

    def sign_up(self, session_id: str, headers: dict[str, str]) -> httpx.Response:
        return self.client.post(f"/api/bookings/sessions/{session_id}/bookings", json={}, headers=headers)


@pytest.fixture(scope="module")
def written(stack: Stack) -> dict[str, Any]:
    """A member with something in every part of the overview, all written through the gateway."""
    with httpx.Client(base_url=stack.url, timeout=30.0, trust_env=False) as client:
        studio = Studio(stack, client)
        admin = studio.admin
        coach = answered(
            client.post(
                "/api/members/members",
                json={"email": f"coach-{uuid.uuid4().hex[:8]}@gym.example.com", "first_name": "Cas",
                      "last_name": "Coach", "role": "employee", "is_member": False},
                headers=admin,
            ),
            201,
        )  # fmt: skip
        tag = answered(client.post("/api/members/tags", json={"name": "Knee injury"}, headers=admin), 201)
        member = answered(
            client.post(
                "/api/members/members",
                json={"email": f"mia-{uuid.uuid4().hex[:8]}@gym.example.com", "first_name": "Mia",
                      "last_name": "Jansen", "tag_ids": [tag["id"]], "responsible_employee_id": coach["id"]},
                headers=admin,
            ),
            201,
        )  # fmt: skip
        member_id = member["id"]
        other = answered(
            client.post(
                "/api/members/members",
                json={"email": f"bo-{uuid.uuid4().hex[:8]}@gym.example.com", "first_name": "Bo", "last_name": "B"},
                headers=admin,
            ),
            201,
        )
        answered(
            client.post(f"/api/members/members/{member_id}/notes", json={"body": "Runs a 10k in May"}, headers=admin),
            201,
        )
        answered(
            client.post(
                f"/api/members/members/{member_id}/attachments",
                files={"file": ("contract.pdf", PDF, "application/pdf")}, headers=admin,
            ),
            201,
        )  # fmt: skip
        template = answered(
            client.post("/api/members/checklists", json={"name": "Intake", "actions": ["Talk", "Test"]}, headers=admin),
            201,
        )
        answered(
            client.post(
                f"/api/members/members/{member_id}/checklists", json={"template_id": template["id"]}, headers=admin
            ),
            201,
        )

        # billing learns the members from members' events
        for someone in (member_id, other["id"]):
            wait_until(
                lambda someone=someone: client.get(f"/api/billing/members/{someone}/payment-state", headers=admin)
                .status_code == 200,
                "billing to know the member",
            )  # fmt: skip
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
        answered(
            client.post(
                "/api/billing/subscriptions",
                json={"member_id": other["id"], "plan_id": plan["id"], "start_date": today},
                headers=admin,
            ),
            201,
        )
        product = answered(
            client.post("/api/billing/products", json={"name": "Shake", "price_cents": 300}, headers=admin), 201
        )
        answered(
            client.post(
                "/api/billing/purchases",
                json={"member_id": member_id, "product_id": product["id"], "quantity": 2, "purchased_on": today},
                headers=admin,
            ),
            201,
        )
        # notifications: an open one and a done one (the overview shows the open ones)
        open_note, done_note = (
            wait_until(lambda text=text_: _custom_notification(client, admin, member_id, text, today), "notifications")
            for text_ in ("Call about the 10k plan", "Welcome call")
        )
        answered(client.post(f"/api/notifications/notifications/{done_note['notification_id']}/done", headers=admin))

        # bookings learns the credits from billing's events
        for someone in (member_id, other["id"]):
            wait_until(
                lambda someone=someone: (
                    answer := client.get(f"/api/bookings/members/{someone}/account", headers=admin)
                ).status_code == 200 and answer.json()["credits_left"] == 10,
                "bookings to grant the pack's credits",
            )  # fmt: skip
        location = answered(client.post("/api/bookings/locations", json={"name": "Zaal 1"}, headers=admin), 201)["id"]
        kind = answered(client.post("/api/bookings/session-types", json={"name": "Spinning"}, headers=admin), 201)["id"]
        mia = studio.member_headers(member)
        visits = []
        for days_ago in (3, 12):
            session_id = studio.session(location, kind, timedelta(hours=5))
            answered(studio.sign_up(session_id, mia), 201)
            move_back(stack, session_id, timedelta(days=days_ago, hours=5))
            answered(client.post(f"/api/bookings/sessions/{session_id}/end", headers=admin))
            visits.append(session_id)
        coming = studio.session(location, kind, timedelta(days=2))
        answered(studio.sign_up(coming, mia), 201)
        full = studio.session(location, kind, timedelta(days=3), capacity=1)
        answered(studio.sign_up(full, studio.member_headers(other)), 201)
        answered(studio.sign_up(full, mia), 202)
    return {
        "studio": studio, "member": member, "coach": coach, "tag": tag, "subscription": subscription,
        "visits": visits, "coming": coming, "full": full, "open_notification": open_note,
    }  # fmt: skip


def _overview(stack: Stack, member_id: str, headers: dict[str, str], **params: Any) -> httpx.Response:
    with httpx.Client(base_url=stack.url, timeout=30.0, trust_env=False) as client:
        return client.get(f"/api/views/members/{member_id}/overview", params=params, headers=headers)


def _check_common(body: dict[str, Any], written: dict[str, Any]) -> None:
    member, coach = written["member"], written["coach"]
    assert body["member_id"] == member["id"]
    assert (body["profile"]["first_name"], body["profile"]["last_name"]) == ("Mia", "Jansen")
    assert body["role"] == "member"
    assert [t["name"] for t in body["tags"]] == ["Knee injury"]
    assert body["responsible_employee"] == {"id": coach["id"], "first_name": "Cas", "last_name": "Coach"}
    (subscription,) = body["subscriptions"]
    assert subscription["id"] == written["subscription"]["id"]
    assert subscription["plan_name"] == "10 sessions"
    # 10 credits, 2 used by the visits, 1 held by the sign-up to come (the waitlist place holds none)
    assert subscription["credits_left"] == 7
    assert subscription["active_sign_ups"] == 1
    # valid for 90 days counting the first
    assert subscription["credits_valid_until"] == (date.today() + timedelta(days=89)).isoformat()
    assert body["account"]["credits_left"] == 7
    assert body["account"]["active_sign_ups"] == 1
    stats = body["statistics"]
    assert (stats["attended"], stats["no_shows"], stats["late_cancels"]) == (2, 0, 0)
    assert stats["average_per_week_4_weeks"] == 0.5
    assert stats["average_per_week_12_weeks"] == round(2 / 12, 2)
    last_visit = datetime.fromisoformat(stats["last_visit"])
    assert abs(last_visit - (datetime.now(UTC) - timedelta(days=3))) < timedelta(minutes=10)
    assert [b["session_id"] for b in body["upcoming"]] == [written["coming"]]
    assert body["upcoming"][0]["session_name"] == "Spinning"
    assert [(w["session_id"], w["position"]) for w in body["waitlist"]] == [(written["full"], 1)]
    assert body["payment_state"]["state"] == "ok"
    assert body["payment_state"]["may_book"] is True
    (purchase,) = body["purchases"]["items"]
    assert (purchase["product_name"], purchase["quantity"]) == ("Shake", 2)
    assert body["purchases"]["total"] == 1
    assert body["payments"] == {"items": [], "total": 0, "limit": 50, "offset": 0}


def test_staff_see_every_part_of_the_overview(stack: Stack, written: dict[str, Any]) -> None:
    studio = written["studio"]
    answer = _overview(stack, written["member"]["id"], studio.admin)
    body = answered(answer)
    _check_common(body, written)
    history = body["history"]
    assert (history["total"], history["limit"], history["offset"]) == (2, 50, 0)
    assert [h["session_id"] for h in history["items"]] == written["visits"]  # 3 days ago, then 12
    assert {h["status"] for h in history["items"]} == {"attended"}
    (note,) = body["notes"]
    assert note["body"] == "Runs a 10k in May"
    assert note["author"]["id"] == studio.admin_member_id
    (attachment,) = body["attachments"]
    assert attachment["filename"] == "contract.pdf"
    assert attachment["file_url"] == f"/api/v1/members/members/{written['member']['id']}/attachments/{attachment['id']}"
    with httpx.Client(base_url=stack.url, timeout=30.0, trust_env=False) as client:
        assert client.get(attachment["file_url"], headers=studio.admin).content == PDF
    (checklist,) = body["checklists"]
    assert (checklist["name"], checklist["done"], checklist["total"]) == ("Intake", 0, 2)
    (notification,) = body["notifications"]
    assert notification["notification_id"] == written["open_notification"]["notification_id"]
    assert notification["title"] or notification["details"]


def test_the_history_is_paged(stack: Stack, written: dict[str, Any]) -> None:
    body = answered(
        _overview(stack, written["member"]["id"], written["studio"].admin, history_limit=1, history_offset=1)
    )
    history = body["history"]
    assert (history["total"], history["limit"], history["offset"]) == (2, 1, 1)
    assert [h["session_id"] for h in history["items"]] == [written["visits"][1]]


def test_a_member_sees_their_own_overview_without_the_staff_parts(stack: Stack, written: dict[str, Any]) -> None:
    studio, member = written["studio"], written["member"]
    body = answered(_overview(stack, member["id"], studio.member_headers(member)))
    _check_common(body, written)
    for staff_only in ("notes", "attachments", "checklists", "notifications"):
        assert staff_only not in body


def test_another_member_and_another_studio_get_not_found(stack: Stack, written: dict[str, Any]) -> None:
    member_id = written["member"]["id"]
    someone_else = stack.tokens.headers(studio_id=written["studio"].studio_id, role="member", member_id=uuid.uuid4())
    assert _overview(stack, member_id, someone_else).status_code == 404
    other_studio = stack.tokens.headers(studio_id=uuid.uuid4(), role="admin")
    refused = _overview(stack, member_id, other_studio)
    assert refused.status_code == 404
    assert refused.json()["code"] == "member_not_found"
    assert _overview(stack, member_id, {}).status_code == 401


def test_with_billing_stopped_the_overview_answers_with_the_billing_parts_unavailable(
    stack: Stack, written: dict[str, Any]
) -> None:
    stack.dev.stop_service("billing")  # last in this module: the stack is the module's own
    body = answered(_overview(stack, written["member"]["id"], written["studio"].admin))
    for part in ("subscriptions", "payment_state", "purchases", "payments"):
        assert body[part]["unavailable"] is True, part
        assert body[part]["service"] == "billing"
        assert "billing" in body[part]["detail"]
    assert body["statistics"]["attended"] == 2  # the other services' parts are all there
    assert body["notes"][0]["body"] == "Runs a 10k in May"
    assert len(body["notifications"]) == 1
