"""Schedules after creation and moved sessions, through HTTP on real PostgreSQL: list and read, edit a slot, the
validity period, delete; booked sessions only change by staff's choice (keep, move and notify, cancel and refund),
with each booked member told once and every credit right."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, date, datetime, time, timedelta
from typing import TypeVar

import pytest
from gymloop_contracts import Envelope
from gymloop_contracts.base import EventPayload
from gymloop_contracts.events.bookings import SessionCancelled, SessionMoved
from gymloop_devstack.testing import error_fields, outbox_rows, problem
from gymloop_kit.db import Database

from .conftest import AMSTERDAM

pytestmark = pytest.mark.integration

E = TypeVar("E", bound=EventPayload)


def _tomorrow() -> date:
    return (datetime.now(UTC) + timedelta(days=1)).astimezone(AMSTERDAM).date()


async def _schedule(studio, coach: uuid.UUID | None = None, at: str = "18:00", **extra: object):
    """A weekly schedule with one slot on tomorrow's weekday, and its sessions of tomorrow and a week later."""
    slot = {
        "weekday": _tomorrow().weekday(),
        "start_time": at,
        "duration_minutes": 60,
        "session_type_id": str(studio.session_type_id),
        "capacity": 8,
        "coach_id": str(coach) if coach else None,
    }
    body = {"location_id": str(studio.location_id), "slots": [slot], **extra}
    created = await studio.http.post("/schedules", json=body, headers=studio.staff)
    assert created.status_code == 201, created.text
    schedule_id, (slot_id,) = created.json()["id"], created.json()["slot_ids"]
    made = await studio.http.post(
        f"/schedules/{schedule_id}/generate",
        json={"first_day": _tomorrow().isoformat(), "weeks": 2},
        headers=studio.staff,
    )
    assert made.status_code == 200, made.text
    sessions = [s["id"] for s in sorted(made.json(), key=lambda s: s["starts_at"])]
    assert len(sessions) == 2
    return schedule_id, slot_id, sessions


async def _booked_member(studio, session_id: str, credits: int = 6) -> uuid.UUID:
    member = uuid.uuid4()
    await studio.grant(member, credits=credits)
    answer = await studio.sign_up(uuid.UUID(session_id), member)
    assert answer.status_code == 201, answer.text
    return member


async def _session(studio, session_id: str) -> dict:  # type: ignore[type-arg]
    answer = await studio.http.get(f"/sessions/{session_id}", headers=studio.staff)
    assert answer.status_code == 200, answer.text
    return answer.json()


def _local_start(session: dict) -> tuple[date, time]:  # type: ignore[type-arg]
    local = datetime.fromisoformat(session["starts_at"]).astimezone(AMSTERDAM)
    return local.date(), local.time()


async def _events(studio, session_id: str, model: type[E]) -> list[E]:
    """This session's events of one type in the outbox, in the order they were written."""
    database = studio.database or Database(studio.http.database_url, pool_size=1)
    studio.database = database
    found = []
    for row in await outbox_rows(database):
        envelope = Envelope.model_validate(row["envelope"])
        if row["topic"] == model.event_type and str(envelope.aggregate_id) == session_id:
            payload = envelope.parse_payload()
            assert isinstance(payload, model)
            found.append(payload)
    return found


async def _moves(studio, session_id: str) -> list[SessionMoved]:
    return await _events(studio, session_id, SessionMoved)


async def test_schedules_are_listed_a_page_at_a_time_and_read_one_by_one(make_studio, client):
    studio = await make_studio()
    first, _, _ = await _schedule(studio)
    until = (_tomorrow() + timedelta(days=30)).isoformat()
    second, slot_id, _ = await _schedule(studio, at="07:00", valid_from=_tomorrow().isoformat(), valid_until=until)

    page = await client.get("/schedules", params={"limit": 1}, headers=studio.staff)
    assert page.status_code == 200, page.text
    assert {k: page.json()[k] for k in ("total", "limit", "offset")} == {"total": 2, "limit": 1, "offset": 0}
    rest = (await client.get("/schedules", params={"limit": 1, "offset": 1}, headers=studio.staff)).json()
    assert {page.json()["items"][0]["id"], rest["items"][0]["id"]} == {first, second}

    one = await client.get(f"/schedules/{second}", headers=studio.staff)
    assert one.status_code == 200, one.text
    assert (one.json()["valid_from"], one.json()["valid_until"]) == (_tomorrow().isoformat(), until)
    assert [(s["id"], s["start_time"], s["capacity"]) for s in one.json()["slots"]] == [(slot_id, "07:00:00", 8)]

    other = await make_studio()
    problem(await client.get(f"/schedules/{second}", headers=other.staff), 404)
    assert (await client.get("/schedules", headers=other.staff)).json()["total"] == 0


async def test_an_edit_carries_the_unbooked_future_sessions_with_it(make_studio, client):
    studio = await make_studio()
    schedule_id, slot_id, sessions = await _schedule(studio)
    coach = await studio.person()
    edit = {"start_time": "19:30", "coach_id": str(coach), "capacity": 12}
    answer = await client.patch(f"/schedules/{schedule_id}/slots/{slot_id}", json=edit, headers=studio.staff)
    assert answer.status_code == 200, answer.text
    assert sorted(answer.json()["followed"]) == sorted(sessions)
    for session_id in sessions:
        session = await _session(studio, session_id)
        assert _local_start(session)[1] == time(19, 30)
        assert (session["coach_id"], session["capacity"]) == (str(coach), 12)
    slot = (await client.get(f"/schedules/{schedule_id}", headers=studio.staff)).json()["slots"][0]
    assert (slot["start_time"], slot["coach_id"], slot["capacity"]) == ("19:30:00", str(coach), 12)


async def test_an_edit_reaching_a_booked_session_without_a_choice_is_refused_and_lists_it(make_studio, client):
    studio = await make_studio()
    schedule_id, slot_id, (booked, free) = await _schedule(studio)
    await _booked_member(studio, booked)

    answer = await client.patch(
        f"/schedules/{schedule_id}/slots/{slot_id}", json={"start_time": "20:00"}, headers=studio.staff
    )
    problem(answer, 409)
    (listed,) = error_fields(answer)
    assert (listed["type"], listed["session_id"], listed["booked"], listed["waiting"]) == (
        "booked_sessions_choice_required",
        booked,
        1,
        0,
    )
    for session_id in (booked, free):  # nothing changed, not even the unbooked session
        assert _local_start(await _session(studio, session_id))[1] == time(18, 0)


async def test_move_and_notify_moves_the_booked_session_and_names_each_member_once(make_studio, client):
    studio = await make_studio()
    schedule_id, slot_id, (booked, free) = await _schedule(studio)
    members = {await _booked_member(studio, booked), await _booked_member(studio, booked)}

    edit = {"start_time": "20:00", "booked_sessions": "move_and_notify"}
    answer = await client.patch(f"/schedules/{schedule_id}/slots/{slot_id}", json=edit, headers=studio.staff)
    assert answer.status_code == 200, answer.text
    assert (answer.json()["moved"], answer.json()["followed"]) == ([booked], [free])

    (moved,) = await _moves(studio, booked)
    assert set(moved.booked_member_ids) == members
    assert len(moved.booked_member_ids) == 2
    assert (moved.session_type_name, moved.location_name) == ("CrossFit", "Zaal 1")
    assert moved.starts_at.astimezone(AMSTERDAM).time() == time(20, 0)
    (followed,) = await _moves(studio, free)
    assert followed.booked_member_ids == [], "an unbooked session's move tells nobody"
    for member in members:
        account = await studio.account(member)
        assert account["credits_left"] == 5, "still booked, still charged once"


async def test_keep_leaves_the_booked_session_as_it_was_booked(make_studio, client):
    studio = await make_studio()
    schedule_id, slot_id, (booked, free) = await _schedule(studio)
    await _booked_member(studio, booked)
    edit = {"start_time": "06:30", "booked_sessions": "keep"}
    answer = await client.patch(f"/schedules/{schedule_id}/slots/{slot_id}", json=edit, headers=studio.staff)
    assert answer.status_code == 200, answer.text
    assert (answer.json()["kept"], answer.json()["followed"]) == ([booked], [free])
    assert _local_start(await _session(studio, booked))[1] == time(18, 0)
    assert _local_start(await _session(studio, free))[1] == time(6, 30)
    assert await _moves(studio, booked) == []


async def test_cancel_and_refund_gives_each_credit_back_once_and_puts_a_session_in_its_place(make_studio, client):
    studio = await make_studio()
    schedule_id, slot_id, (booked, _) = await _schedule(studio)
    member = await _booked_member(studio, booked, credits=6)
    assert (await studio.account(member))["credits_left"] == 5

    edit = {"start_time": "19:00", "booked_sessions": "cancel_and_refund"}
    answer = await client.patch(f"/schedules/{schedule_id}/slots/{slot_id}", json=edit, headers=studio.staff)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert (body["cancelled"], body["refunded_member_ids"]) == ([booked], [str(member)])
    (replacement,) = body["replacements"]
    assert (await studio.account(member))["credits_left"] == 6
    assert (await _session(studio, booked))["status"] == "cancelled"
    assert _local_start(await _session(studio, replacement)) == (_tomorrow(), time(19, 0))
    (told,) = await _events(studio, booked, SessionCancelled)
    assert (told.refunded_member_ids, told.session_type_name) == ([member], "CrossFit")

    # Cancelling again refunds nothing more, and generating again makes no second session that day.
    again = await client.post(f"/sessions/{booked}/cancel", json={}, headers=studio.staff)
    problem(again, 409)
    regenerated = await client.post(
        f"/schedules/{schedule_id}/generate",
        json={"first_day": _tomorrow().isoformat(), "weeks": 2},
        headers=studio.staff,
    )
    assert regenerated.json() == []
    assert (await studio.account(member))["credits_left"] == 6
    log = (await client.get(f"/members/{member}/log", headers=studio.staff)).json()["items"]
    assert [e["reason"] for e in log].count("session_cancelled_refund") == 1


async def test_deleting_a_schedule_asks_for_booked_sessions_then_keeps_or_refunds_them(make_studio, client):
    studio = await make_studio()
    schedule_id, _, (booked, free) = await _schedule(studio)
    member = await _booked_member(studio, booked)

    problem(await client.delete(f"/schedules/{schedule_id}", headers=studio.staff), 409)
    not_here = await client.delete(
        f"/schedules/{schedule_id}", params={"booked_sessions": "move_and_notify"}, headers=studio.staff
    )
    assert error_fields(not_here)[0]["type"] == "booked_sessions_not_applicable"

    kept = await client.delete(f"/schedules/{schedule_id}", params={"booked_sessions": "keep"}, headers=studio.staff)
    assert kept.status_code == 200, kept.text
    assert (kept.json()["kept"], kept.json()["removed"]) == ([booked], [free])
    problem(await client.get(f"/schedules/{schedule_id}", headers=studio.staff), 404)
    assert (await _session(studio, booked))["status"] == "scheduled"
    problem(await client.get(f"/sessions/{free}", headers=studio.staff), 404)
    assert (await studio.account(member))["credits_left"] == 5

    other_id, _, (other_booked, _) = await _schedule(studio, at="10:00")
    other_member = await _booked_member(studio, other_booked)
    refunded = await client.delete(
        f"/schedules/{other_id}", params={"booked_sessions": "cancel_and_refund"}, headers=studio.staff
    )
    assert refunded.json()["refunded_member_ids"] == [str(other_member)]
    assert (await studio.account(other_member))["credits_left"] == 6
    assert (await _session(studio, other_booked))["status"] == "cancelled"


async def test_a_shorter_validity_takes_the_later_sessions_away(make_studio, client):
    studio = await make_studio()
    schedule_id, _, (first, later) = await _schedule(studio)
    member = await _booked_member(studio, later)
    period = {"valid_until": _tomorrow().isoformat()}
    problem(await client.put(f"/schedules/{schedule_id}/validity", json=period, headers=studio.staff), 409)

    answer = await client.put(
        f"/schedules/{schedule_id}/validity",
        json={**period, "booked_sessions": "cancel_and_refund"},
        headers=studio.staff,
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["cancelled"] == [later]
    assert (await studio.account(member))["credits_left"] == 6
    assert (await _session(studio, first))["status"] == "scheduled"
    wrong = await client.put(
        f"/schedules/{schedule_id}/validity",
        json={"valid_from": _tomorrow().isoformat(), "valid_until": (_tomorrow() - timedelta(days=1)).isoformat()},
        headers=studio.staff,
    )
    assert error_fields(wrong)[0]["type"] == "validity_invalid"


async def test_an_edit_into_another_slot_of_the_same_coach_is_a_conflict_naming_both(make_studio, client):
    studio = await make_studio()
    coach = await studio.person()
    evening, evening_slot, _ = await _schedule(studio, coach=coach, at="18:00")
    _, morning_slot, _ = await _schedule(studio, coach=coach, at="09:00")
    answer = await client.patch(
        f"/schedules/{evening}/slots/{evening_slot}", json={"start_time": "08:30"}, headers=studio.staff
    )
    body = problem(answer, 409)
    assert error_fields(answer)[0]["type"] == "coach_slots_overlap"
    assert evening_slot in body["detail"]
    assert morning_slot in body["detail"]


async def test_generating_from_a_past_first_day_makes_no_session_in_the_past(make_studio, client):
    studio = await make_studio()
    today = datetime.now(UTC).astimezone(AMSTERDAM).date()
    slots = [
        {
            "weekday": d,
            "start_time": "00:05",
            "duration_minutes": 30,
            "session_type_id": str(studio.session_type_id),
            "capacity": 4,
        }
        for d in range(7)
    ]
    created = await client.post(
        "/schedules", json={"location_id": str(studio.location_id), "slots": slots}, headers=studio.staff
    )
    made = await client.post(
        f"/schedules/{created.json()['id']}/generate",
        json={"first_day": (today - timedelta(days=7)).isoformat(), "weeks": 2},
        headers=studio.staff,
    )
    assert made.status_code == 200, made.text
    starts = [datetime.fromisoformat(s["starts_at"]) for s in made.json()]
    assert starts, "the days still ahead are made"
    assert all(start > datetime.now(UTC) for start in starts)
    ahead = [today + timedelta(days=d) for d in range(7)]
    expected = {d for d in ahead if datetime.combine(d, time(0, 5), tzinfo=AMSTERDAM) > datetime.now(UTC)}
    assert {s.astimezone(AMSTERDAM).date() for s in starts} == expected


async def test_a_moved_session_tells_its_members_and_lets_them_sign_out_late_with_their_credit(make_studio, client):
    studio = await make_studio()
    session_id = str(await studio.session(starts_in=timedelta(minutes=90), capacity=5))
    anna, bram = await _booked_member(studio, session_id), await _booked_member(studio, session_id)
    room = await client.post("/locations", json={"name": "Zaal 3"}, headers=studio.staff)
    later = (datetime.now(UTC) + timedelta(minutes=100)).astimezone(AMSTERDAM)

    move = {
        "day": later.date().isoformat(),
        "start_time": later.time().replace(microsecond=0).isoformat(),
        "location_id": room.json()["id"],
    }
    answer = await client.post(f"/sessions/{session_id}/move", json=move, headers=studio.staff)
    assert answer.status_code == 200, answer.text
    assert answer.json()["location_id"] == room.json()["id"]
    assert answer.json()["moved_at"] is not None
    (moved,) = await _moves(studio, session_id)
    assert set(moved.booked_member_ids) == {anna, bram}
    assert moved.location_name == "Zaal 3"

    # Inside the two-hour cut-off, which would forfeit the credit: after a move it comes back.
    out = await client.delete(f"/sessions/{session_id}/bookings/{anna}", headers=studio.member(anna))
    assert out.status_code == 200, out.text
    assert (out.json()["late"], out.json()["credit_returned"]) == (False, True)
    assert (await studio.account(anna))["credits_left"] == 6
    assert (await studio.account(bram))["credits_left"] == 5

    past = (datetime.now(UTC) - timedelta(hours=1)).astimezone(AMSTERDAM)
    into_past = {"day": past.date().isoformat(), "start_time": past.time().replace(microsecond=0).isoformat()}
    refused = await client.post(f"/sessions/{session_id}/move", json=into_past, headers=studio.staff)
    assert error_fields(refused)[0]["type"] == "session_in_past"
    other = await make_studio()
    elsewhere = await client.post(
        f"/sessions/{session_id}/move", json={"location_id": str(other.location_id)}, headers=studio.staff
    )
    problem(elsewhere, 404)
    problem(await client.post(f"/sessions/{session_id}/move", json={}, headers=studio.staff), 422)
    assert len(await _moves(studio, session_id)) == 1, "refused moves tell nobody"


async def test_racing_refunds_of_one_booked_session_give_the_credit_back_exactly_once(make_studio, client):
    studio = await make_studio()
    schedule_id, slot_id, (booked, _) = await _schedule(studio)
    member = await _booked_member(studio, booked, credits=6)
    refund = {"booked_sessions": "cancel_and_refund"}
    answers = await asyncio.gather(
        client.delete(f"/schedules/{schedule_id}", params=refund, headers=studio.staff),
        client.delete(f"/schedules/{schedule_id}", params=refund, headers=studio.staff),
        client.post(f"/sessions/{booked}/cancel", json={"reason": "coach ill"}, headers=studio.staff),
        client.patch(f"/schedules/{schedule_id}/slots/{slot_id}", json={"capacity": 9, **refund}, headers=studio.staff),
    )
    assert all(a.status_code in (200, 404, 409) for a in answers), [a.text for a in answers]
    assert (await studio.account(member))["credits_left"] == 6
    log = (await client.get(f"/members/{member}/log", headers=studio.staff)).json()["items"]
    assert [e["reason"] for e in log].count("session_cancelled_refund") == 1
    assert len(await _events(studio, booked, SessionCancelled)) == 1
