"""Links as full public paths, from the prefix the gateway sends; the service's own paths without one."""

import httpx
import pytest
from fastapi import FastAPI
from gymloop_kit.http.links import Links, PublicPaths

pytestmark = pytest.mark.unit


def app_with_a_link() -> FastAPI:
    app = FastAPI()

    @app.get("/runs/{run_id}")
    async def run(run_id: str, links: Links) -> dict[str, str]:
        return {"file_url": links.to(f"/runs/{run_id}/file")}

    return app


async def file_url(headers: dict[str, str]) -> str:
    transport = httpx.ASGITransport(app=app_with_a_link())
    async with httpx.AsyncClient(transport=transport, base_url="http://billing") as client:
        return str((await client.get("/runs/r1", headers=headers)).json()["file_url"])


async def test_through_the_gateway_a_link_carries_its_prefix():
    assert await file_url({"X-Forwarded-Prefix": "/api/v1/billing"}) == "/api/v1/billing/runs/r1/file"
    assert await file_url({"X-Forwarded-Prefix": "/api/v1/billing/"}) == "/api/v1/billing/runs/r1/file"


async def test_direct_to_the_service_a_link_is_its_own_path():
    assert await file_url({}) == "/runs/r1/file"


@pytest.mark.parametrize(
    "prefix", ["https://evil.example", "//evil.example/x", "/api/../admin", "/api/./x", "/a b", "/a?b=1", "/a#b", "x"]
)
async def test_a_prefix_that_is_no_plain_path_is_ignored(prefix):
    assert await file_url({"X-Forwarded-Prefix": prefix}) == "/runs/r1/file"


def test_a_link_to_another_service_is_the_sibling_of_this_prefix_or_the_canonical_path():
    assert PublicPaths("/api/v1/billing").to_service("members", "/members/m1") == "/api/v1/members/members/m1"
    assert PublicPaths("/api/billing").to_service("members", "/members/m1") == "/api/members/members/m1"
    assert PublicPaths().to_service("members", "/members/m1") == "/api/v1/members/members/m1"
