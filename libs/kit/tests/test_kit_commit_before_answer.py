"""Commit, then answer: over a real HTTP server, a 2xx means the write is stored, and a failed commit is the answer.

The in-process transport hides the order (it returns only when the whole request is done), so these tests
run uvicorn on a port.
"""

import uuid

import httpx
import pytest
from fastapi import APIRouter
from gymloop_contracts.events.members import MemberArchived
from gymloop_devstack.testing import http_server, outbox_rows, problem
from gymloop_kit.app import ServiceSpec, Session, create_service_app
from gymloop_kit.db import Database
from gymloop_kit.errors import NotFound
from gymloop_kit.messaging.outbox import add_event
from pydantic import BaseModel
from sqlalchemy import text

pytestmark = pytest.mark.integration

# Both checks run at COMMIT, never at the INSERT: a deferred unique name, and a deferred trigger that makes the
# commit of a "slow" note take a while (the window in which an early answer would be visible).
SCHEMA = (
    """
CREATE TABLE notes (
    id uuid PRIMARY KEY,
    name text NOT NULL CONSTRAINT notes_name_unique UNIQUE DEFERRABLE INITIALLY DEFERRED
)""",
    """CREATE FUNCTION notes_slow_commit() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.name LIKE 'slow%' THEN PERFORM pg_sleep(0.8); END IF;
    RETURN NULL;
END $$""",
    """CREATE CONSTRAINT TRIGGER notes_slow_commit AFTER INSERT ON notes DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION notes_slow_commit()""",
)

router = APIRouter()


class NoteIn(BaseModel):
    name: str


@router.post("/notes", status_code=201)
async def add_note(body: NoteIn, session: Session) -> dict[str, str]:
    note_id = uuid.uuid4()
    await session.execute(text("INSERT INTO notes (id, name) VALUES (:id, :name)"), {"id": note_id, "name": body.name})
    await add_event(session, MemberArchived(member_id=note_id, reason=body.name), studio_id=uuid.uuid4())
    return {"id": str(note_id)}


@router.get("/notes/{note_id}")
async def get_note(note_id: uuid.UUID, session: Session) -> dict[str, str]:
    name = (await session.execute(text("SELECT name FROM notes WHERE id = :id"), {"id": note_id})).scalar()
    if name is None:
        raise NotFound("no such note", code="note_not_found")
    return {"id": str(note_id), "name": name}


@pytest.fixture
async def notes_database(kit_database):
    database = Database(kit_database)
    async with database.engine.begin() as connection:
        for statement in SCHEMA:
            await connection.exec_driver_sql(statement)
    yield database
    await database.dispose()


@pytest.fixture
async def base_url(notes_database, make_settings):
    settings = make_settings(
        "kitnotes", notes_database.url, relay_enabled=False, consumer_enabled=False, kafka_create_topics=False
    )
    app = create_service_app(ServiceSpec(name="kitnotes", description="notes", routers=[router]), settings)
    async with http_server(app) as url:
        yield url


async def test_a_write_whose_commit_fails_answers_500_and_stores_nothing(base_url, notes_database):
    async with httpx.AsyncClient(base_url=base_url) as client:
        assert (await client.post("/notes", json={"name": "taken"})).status_code == 201
        outbox_before = await outbox_rows(notes_database)

        answer = await client.post("/notes", json={"name": "taken"})  # the INSERT passes; only COMMIT fails

    body = problem(answer, 500)
    assert body["code"] == "commit_failed"
    assert "nothing was changed" in body["detail"]
    assert "notes_name_unique" not in answer.text  # no internals in the answer
    async with notes_database.transaction() as session:
        names = (await session.execute(text("SELECT name FROM notes"))).scalars().all()
    assert names == ["taken"]
    assert await outbox_rows(notes_database) == outbox_before  # its event went nowhere either


async def test_a_read_issued_the_moment_a_201_arrives_sees_the_write(base_url):
    async with httpx.AsyncClient(base_url=base_url) as writer, httpx.AsyncClient(base_url=base_url) as reader:
        created = await writer.post("/notes", json={"name": "slow to commit"})
        assert created.status_code == 201
        read = await reader.get(f"/notes/{created.json()['id']}")
    assert read.status_code == 200, read.text
    assert read.json()["name"] == "slow to commit"
