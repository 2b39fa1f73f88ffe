"""API problem documents become field errors keyed by field name, so a page shows each next to its control."""

import httpx
import pytest
from gymloop_web.gateway import ApiError, field_name, items_of

pytestmark = pytest.mark.unit


def answer(status: int, body: object) -> httpx.Response:
    return httpx.Response(status, json=body)


def test_errors_with_a_body_or_query_loc_go_to_their_field_and_the_rest_is_general():
    error = ApiError.of(
        answer(
            422,
            {"type": "urn:gymloop:problem:validation_failed", "title": "Invalid input", "status": 422,
             "detail": "2 inputs are invalid", "code": "validation_failed",
             "errors": [{"loc": ["body", "timezone"], "msg": "unknown time zone", "type": "timezone_unknown"},
                        {"loc": ["query", "q"], "msg": "too long", "type": "string_too_long"},
                        {"loc": ["body"], "msg": "the body is not JSON", "type": "json_invalid"}]},
        )
    )  # fmt: skip
    assert error.status == 422
    assert error.code == "validation_failed"
    assert error.fields == {"timezone": "unknown time zone", "q": "too long"}
    assert error.general == ["the body is not JSON"]


def test_a_problem_without_field_errors_shows_its_detail():
    error = ApiError.of(answer(409, {"status": 409, "code": "session_full", "detail": "the session is full"}))
    assert error.fields == {}
    assert error.general == ["the session is full"]


def test_an_answer_that_is_no_problem_document_still_becomes_an_error():
    error = ApiError.of(httpx.Response(500, text="<html>oops</html>"))
    assert (error.status, error.code) == (500, "http_error")


def test_field_names_from_locs():
    assert field_name(["body", "email"]) == "email"
    assert field_name(["body", "address", "city"]) == "address.city"
    assert field_name(["body", "items", 0, "name"]) == "items.0.name"
    assert field_name(["body"]) is None
    assert field_name(["somewhere", "x"]) is None


def test_list_answers_in_the_page_envelope_or_bare():
    assert items_of({"items": [1, 2], "total": 2, "limit": 50, "offset": 0}) == [1, 2]
    assert items_of([1, 2]) == [1, 2]
    assert items_of({"detail": "x"}) == []
