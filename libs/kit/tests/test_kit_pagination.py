"""The one page envelope: parameters with their bounds as field errors, the schema, and count + slice on PostgreSQL."""

from __future__ import annotations

import uuid

import httpx
import pytest
from fastapi import FastAPI
from gymloop_devstack.testing import error_fields, problem
from gymloop_kit.db import Database
from gymloop_kit.http.pagination import Page, PageParams, Paging, fetch_page, slice_page
from gymloop_kit.http.problems import install_problem_handlers
from kit_fixtures import effects
from pydantic import BaseModel
from sqlalchemy import insert, select


class LetterOut(BaseModel):
    letter: str


LETTERS = [chr(c) for c in range(ord("a"), ord("z") + 1)]


def letters_app() -> FastAPI:
    app = FastAPI()
    install_problem_handlers(app)

    @app.get("/letters", response_model=Page[LetterOut])
    async def letters(page: Paging) -> Page[LetterOut]:
        shown, total = slice_page(LETTERS, page)
        return Page.of([LetterOut(letter=letter) for letter in shown], total, page)

    return app


@pytest.fixture
async def client():
    transport = httpx.ASGITransport(app=letters_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://kit") as http:
        yield http


@pytest.mark.unit
async def test_the_first_page_has_fifty_at_most_and_the_total(client):
    answer = (await client.get("/letters")).json()
    assert answer == {"items": [{"letter": x} for x in LETTERS], "total": 26, "limit": 50, "offset": 0}


@pytest.mark.unit
async def test_limit_and_offset_choose_the_slice(client):
    answer = (await client.get("/letters", params={"limit": 3, "offset": 24})).json()
    assert answer == {"items": [{"letter": "y"}, {"letter": "z"}], "total": 26, "limit": 3, "offset": 24}
    past_the_end = (await client.get("/letters", params={"offset": 30})).json()
    assert (past_the_end["items"], past_the_end["total"]) == ([], 26)


@pytest.mark.unit
@pytest.mark.parametrize(
    ("params", "field"),
    [({"limit": 0}, "limit"), ({"limit": 501}, "limit"), ({"offset": -1}, "offset"), ({"limit": "ten"}, "limit")],
)
async def test_a_bad_limit_or_offset_is_a_field_error(client, params, field):
    answer = await client.get("/letters", params=params)
    problem(answer, 422)
    assert [tuple(error["loc"]) for error in error_fields(answer)] == [("query", field)]


@pytest.mark.unit
def test_a_page_schema_is_named_after_its_items():
    assert Page[LetterOut].model_json_schema()["title"] == "LetterPage"
    assert set(Page[LetterOut].model_json_schema()["properties"]) == {"items", "total", "limit", "offset"}


@pytest.mark.unit
def test_slice_page_of_a_list_in_memory():
    assert slice_page(LETTERS, PageParams(limit=2, offset=1)) == (["b", "c"], 26)


@pytest.mark.integration
async def test_fetch_page_counts_all_rows_and_reads_only_the_page(kit_database):
    studio, other = uuid.uuid4(), uuid.uuid4()
    database = Database(kit_database)
    try:
        async with database.transaction() as session:
            rows = [{"event_id": uuid.uuid4(), "studio_id": studio, "reason": f"r{i:02}"} for i in range(7)]
            await session.execute(
                insert(effects), [*rows, {"event_id": uuid.uuid4(), "studio_id": other, "reason": "r00"}]
            )
        async with database.transaction() as session:
            ordered = select(effects.c.reason).where(effects.c.studio_id == studio).order_by(effects.c.reason)
            assert await fetch_page(session, ordered, PageParams(limit=3, offset=3)) == (["r03", "r04", "r05"], 7)
            assert await fetch_page(session, ordered, PageParams(limit=3, offset=7)) == ([], 7)
            several = select(effects.c.reason, effects.c.studio_id).where(effects.c.studio_id == studio)
            page, total = await fetch_page(session, several.order_by(effects.c.reason), PageParams(limit=1))
            assert (total, [tuple(row) for row in page]) == (7, [("r00", studio)])
    finally:
        await database.dispose()
