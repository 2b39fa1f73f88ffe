"""The gateway serves the web app (the back office) under /: every path that is not the API's or the gateway's
own goes to GYMLOOP_WEB_URL, on the same origin; the gateway's shared HTTP client keeps no browser's cookie."""

import uuid

import httpx
import pytest
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from gymloop_devstack.testing import TokenFactory, problem, service_client
from gymloop_gateway.app import create_app
from gymloop_gateway.settings import GatewaySettings
from gymloop_kit.auth import KeyPair

pytestmark = pytest.mark.unit

KEYS = KeyPair.generate()


def web_stand_in() -> FastAPI:
    app = FastAPI()

    @app.api_route("/{path:path}", methods=["GET", "POST"])
    async def page(path: str, request: Request) -> JSONResponse:
        answer = JSONResponse(
            {
                "method": request.method,
                "path": request.scope["raw_path"].decode(),
                "query": request.url.query,
                "body": (await request.body()).decode(),
                "cookie": request.headers.get("cookie"),
                "forwarded_prefix": request.headers.get("x-forwarded-prefix"),
                "forwarded_proto": request.headers.get("x-forwarded-proto"),
            }
        )
        if path == "login":
            answer.set_cookie("gymloop_session", f"sealed-{uuid.uuid4()}", httponly=True)
        return answer

    return app


class Router(httpx.AsyncBaseTransport):
    def __init__(self, apps: dict[str, FastAPI]) -> None:
        self.apps = apps

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        app = self.apps.get(request.url.host)
        if app is None:
            raise httpx.ConnectError("[Errno 111] Connection refused", request=request)
        return await httpx.ASGITransport(app=app).handle_async_request(request)


def settings(web_url: str) -> GatewaySettings:
    return GatewaySettings(service_urls={"members": "http://members"}, web_url=web_url, jwt_public_key=KEYS.public_pem)


@pytest.fixture
async def gateway():
    router = Router({"web": web_stand_in(), "members": web_stand_in()})
    async with service_client(create_app(settings("http://web"), transport=router)) as client:
        yield client


async def test_pages_are_forwarded_to_the_web_app_with_path_query_and_body(gateway):
    home = await gateway.get("/")
    assert home.status_code == 200
    assert home.json()["path"] == "/"
    members = (await gateway.get("/members?q=jan%20sen&status=active")).json()
    assert (members["path"], members["query"]) == ("/members", "q=jan%20sen&status=active")
    assert members["forwarded_prefix"] == ""  # the web app is at the root, not under /api/web
    assert members["forwarded_proto"] == "http"
    posted = (await gateway.post("/login", content=b"email=a%40b.c&csrf_token=t")).json()
    assert (posted["method"], posted["body"]) == ("POST", "email=a%40b.c&csrf_token=t")


async def test_the_gateway_keeps_its_own_and_the_api_paths(gateway):
    assert (await gateway.get("/health")).json()["service"] == "gateway"
    assert problem(await gateway.post("/ready"), 405)["code"] == "method_not_allowed"
    for path in ("/api", "/api/", "/docs/nope", "/redoc/x", "/metrics/x", "/openapi.json/x"):
        answer = await gateway.get(path)
        assert answer.status_code == 404, path
        assert answer.headers["content-type"] == "application/problem+json", path
    token = TokenFactory(KEYS).headers(studio_id=uuid.uuid4(), role="admin")
    api = (await gateway.get("/api/members/anything", headers=token)).json()
    assert api["forwarded_prefix"] == "/api/v1/members"  # still the API route (canonical prefix), not the web app


async def test_one_browsers_session_cookie_never_travels_with_anothers_request(gateway):
    """httpx keeps answers' cookies in the client by default: the gateway's one client would then send the
    first user's session to the web app with every later request of anybody."""
    first = await gateway.post("/login", content=b"")
    assert first.headers["set-cookie"].startswith("gymloop_session=sealed-")
    gateway.cookies.clear()  # the test client is a second browser, with no cookie of its own
    second = (await gateway.get("/members")).json()
    assert second["cookie"] is None
    own = (await gateway.get("/members", headers={"Cookie": "gymloop_session=mine"})).json()
    assert own["cookie"] == "gymloop_session=mine"


async def test_without_a_web_url_unknown_paths_stay_404():
    router = Router({"members": web_stand_in()})
    async with service_client(create_app(settings(""), transport=router)) as client:
        answer = await client.get("/members")
        assert problem(answer, 404)["type"] == "about:blank"
        assert problem(await client.post("/ready"), 405)["code"] == "method_not_allowed"
