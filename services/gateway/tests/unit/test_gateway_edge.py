"""The gateway in-process, with in-process stand-in services behind it (a service may be switched off)."""

import uuid

import httpx
import pytest
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from gymloop_devstack.testing import TokenFactory, error_fields, problem, service_client
from gymloop_gateway.app import create_app
from gymloop_gateway.settings import GatewaySettings
from gymloop_kit.auth import KeyPair

pytestmark = pytest.mark.unit

KEYS = KeyPair.generate()
TOKENS = TokenFactory(KEYS)
STUDIO = uuid.uuid4()


def stand_in(name: str) -> FastAPI:
    app = FastAPI(title=f"stand-in {name}")

    @app.api_route("/echo/{rest:path}", methods=["GET", "POST"], tags=["echo"], operation_id=f"echo_{name}")
    async def echo(rest: str, request: Request) -> dict:
        return {
            "service": name,
            "method": request.method,
            "path": request.scope["raw_path"].decode(),
            "query": request.url.query,
            "body": (await request.body()).decode(),
            "correlation_id": request.headers.get("x-correlation-id"),
            "authorization": request.headers.get("authorization"),
            "forwarded_prefix": request.headers.get("x-forwarded-prefix"),
        }

    @app.get("/auth/login")
    async def login_get() -> dict:
        return {"ok": True}

    @app.post("/auth/login")
    async def login() -> Response:
        response = JSONResponse({"token": "t"}, status_code=201)
        response.set_cookie("a", "1")
        response.set_cookie("b", "2")
        return response

    @app.get("/ready")
    async def ready() -> JSONResponse:
        ok = not getattr(app.state, "broken", False)
        return JSONResponse(
            {"checks": {"database": {"status": "ok" if ok else "down"}}}, status_code=200 if ok else 503
        )

    return app


class ServiceRouter(httpx.AsyncBaseTransport):
    """Routes by host name to in-process apps; a host without an app refuses connections like a dead process."""

    def __init__(self, apps: dict[str, FastAPI]) -> None:
        self.apps = apps
        self.down: set[str] = set()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        host = request.url.host
        if host in self.down or host not in self.apps:
            raise httpx.ConnectError("[Errno 111] Connection refused", request=request)
        return await httpx.ASGITransport(app=self.apps[host]).handle_async_request(request)


@pytest.fixture
def router() -> ServiceRouter:
    return ServiceRouter({"members": stand_in("members"), "bookings": stand_in("bookings")})


@pytest.fixture
async def gateway(router):
    settings = GatewaySettings(
        service_urls={"members": "http://members", "bookings": "http://bookings"},
        jwt_public_key=KEYS.public_pem,
        openapi_cache_s=0,
    )
    async with service_client(create_app(settings, transport=router)) as client:
        yield client


def auth() -> dict[str, str]:
    return TOKENS.headers(studio_id=STUDIO, role="employee")


async def test_a_request_passes_through_with_method_path_query_body_token_and_correlation_id(gateway):
    headers = {**auth(), "X-Correlation-ID": "corr-123"}
    answer = await gateway.post("/api/bookings/echo/a%20b/c?x=1&x=2", content=b"hello", headers=headers)
    assert answer.status_code == 200
    seen = answer.json()
    assert seen["service"] == "bookings"
    assert seen["method"] == "POST"
    assert seen["path"] == "/echo/a%20b/c"  # forwarded as the client encoded it, without the /api/<svc> prefix
    assert seen["query"] == "x=1&x=2"
    assert seen["body"] == "hello"
    assert seen["correlation_id"] == "corr-123"
    assert seen["authorization"] == headers["Authorization"]  # unchanged: the service verifies it again
    assert seen["forwarded_prefix"] == "/api/v1/bookings"
    assert answer.headers.get_list("x-correlation-id") == ["corr-123"]


async def test_a_correlation_id_is_made_when_the_client_sends_none(gateway):
    answer = await gateway.get("/api/members/echo/x", headers=auth())
    made = answer.json()["correlation_id"]
    assert made
    assert answer.headers["x-correlation-id"] == made


async def test_no_token_or_a_forged_one_is_refused_at_the_edge(gateway):
    missing = await gateway.get("/api/members/echo/x")
    assert missing.status_code == 401
    assert missing.headers["www-authenticate"] == "Bearer"
    assert problem(missing)["code"] == "missing_token"
    assert error_fields(missing)[0]["loc"] == ["header", "Authorization"]
    assert "service" not in missing.json()  # a caller without a token learns nothing about the services
    forged = TokenFactory(KeyPair.generate()).headers(studio_id=STUDIO, role="admin")
    refused = await gateway.get("/api/members/echo/x", headers=forged)
    assert refused.status_code == 401
    assert error_fields(refused)[0]["type"] == "invalid_token"


async def test_public_routes_need_no_token_and_keep_every_answer_header(gateway):
    answer = await gateway.post("/api/members/auth/login", json={"email": "a@b.c"})
    assert answer.status_code == 201
    assert sorted(answer.headers.get_list("set-cookie")) == ["a=1; Path=/; SameSite=lax", "b=2; Path=/; SameSite=lax"]
    assert (await gateway.get("/api/members/auth/login")).status_code == 401  # only POST is public


async def test_a_down_service_answers_503_naming_it_while_others_keep_answering(gateway, router):
    router.down.add("members")
    down = await gateway.get("/api/members/echo/x", headers=auth())
    body = problem(down, 503)
    assert (body["code"], body["service"]) == ("service_unavailable", "members")
    assert "members service is unavailable" in body["detail"]
    assert (await gateway.get("/api/bookings/echo/x", headers=auth())).status_code == 200
    ready = await gateway.get("/ready")
    assert ready.status_code == 503
    body = ready.json()
    assert body["not_ready"] == ["members"]
    assert body["services"]["members"]["status"] == "down"
    assert body["services"]["bookings"]["status"] == "ready"


async def test_ready_is_200_only_when_every_service_is_ready(gateway, router):
    ok = await gateway.get("/ready")
    assert ok.status_code == 200
    assert set(ok.json()["services"]) == {"members", "bookings"}
    router.apps["bookings"].state.broken = True
    not_ready = await gateway.get("/ready")
    assert not_ready.status_code == 503
    assert not_ready.json()["services"]["bookings"]["status"] == "not_ready"
    assert not_ready.json()["services"]["bookings"]["checks"]["database"]["status"] == "down"


async def test_an_unknown_service_is_404_with_the_known_ones_but_only_with_a_token(gateway):
    answer = await gateway.get("/api/nope/x", headers=auth())
    assert (problem(answer, 404)["code"], answer.json()["service"]) == ("unknown_service", "nope")
    assert "members" in problem(answer)["detail"]
    assert (await gateway.get("/api/nope/x")).status_code == 401


async def test_the_gateways_own_unknown_routes_and_methods_answer_problems(gateway):
    assert problem(await gateway.get("/nope"), 404)["type"] == "about:blank"
    assert problem(await gateway.post("/ready"), 405)["code"] == "method_not_allowed"
    document = (await gateway.get("/openapi.json")).json()
    assert "Problem" in document["components"]["schemas"]
    assert "application/problem+json" in document["paths"]["/ready"]["get"]["responses"]["default"]["content"]


async def test_merged_openapi_has_every_service(gateway, router):
    document = (await gateway.get("/openapi.json")).json()
    assert "/api/v1/members/echo/{rest}" in document["paths"]
    assert "/api/v1/bookings/echo/{rest}" in document["paths"]
    assert "/ready" in document["paths"]
    router.down.add("bookings")
    degraded = (await gateway.get("/openapi.json")).json()
    assert "/api/v1/bookings/echo/{rest}" not in degraded["paths"]
    assert degraded["x-gymloop-services"]["bookings"]["status"] == "unavailable"


async def test_a_gateway_with_no_services_is_ready_and_healthy():
    settings = GatewaySettings(service_urls={}, jwt_public_key=KEYS.public_pem)
    async with service_client(create_app(settings, transport=ServiceRouter({}))) as client:
        assert (await client.get("/ready")).status_code == 200
        assert (await client.get("/health")).json() == {"status": "ok", "service": "gateway"}
