"""The public studio page view, stand-in services behind an httpx MockTransport: no token needed, the parts
combined, members' 404 the answer, a down part marked."""

import uuid

import httpx
import pytest
from gymloop_devstack.testing import problem, service_client
from gymloop_gateway.app import create_app
from gymloop_gateway.settings import GatewaySettings
from gymloop_kit.auth import KeyPair
from gymloop_kit.http.problems import problem_body

pytestmark = pytest.mark.unit

KEYS = KeyPair.generate()
STUDIO = str(uuid.uuid4())
PAGE = {"studio_id": STUDIO, "slug": "fit-zuid", "name": "Fit Zuid", "address": None, "timezone": "Europe/Amsterdam"}
ANSWERS = {
    ("members", "/public/studios/fit-zuid"): PAGE,
    ("billing", f"/public/studios/{STUDIO}/plans"): [{"id": "p", "name": "Ten sessions", "price_cents": 12000}],
    ("bookings", f"/public/studios/{STUDIO}/agenda"): [{"day": "2026-12-03", "sessions": []}],
}


class StandIns:
    def __init__(self) -> None:
        self.down: set[str] = set()
        self.seen: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.seen.append(request)
        if request.url.host in self.down:
            raise httpx.ConnectError("[Errno 111] Connection refused", request=request)
        answer = ANSWERS.get((request.url.host, request.url.path))
        if answer is None:
            return httpx.Response(404, json=problem_body(status=404, code="studio_not_found", detail="no studio"))
        return httpx.Response(200, json=answer)


@pytest.fixture
def stand_ins() -> StandIns:
    return StandIns()


@pytest.fixture
async def gateway(stand_ins):
    settings = GatewaySettings(
        service_urls={name: f"http://{name}" for name in ("members", "billing", "bookings")},
        jwt_public_key=KEYS.public_pem,
    )
    async with service_client(create_app(settings, transport=httpx.MockTransport(stand_ins))) as client:
        yield client


async def test_the_page_needs_no_token_and_combines_studio_plans_and_agenda(gateway, stand_ins):
    answer = await gateway.get("/api/v1/views/public/studios/fit-zuid")
    assert answer.status_code == 200, answer.text
    assert answer.json() == {
        "studio": PAGE,
        "plans": ANSWERS[("billing", f"/public/studios/{STUDIO}/plans")],
        "agenda": ANSWERS[("bookings", f"/public/studios/{STUDIO}/agenda")],
    }
    assert sorted(r.url.host for r in stand_ins.seen) == ["billing", "bookings", "members"]


async def test_an_unknown_slug_is_members_404_and_nothing_else_is_asked(gateway, stand_ins):
    answer = await gateway.get("/api/v1/views/public/studios/no-such-studio")
    assert problem(answer, 404)["code"] == "studio_not_found"
    assert [r.url.host for r in stand_ins.seen] == ["members"]


async def test_a_down_part_is_marked_and_without_members_there_is_no_page(gateway, stand_ins):
    stand_ins.down = {"bookings"}
    body = (await gateway.get("/api/v1/views/public/studios/fit-zuid")).json()
    assert (body["agenda"]["unavailable"], body["agenda"]["service"]) == (True, "bookings")
    assert body["plans"][0]["name"] == "Ten sessions"
    stand_ins.down = {"members"}
    assert problem(await gateway.get("/api/v1/views/public/studios/fit-zuid"), 503)["code"] == "service_unavailable"


async def test_the_services_public_reads_pass_the_edge_without_a_token(gateway):
    for path in ("/api/v1/members/public/studios/fit-zuid", f"/api/v1/billing/public/studios/{STUDIO}/plans"):
        assert (await gateway.get(path)).status_code == 200
    assert problem(await gateway.get("/api/v1/members/members"), 401)["code"] == "missing_token"
