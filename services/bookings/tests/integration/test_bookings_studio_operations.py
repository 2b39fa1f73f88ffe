"""Studio operations through HTTP on real PostgreSQL: a location's description, no sessions in the past, the agenda
per coach, waitlist places as the member sees them, and no-shows in the user log."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from gymloop_bookings.service.housekeeping import run_once
from gymloop_devstack.testing import error_fields, problem

from .conftest import AMSTERDAM

pytestmark = pytest.mark.integration


def _one_off(studio, local: datetime, coach_id: uuid.UUID | None = None, capacity: int = 8) -> dict[str, object]:
    return {
        "location_id": str(studio.location_id),
        "session_type_id": str(studio.session_type_id),
        "day": local.date().isoformat(),
        "start_time": local.time().replace(second=0, microsecond=0).isoformat(),
        "duration_minutes": 60,
        "capacity": capacity,
        "coach_id": str(coach_id) if coach_id else None,
    }


async def test_a_location_keeps_its_description(studio, client):
    body = {"name": "Zaal 2", "description": "Upstairs, behind the rowing machines"}
    added = await client.post("/locations", json=body, headers=studio.staff)
    assert added.status_code == 201, added.text
    assert added.json()["description"] == body["description"]

    listed = await client.get("/locations", headers=studio.member(uuid.uuid4()))
    assert listed.status_code == 200, listed.text
    by_id = {loc["id"]: loc for loc in listed.json()}
    assert by_id[added.json()["id"]]["description"] == body["description"]
    assert by_id[str(studio.location_id)]["description"] is None  # one added without a description


async def test_a_session_in_the_past_on_the_studios_clock_is_refused_on_its_start_time(make_studio, client):
    studio = await make_studio()
    now = datetime.now(UTC)
    # Today's UTC wall clock plus half an hour is half an hour ago in Amsterdam (UTC+1 or +2): refused.
    utc_wall_clock = (now + timedelta(minutes=30)).replace(tzinfo=AMSTERDAM)
    answer = await client.post("/sessions", json=_one_off(studio, utc_wall_clock), headers=studio.staff)
    problem(answer, 422)
    detail = error_fields(answer)[0]
    assert (detail["type"], detail["loc"][-1]) == ("session_in_past", "start_time")
    assert "Europe/Amsterdam" in detail["msg"]

    yesterday = (now - timedelta(days=1)).astimezone(AMSTERDAM)
    answer = await client.post("/sessions", json=_one_off(studio, yesterday), headers=studio.staff)
    assert error_fields(answer)[0]["type"] == "session_in_past"

    day = yesterday.date().isoformat()
    agenda = (await client.get("/agenda", params={"day": day, "days": 3}, headers=studio.staff)).json()
    assert [s for d in agenda for s in d["sessions"]] == [], "nothing was created"

    soon = (now + timedelta(minutes=30)).astimezone(AMSTERDAM)
    assert (await client.post("/sessions", json=_one_off(studio, soon), headers=studio.staff)).status_code == 201


async def test_the_agenda_filters_by_coach(make_studio, client):
    studio = await make_studio()
    anna, bram = await studio.person(first="Anna"), await studio.person(first="Bram")
    tomorrow = (datetime.now(UTC) + timedelta(days=1)).astimezone(AMSTERDAM).replace(hour=9, minute=0)
    made = {}
    for coach, hour in ((anna, 9), (bram, 10), (None, 11), (anna, 12)):
        answer = await client.post(
            "/sessions", json=_one_off(studio, tomorrow.replace(hour=hour), coach), headers=studio.staff
        )
        assert answer.status_code == 201, answer.text
        made[hour] = answer.json()["id"]

    async def agenda_ids(**filters: str) -> list[str]:
        params = {"day": tomorrow.date().isoformat(), "days": 1, **filters}
        answer = await client.get("/agenda", params=params, headers=studio.staff)
        assert answer.status_code == 200, answer.text
        return [s["id"] for d in answer.json() for s in d["sessions"]]

    assert await agenda_ids(coach_id=str(anna)) == [made[9], made[12]]
    assert await agenda_ids(coach_id=str(bram)) == [made[10]]
    assert await agenda_ids(coach_id=str(uuid.uuid4())) == []
    assert await agenda_ids() == [made[9], made[10], made[11], made[12]]
    assert await agenda_ids(coach_id=str(anna), location_id=str(uuid.uuid4())) == []


async def test_waitlist_places_start_at_1_and_follow_who_leaves(studio, client):
    session_id = await studio.session(starts_in=timedelta(days=2), capacity=1)
    booker, first, second, third = (uuid.uuid4() for _ in range(4))
    for member in (booker, first, second, third):
        await studio.grant(member, credits=3)
    assert (await studio.sign_up(session_id, booker)).status_code == 201

    async def signed_up_place(member: uuid.UUID) -> int:
        answer = await studio.sign_up(session_id, member)
        assert answer.status_code == 202, answer.text
        assert answer.json()["outcome"] == "waitlisted"
        return int(answer.json()["waitlist_position"])

    async def own_places(member: uuid.UUID) -> list[tuple[str, int]]:
        answer = await client.get(f"/members/{member}/waitlist", headers=studio.member(member))
        assert answer.status_code == 200, answer.text
        return [(p["session_id"], p["position"]) for p in answer.json()]

    assert await signed_up_place(first) == 1
    assert await signed_up_place(second) == 2
    assert await own_places(first) == [(str(session_id), 1)]
    assert await own_places(second) == [(str(session_id), 2)]
    assert await own_places(booker) == []

    left = await client.delete(f"/sessions/{session_id}/waitlist/{first}", headers=studio.member(first))
    assert left.status_code == 204, left.text
    assert await own_places(first) == []
    assert await own_places(second) == [(str(session_id), 1)]
    assert await signed_up_place(third) == 2

    # A member reads only their own places; staff read any member's.
    foreign = await client.get(f"/members/{second}/waitlist", headers=studio.member(third))
    problem(foreign, 404)
    staff_view = await client.get(f"/members/{third}/waitlist", headers=studio.staff)
    assert [p["position"] for p in staff_view.json()] == [2]


async def test_a_no_show_has_its_own_reason_in_the_user_log(make_studio):
    studio = await make_studio(uses_check_in=True)
    came, stayed_home = uuid.uuid4(), uuid.uuid4()
    session_id = await studio.session(starts_in=timedelta(hours=3))
    for member in (came, stayed_home):
        await studio.grant(member, credits=3)
        assert (await studio.sign_up(session_id, member)).status_code == 201
    checked = await studio.http.post(
        f"/sessions/{session_id}/check-in", json={"member_id": str(came)}, headers=studio.staff
    )
    assert checked.status_code == 200, checked.text
    ended, _ = await run_once(studio.http.app.state.runtime, now=datetime.now(UTC) + timedelta(hours=5))
    assert ended >= 1

    async def session_log(member: uuid.UUID) -> list[tuple[str, int, int]]:
        answer = await studio.http.get(f"/members/{member}/log", headers=studio.member(member))
        assert answer.status_code == 200, answer.text
        entries = [e for e in answer.json()["items"] if e["session_id"] == str(session_id)]
        return [(e["reason"], e["change"], e["available_after"]) for e in entries]

    assert await session_log(came) == [("signed_up", -1, 2), ("attended", 0, 2)]
    assert await session_log(stayed_home) == [("signed_up", -1, 2), ("no_show", 0, 2)]
