"""Days in query parameters as people type them, and clear field errors (never pydantic's wording) otherwise."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from gymloop_devstack.testing import error_fields, problem

pytestmark = pytest.mark.integration


async def test_the_agenda_takes_a_day_in_the_spellings_people_type(studio):
    session_id = await studio.session(starts_in=timedelta(days=2))
    day = (datetime.now(UTC) + timedelta(days=2)).astimezone(ZoneInfo("Europe/Amsterdam")).date()
    for spelling in (day.isoformat(), day.strftime("%d-%m-%Y"), day.strftime("%Y/%m/%d"), day.strftime("%Y%m%d")):
        answer = await studio.http.get("/agenda", params={"day": spelling, "days": 1}, headers=studio.staff)
        assert answer.status_code == 200, (spelling, answer.text)
        (agenda_day,) = answer.json()
        assert agenda_day["day"] == day.isoformat()
        assert [s["id"] for s in agenda_day["sessions"]] == [str(session_id)]


@pytest.mark.parametrize(
    ("path", "params", "field", "says"),
    [
        ("/agenda", {"day": "2026-11"}, "day", "YYYY-MM-DD"),
        ("/agenda", {"day": "31-02-2026"}, "day", "not in the calendar"),
        ("/agenda", {"day": "tomorrow"}, "day", "YYYY-MM-DD"),
        ("/reports/sessions", {"first_day": "11/05"}, "first_day", "YYYY-MM-DD"),
        ("/agenda", {"day": "2026-11-05", "days": "seven"}, "days", "whole number"),
        ("/agenda", {"day": "2026-11-05", "days": "40"}, "days", "at most 31"),
        ("/agenda", {"day": "2026-11-05", "location_id": "hall-1"}, "location_id", "UUID"),
        ("/reports/sessions", {"first_day": "2026-11-05", "limit": "0"}, "limit", "at least 1"),
    ],
)
async def test_a_wrong_query_value_says_the_expected_form(studio, path, params, field, says):
    answer = await studio.http.get(path, params=params, headers=studio.staff)
    assert problem(answer, 422)["code"] == "validation_failed"
    (error,) = error_fields(answer)
    assert error["loc"] == ["query", field]
    assert says in error["msg"]
    assert "Input should" not in answer.text  # pydantic's own wording never reaches a client
