"""The dashboard and the members report in the gateway, stand-in services behind an httpx MockTransport: which
calls go out, how the parts combine, what a down service does, and paging through a whole studio."""

import csv
import io
import uuid
from datetime import UTC, datetime
from urllib.parse import parse_qs

import httpx
import pytest
from gymloop_devstack.testing import TokenFactory, problem, service_client
from gymloop_gateway.app import create_app
from gymloop_gateway.settings import GatewaySettings
from gymloop_kit.auth import KeyPair

pytestmark = pytest.mark.unit

KEYS = KeyPair.generate()
TOKENS = TokenFactory(KEYS)
STUDIO = uuid.uuid4()
COACH = str(uuid.uuid4())
SERVICES = ("members", "bookings", "billing", "notifications")
TODAY = datetime.now(UTC).date().isoformat()  # the stand-in studio is in UTC


def mid(n: int) -> str:
    return str(uuid.UUID(int=n))


def person(n: int, **extra):
    return {"id": mid(n), "first_name": f"P{n:04d}", "last_name": "X", "email": f"p{n}@x.org",
            "status": "active", "is_member": True, "responsible_employee_id": COACH, "tags": [],
            "start_date": "2026-01-01", **extra}  # fmt: skip


class StandIns:
    def __init__(self, people: list[dict]) -> None:
        self.people = people
        self.down: set[str] = set()
        self.seen: list[httpx.Request] = []

    def page(self, items: list, query: dict) -> dict:
        limit, offset = int(query.get("limit", ["50"])[0]), int(query.get("offset", ["0"])[0])
        return {"items": items[offset : offset + limit], "total": len(items), "limit": limit, "offset": offset}

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.seen.append(request)
        service, path = request.url.host, request.url.path
        query = parse_qs(request.url.query.decode())
        if service in self.down:
            raise httpx.ConnectError("[Errno 111] Connection refused", request=request)
        ids = query.get("member_id") or [p["id"] for p in self.people]
        if (service, path) == ("members", "/members"):
            return httpx.Response(200, json=self.page(self.people, query))
        if (service, path) == ("bookings", "/attendance-summaries"):
            summaries = [{"member_id": i, "last_visit": TODAY, "visits_in_period": 1, "visits_in_previous_period": 1,
                          "period_days": 21, "credits_left": 1 if i == mid(1) else None,
                          "average_per_week_12_weeks": 0.5} for i in ids]  # fmt: skip
            return httpx.Response(200, json=self.page(summaries, query))
        if (service, path) == ("billing", "/member-billing"):
            rows = [{"member_id": i, "payment_state": "overdue" if i == mid(2) else "ok", "failed_attempts": 1,
                     "plans": [{"plan_id": "p", "plan_name": "=Unlimited"}]} for i in ids]  # fmt: skip
            return httpx.Response(200, json=self.page(rows, query))
        if (service, path) == ("bookings", "/settings"):
            return httpx.Response(200, json={"time_zone": "UTC"})
        if (service, path) == ("bookings", "/agenda"):
            session = {"id": str(uuid.uuid4()), "name": "Yoga", "starts_at": f"{TODAY}T18:00:00Z",
                       "ends_at": f"{TODAY}T19:00:00Z", "location_id": str(uuid.uuid4()), "status": "scheduled",
                       "capacity": 8, "booked": 6, "free_places": 2, "waiting": 0}  # fmt: skip
            return httpx.Response(200, json=[{"day": query["day"][0], "sessions": [session]}])
        if (service, path) == ("notifications", "/dashboard"):
            return httpx.Response(200, json=[{"notification_id": "n1", "member_id": mid(2), "title": "Birthday"}])
        if (service, path) == ("notifications", "/settings"):
            return httpx.Response(200, json={"notifications": {"absence": {"days": 30}}})
        return httpx.Response(404, json={"detail": "no stand-in"})


def staff() -> dict[str, str]:
    return TOKENS.headers(studio_id=STUDIO, role="admin")


def coach() -> dict[str, str]:
    return TOKENS.headers(studio_id=STUDIO, role="employee", member_id=uuid.UUID(COACH))


async def gateway_with(stand_ins: StandIns):
    settings = GatewaySettings(
        service_urls={name: f"http://{name}" for name in SERVICES}, jwt_public_key=KEYS.public_pem, openapi_cache_s=0
    )
    return service_client(create_app(settings, transport=httpx.MockTransport(stand_ins)))


async def test_the_dashboard_combines_my_notifications_sessions_and_one_at_risk_list():
    stand_ins = StandIns([person(1), person(2), person(3)])
    async with await gateway_with(stand_ins) as gateway:
        answer = await gateway.get("/api/views/dashboard", headers=coach())
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert (body["employee_id"], body["today"]) == (COACH, TODAY)
    assert [(n["notification_id"], n["member_name"]) for n in body["notifications"]] == [("n1", "P0002 X")]
    assert [(s["name"], s["booked"], s["occupancy"]) for s in body["sessions_today"]] == [("Yoga", 6, 0.75)]
    risk = {m["member_id"]: [r["code"] for r in m["reasons"]] for m in body["at_risk"]["members"]}
    assert risk == {mid(1): ["credits_low"], mid(2): ["payment_overdue"]}
    assert body["at_risk"]["rules"]["absence_days"] == 30  # the studio's notification setting
    calls = {(r.url.host, r.url.path): parse_qs(r.url.query.decode()) for r in stand_ins.seen}
    assert calls[("members", "/members")]["responsible_employee_id"] == [COACH]
    assert calls[("bookings", "/agenda")] == {"day": [TODAY], "days": ["1"], "coach_id": [COACH]}
    assert sorted(calls[("billing", "/member-billing")]["member_id"]) == [mid(1), mid(2), mid(3)]


async def test_a_down_service_marks_its_part_and_the_dashboard_still_answers():
    stand_ins = StandIns([person(1), person(2)])
    stand_ins.down = {"notifications", "billing"}
    async with await gateway_with(stand_ins) as gateway:
        answer = await gateway.get("/api/views/dashboard", headers=coach())
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert (body["notifications"]["unavailable"], body["notifications"]["service"]) == (True, "notifications")
    assert [m["service"] for m in body["at_risk"]["signals_unavailable"]] == ["billing"]
    assert [m["member_id"] for m in body["at_risk"]["members"]] == [mid(1)]  # credits still judged
    stand_ins.down = {"members"}
    async with await gateway_with(stand_ins) as gateway:
        body = (await gateway.get("/api/views/dashboard", headers=coach())).json()
    assert (body["at_risk"]["unavailable"], body["at_risk"]["service"]) == (True, "members")


async def test_the_report_pages_through_a_whole_studio_and_exports_every_row():
    stand_ins = StandIns([person(n) for n in range(1, 451)])  # three members pages, one summaries page
    async with await gateway_with(stand_ins) as gateway:
        answer = await gateway.get("/api/views/members-report", params={"limit": 2, "offset": 449}, headers=staff())
        exported = await gateway.get("/api/views/members-report", headers={**staff(), "Accept": "text/csv"})
    body = answer.json()
    assert (body["total"], [r["member_id"] for r in body["items"]]) == (450, [mid(450)])
    member_pages = [r for r in stand_ins.seen if r.url.path == "/members"]
    offsets = sorted(int(parse_qs(r.url.query.decode())["offset"][0]) for r in member_pages)
    assert offsets == [0, 0, 200, 200, 400, 400]  # two reports, three pages each
    rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert len(rows) == 451
    assert rows[1][4] == "'=Unlimited"  # formula-safe
    assert exported.headers["content-disposition"].startswith('attachment; filename="members-report-')


async def test_the_report_filtered_by_payment_state_lists_the_overdue_members_and_refuses_another_state():
    stand_ins = StandIns([person(1), person(2), person(3)])
    async with await gateway_with(stand_ins) as gateway:
        overdue = await gateway.get("/api/views/members-report", params={"payment_state": "overdue"}, headers=staff())
        unknown = await gateway.get("/api/views/members-report", params={"payment_state": "late"}, headers=staff())
    assert [r["member_id"] for r in overdue.json()["items"]] == [mid(2)]
    assert problem(unknown, 422)["errors"][0]["loc"] == ["query", "payment_state"]


async def test_the_report_without_members_is_empty_and_marked_and_a_file_of_it_is_refused():
    stand_ins = StandIns([person(1)])
    stand_ins.down = {"members"}
    async with await gateway_with(stand_ins) as gateway:
        answer = await gateway.get("/api/views/members-report", headers=staff())
        exported = await gateway.get("/api/views/members-report", params={"format": "xlsx"}, headers=staff())
    assert answer.status_code == 200
    assert (answer.json()["items"], answer.json()["unavailable"]["members"]["unavailable"]) == ([], True)
    assert problem(exported, 503)["code"] == "members_unavailable"


async def test_members_get_403_and_a_bad_sort_asks_no_service():
    stand_ins = StandIns([person(1)])
    member = TOKENS.headers(studio_id=STUDIO, role="member", member_id=uuid.uuid4())
    async with await gateway_with(stand_ins) as gateway:
        for path in ("/api/views/dashboard", "/api/views/members-report"):
            assert problem(await gateway.get(path, headers=member), 403)["code"] == "role_required"
        refused = await gateway.get("/api/views/members-report", params={"sort": "-age"}, headers=staff())
    assert problem(refused, 422)["code"] == "unknown_sort"
    assert stand_ins.seen == []
