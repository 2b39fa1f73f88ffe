"""/api/v1/... is the canonical public path and /api/... its alias: the same routes, the same edge checks."""

import contextlib
import uuid
from collections.abc import AsyncIterator
from urllib.parse import unquote

import httpx
import pytest
from fastapi import FastAPI, Request
from gymloop_devstack.testing import TokenFactory, problem
from gymloop_gateway.app import create_app
from gymloop_gateway.settings import GatewaySettings
from gymloop_gateway.versioning import canonical, unversioned
from gymloop_kit.auth import KeyPair
from starlette.types import Receive, Scope, Send

pytestmark = pytest.mark.unit

KEYS = KeyPair.generate()
STUDIO = uuid.uuid4()


def token() -> dict[str, str]:
    """A fresh employee token per call: one made at import would expire (15 min) before a long run reaches it."""
    return TokenFactory(KEYS).headers(studio_id=STUDIO, role="employee")


RAW_PATH_HEADER = b"x-test-raw-path"


def members_stand_in(hits: list[str]) -> FastAPI:
    app = FastAPI(title="stand-in members")

    @app.api_route("/echo/{rest:path}", methods=["GET", "POST"], operation_id="echo")
    async def echo(rest: str, request: Request) -> dict:
        hits.append(request.scope["raw_path"].decode())
        return {
            "path": request.scope["raw_path"].decode(),
            "query": request.url.query,
            "forwarded_prefix": request.headers.get("x-forwarded-prefix"),
        }

    @app.post("/auth/login", operation_id="login")
    async def login() -> dict:
        hits.append("/auth/login")
        return {"token": "t"}

    @app.get("/metrics")
    async def metrics() -> dict:
        hits.append("/metrics")
        return {"secret": "process metrics"}

    return app


class AsSentByTheClient:
    """The raw path of a test header put into the scope byte for byte, as uvicorn does (httpx resolves `..`)."""

    def __init__(self, app: FastAPI) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            raw = dict(scope["headers"]).get(RAW_PATH_HEADER)
            if raw is not None:
                scope = {**scope, "raw_path": raw, "path": unquote(raw.decode("latin-1"))}
        await self.app(scope, receive, send)


@contextlib.asynccontextmanager
async def gateway_before(members: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    settings = GatewaySettings(
        service_urls={"members": "http://members"}, jwt_public_key=KEYS.public_pem, openapi_cache_s=0
    )
    app = create_app(settings, transport=httpx.ASGITransport(app=members))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=AsSentByTheClient(app))
        async with httpx.AsyncClient(transport=transport, base_url="http://gateway") as client:
            yield client


async def get_raw(client: httpx.AsyncClient, raw_path: str, **headers: str) -> httpx.Response:
    return await client.get("/", headers={RAW_PATH_HEADER.decode(): raw_path, **headers})


async def test_the_versioned_path_and_its_alias_reach_the_same_route_the_same_way():
    hits: list[str] = []
    async with gateway_before(members_stand_in(hits)) as gateway:
        versioned = await gateway.get("/api/v1/members/echo/a%20b?x=1", headers=token())
        alias = await gateway.get("/api/members/echo/a%20b?x=1", headers=token())
    assert versioned.status_code == alias.status_code == 200
    expected = {"path": "/echo/a%20b", "query": "x=1", "forwarded_prefix": "/api/v1/members"}
    assert versioned.json() == alias.json() == expected
    assert hits == ["/echo/a%20b", "/echo/a%20b"]


async def test_the_versioned_path_keeps_public_routes_public_and_the_rest_guarded():
    hits: list[str] = []
    async with gateway_before(members_stand_in(hits)) as gateway:
        assert (await gateway.post("/api/v1/members/auth/login")).status_code == 200
        refused = await gateway.get("/api/v1/members/echo/x")
    assert problem(refused, 401)["code"] == "missing_token"
    assert hits == ["/auth/login"]


@pytest.mark.parametrize(
    "raw_path",
    [
        "/api/v1/members/auth/login/../../metrics",
        "/api/v1/members/auth/login/%2e%2e/%2e%2e/metrics",
        "/api/v1/../api/members/metrics",
        "/api/v1/members/auth/login/..%2fmetrics",
    ],
)
async def test_an_ambiguous_versioned_path_is_refused_like_its_alias(raw_path):
    hits: list[str] = []
    async with gateway_before(members_stand_in(hits)) as gateway:
        answer = await get_raw(gateway, raw_path, **token())
    assert problem(answer, 400)["code"] == "ambiguous_path"
    assert hits == []


async def test_an_encoded_version_segment_is_not_taken_for_the_version():
    """`path` and `raw_path` must tell the same story: an encoded `v1` is a service named v1, which is none."""
    hits: list[str] = []
    async with gateway_before(members_stand_in(hits)) as gateway:
        answer = await get_raw(gateway, "/api/%761/members/echo/x", **token())
    assert problem(answer, 404)["code"] == "unknown_service"
    assert hits == []


async def test_cluster_only_paths_stay_unreachable_through_the_versioned_path():
    hits: list[str] = []
    async with gateway_before(members_stand_in(hits)) as gateway:
        answer = await gateway.get("/api/v1/members/metrics", headers=token())
    assert problem(answer, 404)["code"] == "not_found"
    assert hits == []


async def test_the_merged_document_shows_only_the_canonical_paths():
    async with gateway_before(members_stand_in([])) as gateway:
        document = (await gateway.get("/openapi.json")).json()
    api_paths = [path for path in document["paths"] if path.startswith("/api/")]
    assert "/api/v1/members/echo/{rest}" in api_paths
    assert [path for path in api_paths if not path.startswith("/api/v1/")] == []
    assert {"/health", "/ready"} <= set(document["paths"])


def test_canonical_and_unversioned_paths():
    assert canonical("/api/members/members") == "/api/v1/members/members"
    assert canonical("/api/views/members/1") == "/api/v1/views/members/1"
    assert canonical("/api/v1/members/members") == "/api/v1/members/members"
    assert canonical("/ready") == "/ready"
    assert unversioned("/api/v1/billing/plans") == "/api/billing/plans"
    assert unversioned("/api/billing/plans") == "/api/billing/plans"
