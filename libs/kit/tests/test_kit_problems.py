"""One error schema (RFC 9457 problem details) for every kind of error answer, documented in OpenAPI."""

import json

import pytest
from fastapi import APIRouter, HTTPException
from gymloop_devstack.testing import error_fields, problem, service_client
from gymloop_kit.app import ServiceSpec, create_service_app
from gymloop_kit.errors import Conflict, Forbidden, InvalidFields, InvalidInput, NotFound, TooManyRequests
from pydantic import BaseModel

pytestmark = pytest.mark.integration

router = APIRouter()


class Booking(BaseModel):
    seats: int
    email: str


@router.post("/bookings", responses={409: {"description": "The session is full"}})
async def book(body: Booking) -> dict[str, int]:
    if body.seats > 3:
        raise Conflict("the session is full", code="session_full", field="session_id")
    return {"seats": body.seats}


@router.get("/refusals/{kind}")
async def refuse(kind: str) -> None:
    if kind == "forbidden":
        raise Forbidden("only coaches may do this", code="coach_only")
    if kind == "missing":
        raise NotFound()
    if kind == "throttled":
        raise TooManyRequests("too many logins", code="login_throttled", retry_after_s=30)
    if kind == "several":
        raise InvalidFields(
            [
                InvalidInput("write a subject", code="subject_empty", field="subject"),
                InvalidInput("at most 60 days", code="too_long", field="absence.days"),
            ]
        )
    if kind == "http":
        raise HTTPException(status_code=410, detail="this offer ended")
    raise RuntimeError("password=hunter2 leaked from a driver")


@pytest.fixture
async def client(kit_database, make_settings):
    settings = make_settings("kitproblems", kit_database, relay_enabled=False, kafka_create_topics=False)
    spec = ServiceSpec(name="kitproblems", description="error answers", routers=[router])
    async with service_client(create_service_app(spec, settings)) as http:
        yield http


async def test_a_domain_error_names_its_code_and_field(client):
    answer = await client.post("/bookings", json={"seats": 4, "email": "a@b.example"})
    assert problem(answer, 409) == {
        "type": "urn:gymloop:problem:session_full",
        "title": "Conflict",
        "status": 409,
        "detail": "the session is full",
        "code": "session_full",
        "errors": [{"loc": ["body", "session_id"], "msg": "the session is full", "type": "session_full"}],
    }


async def test_each_error_class_answers_its_status_and_headers(client):
    forbidden = problem(await client.get("/refusals/forbidden"), 403)
    assert (forbidden["title"], forbidden["code"], forbidden["errors"][0]["loc"]) == ("Forbidden", "coach_only", [])
    assert problem(await client.get("/refusals/missing"), 404)["code"] == "not_found"
    throttled = await client.get("/refusals/throttled")
    assert problem(throttled, 429)["code"] == "login_throttled"
    assert throttled.headers["retry-after"] == "30"
    several = await client.get("/refusals/several")
    assert [(e["loc"], e["type"]) for e in error_fields(several)] == [
        (["body", "subject"], "subject_empty"),
        (["body", "absence", "days"], "too_long"),
    ]
    assert problem(several, 422)["code"] == "validation_failed"
    gone = problem(await client.get("/refusals/http"), 410)
    assert (gone["title"], gone["detail"], gone["code"]) == ("Gone", "this offer ended", "gone")


async def test_request_validation_errors_keep_fastapis_locations_and_echo_no_input(client):
    answer = await client.post("/bookings", json={"seats": "many", "password": "hunter2"})
    body = problem(answer, 422)
    assert body["code"] == "validation_failed"
    assert [(e["loc"], e["type"]) for e in body["errors"]] == [
        (["body", "seats"], "int_parsing"),
        (["body", "email"], "missing"),
    ]
    assert "body.seats" in body["detail"]
    assert "body.email" in body["detail"]
    assert "many" not in answer.text
    assert "hunter2" not in answer.text


async def test_unknown_routes_and_methods_answer_in_the_same_schema(client):
    unknown = problem(await client.get("/no/such/route"), 404)
    assert (unknown["type"], unknown["title"], unknown["code"]) == ("about:blank", "Not Found", "not_found")
    wrong_method = await client.delete("/bookings")
    assert problem(wrong_method, 405)["code"] == "method_not_allowed"
    assert wrong_method.headers["allow"] == "POST"


async def test_an_unexpected_error_answers_500_without_internals_and_is_logged(client, capsys):
    answer = await client.get("/refusals/crash", headers={"X-Correlation-ID": "corr-crash"})
    body = problem(answer, 500)
    assert body["code"] == "internal_error"
    assert "hunter2" not in answer.text
    assert "RuntimeError" not in answer.text
    assert answer.headers["x-correlation-id"] == "corr-crash"
    logged = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")]
    (crash,) = [line for line in logged if line.get("event") == "unexpected_error"]
    assert crash["correlation_id"] == "corr-crash"
    assert "RuntimeError: password=hunter2" in crash["exception"]  # the traceback stays in the log


async def test_the_openapi_document_describes_every_error_answer(client):
    document = (await client.get("/openapi.json")).json()
    schemas = document["components"]["schemas"]
    assert {"type", "title", "status", "detail", "code", "errors"} <= set(schemas["Problem"]["required"])
    assert "HTTPValidationError" not in schemas
    problem_content = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
    book = document["paths"]["/bookings"]["post"]["responses"]
    assert book["409"]["content"] == problem_content
    assert book["422"]["content"] == problem_content
    assert book["default"]["content"] == problem_content
    assert document["paths"]["/health"]["get"]["responses"]["default"]["content"] == problem_content
