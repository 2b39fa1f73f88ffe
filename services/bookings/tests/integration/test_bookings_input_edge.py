"""What PostgreSQL cannot store is refused at bookings' edge as field errors (422), and nothing changes."""

from __future__ import annotations

import pytest
from gymloop_devstack.testing import error_fields, problem

pytestmark = pytest.mark.integration


@pytest.mark.parametrize("field", ["booking_window_hours", "cancellation_cutoff_minutes", "waitlist_cutoff_minutes"])
async def test_a_setting_past_its_column_range_is_a_field_error_and_changes_nothing(make_studio, field):
    studio = await make_studio(booking_window_hours=72)
    before = (await studio.http.get("/settings", headers=studio.staff)).json()
    refused = await studio.http.put("/settings", json={field: 2**31}, headers=studio.admin)
    problem(refused, 422)
    assert [(error["loc"], error["type"]) for error in error_fields(refused)] == [(["body", field], "less_than_equal")]
    assert (await studio.http.get("/settings", headers=studio.staff)).json() == before


async def test_a_capacity_past_its_column_range_is_a_field_error(studio):
    session_id = await studio.session()
    refused = await studio.http.put(f"/sessions/{session_id}/capacity", json={"capacity": 2**31}, headers=studio.staff)
    assert [error["loc"] for error in error_fields(refused)] == [["body", "capacity"]]
    assert refused.status_code == 422


async def test_a_nul_in_a_name_is_a_field_error_and_nothing_is_stored(studio):
    before = (await studio.http.get("/session-types", headers=studio.staff)).json()
    refused = await studio.http.post(
        "/session-types", json={"name": "Cross\x00Fit", "description": "ok"}, headers=studio.staff
    )
    assert [(e["loc"], e["type"]) for e in error_fields(refused)] == [(["body", "name"], "nul_character")]
    assert refused.status_code == 422
    assert (await studio.http.get("/session-types", headers=studio.staff)).json() == before
