"""Every service refuses, before any endpoint runs: ambiguous paths (400) and NUL characters (422 field errors),
which PostgreSQL would otherwise answer with a 500."""

import uuid
from urllib.parse import unquote

import httpx
import pytest
from fastapi import APIRouter
from gymloop_devstack.testing import error_fields, problem
from gymloop_kit.app import ServiceSpec, Session, create_service_app
from kit_fixtures import effects
from pydantic import BaseModel
from sqlalchemy import func, insert, select
from starlette.types import Receive, Scope, Send

pytestmark = pytest.mark.integration

router = APIRouter()
STUDIO = uuid.uuid4()


class NoteIn(BaseModel):
    reason: str
    tags: list[str] = []


@router.post("/notes", status_code=201)
async def add_note(body: NoteIn, session: Session) -> dict[str, str]:
    await session.execute(insert(effects).values(event_id=uuid.uuid4(), studio_id=STUDIO, reason=body.reason))
    return {"reason": body.reason}


@router.get("/notes")
async def count_notes(session: Session, reason: str = "") -> dict[str, int]:
    query = select(func.count()).select_from(effects).where(effects.c.reason == reason)
    return {"count": (await session.execute(query)).scalar_one()}


@router.get("/notes/{reason}")
async def count_notes_by_path(reason: str, session: Session) -> dict[str, int]:
    return await count_notes(session, reason)


class AsSentByTheClient:
    """httpx resolves `..` before sending; this puts a test header's path into the scope as uvicorn would."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        raw = dict(scope.get("headers", [])).get(b"x-test-raw-path")
        if scope["type"] == "http" and raw is not None:
            scope = {**scope, "raw_path": raw, "path": unquote(raw.decode("latin-1"))}
        await self.app(scope, receive, send)


@pytest.fixture
async def client(kit_database, make_settings):
    settings = make_settings("kitguards", kit_database, relay_enabled=False, kafka_create_topics=False)
    app = create_service_app(ServiceSpec(name="kitguards", description="request guards", routers=[router]), settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=AsSentByTheClient(app))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            yield http


async def stored(client: httpx.AsyncClient) -> int:
    return int((await client.get("/notes", params={"reason": "kept"})).json()["count"])


@pytest.mark.parametrize(
    "raw_path", ["/notes/../metrics", "/x/%2e%2e/metrics", "/notes/./kept", "/notes/a%2Fb", "/notes/a%5cb", "/a\\b"]
)
async def test_an_ambiguous_path_is_refused_with_a_problem(client, raw_path):
    answer = await client.get("/", headers={"x-test-raw-path": raw_path})
    assert problem(answer, 400)["code"] == "ambiguous_path"
    assert answer.headers["x-correlation-id"]  # refused inside the correlation middleware, so it is logged


async def test_a_nul_in_a_json_field_is_a_field_error_and_nothing_is_stored(client):
    assert (await client.post("/notes", json={"reason": "kept"})).status_code == 201
    answer = await client.post("/notes", json={"reason": "ke\x00pt", "tags": ["ok", "b\x00d"]})
    body = problem(answer, 422)
    assert body["code"] == "validation_failed"
    assert sorted(error["loc"] for error in error_fields(answer)) == [["body", "reason"], ["body", "tags", 1]]
    assert {error["type"] for error in error_fields(answer)} == {"nul_character"}
    assert await stored(client) == 1


async def test_a_nul_in_a_query_or_path_parameter_is_a_field_error(client):
    query = await client.get("/notes", params={"reason": "a\x00b"})
    assert [error["loc"] for error in error_fields(query)] == [["query", "reason"]]
    assert query.status_code == 422
    path = await client.get("/notes/a%00b")
    assert path.status_code == 422
    assert [error["loc"] for error in error_fields(path)] == [["path", "reason"]]


async def test_plain_text_and_an_escaped_backslash_u0000_pass_with_the_body_intact(client):
    literal = await client.post("/notes", content=b'{"reason": "\\\\u0000 is how JSON writes NUL"}',
                                headers={"content-type": "application/json"})  # fmt: skip
    assert literal.status_code == 201
    assert literal.json() == {"reason": "\\u0000 is how JSON writes NUL"}
    assert (await client.get("/notes/plain.text")).json() == {"count": 0}
