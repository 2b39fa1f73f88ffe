"""The member overview view in the gateway, stand-in services behind an httpx MockTransport: how the parts are
combined, what a member does not get, and the view's entry in the gateway's own OpenAPI document."""

import uuid

import httpx
import pytest
from gymloop_devstack.testing import TokenFactory, problem, service_client
from gymloop_gateway.app import create_app
from gymloop_gateway.settings import GatewaySettings
from gymloop_kit.auth import KeyPair
from gymloop_kit.http.problems import problem_body

pytestmark = pytest.mark.unit

KEYS = KeyPair.generate()
TOKENS = TokenFactory(KEYS)
STUDIO = uuid.uuid4()
MEMBER = uuid.uuid4()
SUBSCRIPTION = str(uuid.uuid4())
SERVICES = ("members", "bookings", "billing", "notifications")

PROFILE = {"id": str(MEMBER), "first_name": "Mia", "role": "member", "tags": [{"id": "t", "name": "Knee"}]}
ANSWERS = {
    ("members", f"/members/{MEMBER}/overview"): {
        "profile": PROFILE, "responsible_employee": None, "notes": [{"body": "n"}], "notes_total": 1,
        "attachments": [{"id": "a1", "filename": "c.pdf", "file_url": "/api/v1/members/members/m/attachments/a1"}],
        "checklists": [],
    },
    ("bookings", f"/members/{MEMBER}/overview"): {
        "account": {"credits_left": 4, "active_sign_ups": 1, "entitlements": [
            {"subscription_id": SUBSCRIPTION, "kind": "pack", "left": 4, "valid_until": "2027-03-01"}]},
        "statistics": {"attended": 3}, "history": {"items": [], "total": 0, "limit": 5, "offset": 0},
        "upcoming": [{"session_id": "s", "subscription_id": SUBSCRIPTION}], "waitlist": [],
    },
    ("billing", f"/members/{MEMBER}/billing"): {
        "subscriptions": [{"id": SUBSCRIPTION, "plan_name": "10 rides", "status": "active"}],
        "payment_state": {"state": "overdue"}, "purchases": {"items": [], "total": 0, "limit": 50, "offset": 0},
        "payments": {"items": [], "total": 0, "limit": 50, "offset": 0},
    },
    ("notifications", f"/members/{MEMBER}/notifications"): [{"notification_id": "n1"}],
}  # fmt: skip


class StandIns:
    def __init__(self) -> None:
        self.down: set[str] = set()
        self.seen: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.seen.append(request)
        service = request.url.host
        if service in self.down:
            raise httpx.ConnectError("[Errno 111] Connection refused", request=request)
        answer = ANSWERS.get((service, request.url.path))
        if answer is None:
            return httpx.Response(404, json=problem_body(status=404, code="member_not_found", detail="not found"))
        return httpx.Response(200, json=answer)


def auth(**claims) -> dict[str, str]:
    return TOKENS.headers(studio_id=STUDIO, **{"role": "employee", **claims})


@pytest.fixture
def stand_ins() -> StandIns:
    return StandIns()


@pytest.fixture
async def gateway(stand_ins):
    settings = GatewaySettings(
        service_urls={name: f"http://{name}" for name in SERVICES}, jwt_public_key=KEYS.public_pem, openapi_cache_s=0
    )
    async with service_client(create_app(settings, transport=httpx.MockTransport(stand_ins))) as client:
        yield client


async def test_one_call_per_service_and_the_parts_combined(gateway, stand_ins):
    answer = await gateway.get(f"/api/views/members/{MEMBER}/overview", params={"history_limit": 5}, headers=auth())
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert sorted(r.url.host for r in stand_ins.seen) == sorted(SERVICES)
    (bookings,) = [r for r in stand_ins.seen if r.url.host == "bookings"]
    assert bookings.url.params["history_limit"] == "5"
    assert body["role"] == "member"
    assert body["tags"] == PROFILE["tags"]
    (subscription,) = body["subscriptions"]
    assert (subscription["plan_name"], subscription["credits_left"], subscription["active_sign_ups"]) == (
        "10 rides", 4, 1,
    )  # fmt: skip
    assert subscription["credits_valid_until"] == "2027-03-01"
    assert body["payment_state"] == {"state": "overdue"}
    assert body["notifications"] == [{"notification_id": "n1"}]
    assert body["attachments"] == [
        {"id": "a1", "filename": "c.pdf", "file_url": "/api/v1/members/members/m/attachments/a1"}
    ]


async def test_a_member_gets_no_staff_parts_and_notifications_are_not_asked(gateway, stand_ins):
    answer = await gateway.get(f"/api/views/members/{MEMBER}/overview", headers=auth(role="member", member_id=MEMBER))
    assert answer.status_code == 200, answer.text
    assert not {"notes", "attachments", "checklists", "notifications"} & set(answer.json())
    assert "notifications" not in {r.url.host for r in stand_ins.seen}


async def test_a_down_service_is_marked_and_the_rest_answered(gateway, stand_ins):
    stand_ins.down = {"billing", "bookings"}
    body = (await gateway.get(f"/api/views/members/{MEMBER}/overview", headers=auth())).json()
    for part in ("subscriptions", "payment_state", "purchases", "payments"):
        assert (body[part]["unavailable"], body[part]["service"]) == (True, "billing")
    for part in ("account", "statistics", "history", "upcoming", "waitlist"):
        assert (body[part]["unavailable"], body[part]["service"]) == (True, "bookings")
    assert body["profile"] == PROFILE


async def test_the_members_refusal_is_the_answer_and_without_members_there_is_nothing_to_show(gateway, stand_ins):
    unknown = await gateway.get(f"/api/views/members/{uuid.uuid4()}/overview", headers=auth())
    assert problem(unknown, 404)["code"] == "member_not_found"
    stand_ins.down = {"members"}
    down = await gateway.get(f"/api/views/members/{MEMBER}/overview", headers=auth())
    assert problem(down, 503)["code"] == "service_unavailable"
    assert down.json()["service"] == "members"


async def test_no_token_is_refused_at_the_edge_before_any_service_is_asked(gateway, stand_ins):
    answer = await gateway.get(f"/api/views/members/{MEMBER}/overview")
    assert problem(answer, 401)["code"] == "missing_token"
    assert stand_ins.seen == []
    bad = await gateway.get("/api/views/members/not-a-uuid/overview", headers=auth())
    assert bad.status_code == 422


async def test_the_view_is_in_the_gateways_openapi_with_its_summary_parameters_and_errors(gateway):
    document = (await gateway.get("/openapi.json")).json()
    operation = document["paths"]["/api/v1/views/members/{member_id}/overview"]["get"]
    assert operation["operationId"] == "gateway.memberOverview"
    assert operation["summary"]
    assert "another studio" in operation["description"]
    assert {p["name"] for p in operation["parameters"]} == {"member_id", "history_limit", "history_offset"}
    assert {"401", "404", "503"} <= set(operation["responses"])
    assert operation["responses"]["404"]["content"]["application/problem+json"]
    schema = operation["responses"]["200"]["content"]["application/json"]["schema"]
    assert schema["$ref"].endswith("MemberOverview")
