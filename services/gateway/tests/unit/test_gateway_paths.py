"""Paths that resolve to another route once normalised are refused at the gateway, before the token check."""

import contextlib
import uuid
from collections.abc import AsyncIterator
from urllib.parse import unquote

import httpx
import pytest
from fastapi import FastAPI
from gymloop_devstack.testing import TokenFactory, error_fields, problem
from gymloop_gateway.app import create_app
from gymloop_gateway.settings import GatewaySettings
from gymloop_kit.auth import KeyPair
from starlette.types import Receive, Scope, Send

pytestmark = pytest.mark.unit

KEYS = KeyPair.generate()
RAW_PATH_HEADER = b"x-test-raw-path"


def members_stand_in(hits: list[str]) -> FastAPI:
    app = FastAPI()

    @app.get("/metrics")
    async def metrics() -> dict[str, str]:
        hits.append("/metrics")
        return {"secret": "process metrics"}

    @app.get("/members")
    async def members() -> list[str]:
        hits.append("/members")
        return []

    @app.api_route("/auth/password-reset/{rest:path}", methods=["GET", "POST"])
    async def reset(rest: str) -> dict[str, str]:
        hits.append(f"/auth/password-reset/{rest}")
        return {"reset": rest}

    return app


class AsSentByTheClient:
    """Puts the path of a test header into the scope byte for byte, as uvicorn does (`path` percent-decoded):
    httpx itself resolves `..` before sending, as a browser would, but an attacker's client need not."""

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
    settings = GatewaySettings(service_urls={"members": "http://members"}, jwt_public_key=KEYS.public_pem)
    app = create_app(settings, transport=httpx.ASGITransport(app=members))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=AsSentByTheClient(app))
        async with httpx.AsyncClient(transport=transport, base_url="http://gateway") as client:
            yield client


async def get_raw(client: httpx.AsyncClient, raw_path: str, **headers: str) -> httpx.Response:
    return await client.get("/", headers={RAW_PATH_HEADER.decode(): raw_path, **headers})


@pytest.mark.parametrize(
    "raw_path",
    [
        "/api/members/auth/password-reset/../../metrics",
        "/api/members/auth/password-reset/x/../../../metrics",
        "/api/members/auth/password-reset/%2e%2e/%2E%2E/metrics",
        "/api/members/auth/password-reset/.%2e/..%2E/metrics",
        "/api/members/auth/password-reset/./x",
        "/api/members/auth/password-reset/..%2fmetrics",
        "/api/members/auth/password-reset/..%2Fmetrics",
        "/api/members/auth/password-reset/..%5cmetrics",
        "/api/members/auth/password-reset/..\\metrics",
    ],
)
async def test_a_path_with_dot_segments_or_encoded_slashes_is_refused_before_it_reaches_a_service(raw_path):
    hits: list[str] = []
    async with gateway_before(members_stand_in(hits)) as gateway:
        answer = await get_raw(gateway, raw_path)
    body = problem(answer, 400)
    assert body["code"] == "ambiguous_path"
    assert error_fields(answer)[0]["loc"] == ["path"]
    assert hits == []  # neither /metrics nor anything else was asked


async def test_plain_paths_still_pass_and_a_token_still_guards_the_rest():
    hits: list[str] = []
    async with gateway_before(members_stand_in(hits)) as gateway:
        public = await get_raw(gateway, "/api/members/auth/password-reset/abc.def%20x")
        assert (public.status_code, public.json()) == (200, {"reset": "abc.def x"})
        assert (await get_raw(gateway, "/api/members/members")).status_code == 401
        token = TokenFactory(KEYS).headers(studio_id=uuid.uuid4(), role="admin")
        assert (await get_raw(gateway, "/api/members/members", **token)).status_code == 200
    assert hits == ["/auth/password-reset/abc.def x", "/members"]
