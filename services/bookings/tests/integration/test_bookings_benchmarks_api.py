"""Benchmark workouts through bookings' routes: defining one, the field errors of a bad definition, the paged list
and programming it on a session type's day."""

from __future__ import annotations

import uuid
from datetime import date

import pytest

pytestmark = pytest.mark.integration

FRAN = {"name": "Fran", "description": "21-15-9 thrusters and pull-ups", "scoring": "time"}


async def test_a_defined_workout_is_listed_with_its_scoring_and_units(studio):
    answer = await studio.http.post("/benchmarks", json=FRAN, headers=studio.staff)
    assert answer.status_code == 201, answer.text
    fran = answer.json()
    assert (fran["scoring"], fran["lower_is_better"], fran["units"]) == ("time", True, ["s", "min"])

    cindy = {"name": "Cindy", "scoring": "rounds_reps", "reps_per_round": 30}
    assert (await studio.http.post("/benchmarks", json=cindy, headers=studio.staff)).status_code == 201

    listed = await studio.http.get("/benchmarks", params={"limit": 1}, headers=studio.member(uuid.uuid4()))
    assert listed.status_code == 200
    assert (listed.json()["total"], [w["name"] for w in listed.json()["items"]]) == (2, ["Cindy"])


async def test_a_bad_definition_says_which_fields_and_changes_nothing(studio):
    bad = {"name": " ", "scoring": "rounds_reps"}
    answer = await studio.http.post("/benchmarks", json=bad, headers=studio.staff)
    assert answer.status_code == 422
    fields = [error["loc"][-1] for error in answer.json()["errors"]]
    assert fields == ["name", "reps_per_round"]
    assert (await studio.http.get("/benchmarks", headers=studio.staff)).json()["total"] == 0


async def test_a_name_is_unique_in_the_studio(studio):
    assert (await studio.http.post("/benchmarks", json=FRAN, headers=studio.staff)).status_code == 201
    again = await studio.http.post("/benchmarks", json=FRAN, headers=studio.staff)
    assert again.status_code == 409


async def test_members_may_not_define_a_workout(studio):
    answer = await studio.http.post("/benchmarks", json=FRAN, headers=studio.member(uuid.uuid4()))
    assert answer.status_code == 403


async def test_programming_needs_a_workout_and_session_type_of_the_studio(studio):
    fran = (await studio.http.post("/benchmarks", json=FRAN, headers=studio.staff)).json()
    day = date(2026, 12, 10).isoformat()
    path = f"/session-types/{studio.session_type_id}/days/{day}/benchmark"
    assert (await studio.http.put(path, json={"workout_id": fran["id"]}, headers=studio.staff)).status_code == 204
    assert (await studio.http.put(path, json={"workout_id": fran["id"]}, headers=studio.staff)).status_code == 204
    unknown = await studio.http.put(path, json={"workout_id": str(uuid.uuid4())}, headers=studio.staff)
    assert unknown.status_code == 404
    other_type = f"/session-types/{uuid.uuid4()}/days/{day}/benchmark"
    assert (await studio.http.put(other_type, json={"workout_id": fran["id"]}, headers=studio.staff)).status_code == 404
