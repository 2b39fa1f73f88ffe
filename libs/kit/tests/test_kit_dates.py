"""A day and a month in query parameters as people type them; every wrong value a clear field error."""

from __future__ import annotations

import uuid
from datetime import date, datetime, time

import httpx
import jsonschema
import pytest
from fastapi import FastAPI, Query
from gymloop_devstack.testing import error_fields, problem
from gymloop_kit.http.dates import Day, Month, WallTime, parse_day, parse_month, parse_wall_time
from gymloop_kit.http.input_messages import clear_message
from gymloop_kit.http.problems import install_problem_handlers
from pydantic import BaseModel, ValidationError
from pydantic_core import PydanticCustomError

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    "text", ["2026-11-05", "2026-11-5", " 2026-11-05 ", "2026/11/05", "2026.11.05", "20261105", "05-11-2026",
             "5/11/2026", "05.11.2026"],
)  # fmt: skip
def test_a_day_in_every_accepted_spelling(text):
    assert parse_day(text) == date(2026, 11, 5)


@pytest.mark.parametrize("text", ["2026-11", " 2026-11 ", "11-2026", "11/2026", "2026/11", "2026-11-05", "05-11-2026"])
def test_a_month_in_every_accepted_spelling_is_its_first_day(text):
    assert parse_month(text) == date(2026, 11, 1)


@pytest.mark.parametrize(
    ("text", "kind"),
    [("2026-11", "day_invalid"), ("11-05-26", "day_invalid"), ("2026-11/05", "day_invalid"), ("", "day_invalid"),
     ("2026-11-05T10:00", "day_invalid"), ("2026-02-30", "day_not_in_calendar"), ("2026-13-01", "day_not_in_calendar")],
)  # fmt: skip
def test_a_wrong_day_names_the_expected_form(text, kind):
    with pytest.raises(PydanticCustomError) as refused:
        parse_day(text)
    assert refused.value.type == kind
    assert "YYYY-MM-DD" in refused.value.message()


@pytest.mark.parametrize(("text", "says"), [("2026-13", "no month 13"), ("nov", "YYYY-MM"), ("2026-11-31", "calendar")])
def test_a_wrong_month_names_the_expected_form(text, says):
    with pytest.raises(PydanticCustomError) as refused:
        parse_month(text)
    assert says in refused.value.message()
    assert "YYYY-MM" in refused.value.message()


def app_with_query_types() -> FastAPI:
    app = FastAPI()
    install_problem_handlers(app)

    @app.get("/typed")
    async def typed(
        day: Day,
        month: Month,
        member_id: uuid.UUID | None = None,
        at: datetime | None = None,
        plain_day: date | None = None,
        count: int = Query(default=1, ge=1, le=9),
        active: bool = True,
    ) -> dict[str, str]:
        return {"day": day.isoformat(), "month": month.isoformat()}

    return app


@pytest.fixture
async def client():
    transport = httpx.ASGITransport(app=app_with_query_types())
    async with httpx.AsyncClient(transport=transport, base_url="http://kit") as http:
        yield http


async def test_the_route_gets_a_date_for_each(client):
    answer = await client.get("/typed", params={"day": "5-11-2026", "month": "2026-11"})
    assert answer.json() == {"day": "2026-11-05", "month": "2026-11-01"}


@pytest.mark.parametrize(
    ("params", "field", "says"),
    [
        ({"day": None}, "day", "required"),
        ({"day": "2026-11", "month": "2026-11"}, "day", "expected a day as YYYY-MM-DD"),
        ({"day": "2026-11-05", "month": "November"}, "month", "expected a month as YYYY-MM"),
        ({"member_id": "42"}, "member_id", "expected an id (a UUID"),
        ({"at": "yesterday"}, "at", "expected a date and time as YYYY-MM-DDTHH:MM:SS"),
        ({"plain_day": "05/11"}, "plain_day", "expected a day as YYYY-MM-DD"),
        ({"count": "many"}, "count", "expected a whole number"),
        ({"count": "10"}, "count", "must be at most 9"),
        ({"count": "0"}, "count", "must be at least 1"),
        ({"active": "perhaps"}, "active", "expected true or false"),
    ],
)
async def test_a_wrong_query_value_gets_a_clear_message_not_pydantics(client, params, field, says):
    given = {"day": "2026-11-05", "month": "2026-11", **params}
    answer = await client.get("/typed", params={name: value for name, value in given.items() if value is not None})
    problem(answer, 422)
    errors = {error["loc"][-1]: error["msg"] for error in error_fields(answer) if error["loc"][-1] == field}
    assert says in errors[field]
    assert "Input should" not in answer.text
    assert "Field required" not in answer.text


async def test_the_documented_schema_shows_the_canonical_forms(client):
    parameters = (await client.get("/openapi.json")).json()["paths"]["/typed"]["get"]["parameters"]
    schemas = {parameter["name"]: parameter["schema"] for parameter in parameters}
    assert (schemas["day"]["format"], schemas["day"]["examples"]) == ("date", ["2026-11-05"])
    assert schemas["month"]["examples"] == ["2026-11"]


def test_our_own_validators_keep_their_message_without_pydantics_prefix():
    assert clear_message({"type": "value_error", "msg": "Value error, the IBAN has a bad checksum"}) == (
        "the IBAN has a bad checksum"
    )
    assert clear_message({"type": "string_too_long", "msg": "x", "ctx": {"max_length": 1}}) == (
        "may have at most 1 character"
    )
    assert clear_message({"type": "literal_error", "msg": "x", "ctx": {"expected": "'a' or 'b'"}}) == (
        "expected one of 'a' or 'b'"
    )


class Opening(BaseModel):
    opens_at: WallTime


@pytest.mark.parametrize(
    ("text", "expected"), [("18:30", time(18, 30)), ("07:05:09", time(7, 5, 9)), (" 00:00 ", time(0))]
)
def test_a_wall_time_as_hours_minutes_and_optional_seconds(text, expected):
    assert parse_wall_time(text) == expected


@pytest.mark.parametrize("text", ["18:30+01:00", "18:30Z", "24:00", "7:5", "18h30", "", "18:30:00.5"])
def test_a_wall_time_with_an_offset_or_another_form_is_a_field_error(text):
    with pytest.raises(ValidationError) as raised:
        Opening.model_validate({"opens_at": text})
    assert "HH:MM" in raised.value.errors()[0]["msg"]


def test_what_the_api_writes_for_a_wall_time_matches_what_it_documents():
    """JSON Schema's `format: time` demands an offset, which a studio-local time never has: a pattern instead."""
    schema = Opening.model_json_schema()["properties"]["opens_at"]
    assert "format" not in schema
    written = Opening(opens_at=time(18, 30)).model_dump(mode="json")["opens_at"]
    jsonschema.validate(written, schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate("18:30:00+01:00", schema)
