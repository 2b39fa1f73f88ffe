"""The agenda's contents and the attendance summaries of many members, through HTTP on real PostgreSQL."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
from gymloop_bookings.service.housekeeping import run_once
from gymloop_devstack.testing import error_fields, problem

from .conftest import AMSTERDAM, later_today

pytestmark = pytest.mark.integration


async def _one_off(studio, local: datetime, capacity: int, coach_id: uuid.UUID | None, description: str | None):
    body = {
        "location_id": str(studio.location_id),
        "session_type_id": str(studio.session_type_id),
        "day": local.date().isoformat(),
        "start_time": local.time().replace(second=0, microsecond=0).isoformat(),
        "duration_minutes": 45,
        "capacity": capacity,
        "coach_id": str(coach_id) if coach_id else None,
        "description": description,
    }
    answer = await studio.http.post("/sessions", json=body, headers=studio.staff)
    assert answer.status_code == 201, answer.text
    return answer.json()["id"]


async def test_the_agenda_shows_name_coach_occupancy_waitlist_and_the_resolved_description(make_studio, client):
    studio = await make_studio()
    coach = uuid.uuid4()
    await studio.person(coach, "Anna", "de Vries")
    in_two_days = (datetime.now(UTC) + timedelta(days=2)).astimezone(AMSTERDAM).replace(hour=9, minute=0)
    in_three_days = in_two_days + timedelta(days=1)
    own = await _one_off(studio, in_two_days, 2, coach, "Bring a skipping rope")
    daily = await _one_off(studio, in_two_days.replace(hour=18), 5, None, None)
    standard = await _one_off(studio, in_three_days, 5, None, None)  # no coach
    answer = await client.put(
        f"/session-types/{studio.session_type_id}/days/{in_two_days.date().isoformat()}",
        json={"description": "Workout of the day: 5k row"},
        headers=studio.staff,
    )
    assert answer.status_code == 204, answer.text
    booked_a, booked_b, waiting = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    for member in (booked_a, booked_b, waiting):
        await studio.grant(member, credits=3)
    assert (await studio.sign_up(uuid.UUID(own), booked_a)).status_code == 201
    assert (await studio.sign_up(uuid.UUID(own), booked_b)).status_code == 201
    assert (await studio.sign_up(uuid.UUID(own), waiting)).status_code == 202
    assert (await studio.sign_up(uuid.UUID(daily), booked_a)).status_code == 201

    answer = await client.get(
        "/agenda", params={"day": in_two_days.date().isoformat(), "days": 2}, headers=studio.member(booked_a)
    )
    assert answer.status_code == 200, answer.text
    shown = {s["id"]: s for d in answer.json() for s in d["sessions"]}
    assert set(shown) == {own, daily, standard}
    picked = ("name", "coach_id", "coach_name", "capacity", "booked", "free_places", "waiting", "description")

    def fields(session_id: str) -> tuple[object, ...]:
        return tuple(shown[session_id][f] for f in picked)

    assert fields(own) == ("CrossFit", str(coach), "Anna de Vries", 2, 2, 0, 1, "Bring a skipping rope")
    assert fields(daily) == ("CrossFit", None, None, 5, 1, 4, 0, "Workout of the day: 5k row")
    assert fields(standard)[1:] == (None, None, 5, 0, 5, 0, "All levels")

    per_coach = await client.get(
        "/agenda",
        params={"day": in_two_days.date().isoformat(), "week": "true", "coach_id": str(coach)},
        headers=studio.staff,
    )
    assert [s["id"] for d in per_coach.json() for s in d["sessions"]] == [own]


async def test_attendance_summaries_count_visits_no_shows_and_credits_per_member(make_studio, client):
    studio = await make_studio(uses_check_in=True)
    other = await make_studio()
    came, missed, never = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    await studio.grant(came, credits=5)
    await studio.grant(missed, credits=2)
    await studio.grant(never, kind="unlimited", credits=None)
    await other.grant(uuid.uuid4(), credits=9)  # another studio's member: never listed here
    session_id = await studio.session(starts_in=await later_today(timedelta(minutes=90)))
    for member in (came, missed):
        assert (await studio.sign_up(session_id, member)).status_code == 201
    checked = await client.post(f"/sessions/{session_id}/check-in", json={"member_id": str(came)}, headers=studio.staff)
    assert checked.status_code == 200, checked.text
    await run_once(client.app.state.runtime, now=datetime.now(UTC) + timedelta(hours=3))
    today = datetime.now(UTC).astimezone(AMSTERDAM).date()

    answer = await client.get("/attendance-summaries", params={"period_days": 14}, headers=studio.staff)
    assert answer.status_code == 200, answer.text
    page = answer.json()
    assert (page["total"], page["limit"], page["offset"]) == (3, 50, 0)
    by_id = {item["member_id"]: item for item in page["items"]}
    assert set(by_id) == {str(came), str(missed), str(never)}
    assert [item["member_id"] for item in page["items"]] == sorted(by_id)
    shown = ("last_visit", "visits_4_weeks", "visits_12_weeks", "average_per_week_4_weeks", "visits_in_period")
    assert tuple(by_id[str(came)][f] for f in shown) == (today.isoformat(), 1, 1, 0.25, 1)
    assert (by_id[str(came)]["no_shows_12_weeks"], by_id[str(came)]["credits_left"]) == (0, 4)
    assert tuple(by_id[str(missed)][f] for f in shown) == (None, 0, 0, 0.0, 0)
    assert (by_id[str(missed)]["no_shows_12_weeks"], by_id[str(missed)]["credits_left"]) == (1, 1)
    assert by_id[str(missed)]["credits_valid_until"] == (date.today() + timedelta(days=60)).isoformat()
    assert (by_id[str(never)]["credits_left"], by_id[str(never)]["period_days"]) == (None, 14)

    named = await client.get(
        "/attendance-summaries",
        params=[("member_id", str(came)), ("member_id", str(never)), ("limit", "1"), ("offset", "1")],
        headers=studio.staff,
    )
    assert named.status_code == 200, named.text
    assert named.json()["total"] == 2
    assert [i["member_id"] for i in named.json()["items"]] == [max(str(came), str(never))]

    seen_by_other = await client.get("/attendance-summaries", params={"member_id": str(came)}, headers=other.staff)
    assert seen_by_other.json()["items"][0]["visits_4_weeks"] == 0  # another studio sees none of it
    assert seen_by_other.json()["items"][0]["credits_left"] is None

    problem(await client.get("/attendance-summaries", headers=studio.member(came)), 403)
    refused = await client.get("/attendance-summaries", params={"period_days": 3}, headers=studio.staff)
    problem(refused, 422)
    assert error_fields(refused)[0]["loc"][-1] == "period_days"
