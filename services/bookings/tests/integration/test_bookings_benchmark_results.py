"""Recording benchmark results through bookings' routes: only for a session the member attended that programmed
the workout, bad values and units as field errors that change nothing, and a personal best announced once."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from gymloop_bookings.service.housekeeping import run_once
from gymloop_contracts.events.bookings import PersonalBestSet
from gymloop_devstack.testing import EventProbe

pytestmark = pytest.mark.integration

AMSTERDAM = ZoneInfo("Europe/Amsterdam")  # the studio's zone until members says otherwise


async def attended_session(studio, members: list[uuid.UUID], workout_id: str) -> str:
    session_id = await studio.session(starts_in=timedelta(hours=3))
    detail = (await studio.http.get(f"/sessions/{session_id}", headers=studio.staff)).json()
    day = datetime.fromisoformat(detail["starts_at"]).astimezone(AMSTERDAM).date().isoformat()
    path = f"/session-types/{studio.session_type_id}/days/{day}/benchmark"
    assert (await studio.http.put(path, json={"workout_id": workout_id}, headers=studio.staff)).status_code == 204
    for member in members:
        await studio.grant(member, credits=3)
        assert (await studio.sign_up(session_id, member)).status_code == 201
    await run_once(studio.http.app.state.runtime, now=datetime.now(UTC) + timedelta(hours=5))
    return str(session_id)


async def fran(studio) -> str:
    answer = await studio.http.post("/benchmarks", json={"name": "Fran", "scoring": "time"}, headers=studio.staff)
    return str(answer.json()["id"])


async def test_results_of_attending_members_and_a_personal_best(studio):
    workout = await fran(studio)
    anna, ben = uuid.uuid4(), uuid.uuid4()
    session_id = await attended_session(studio, [anna, ben], workout)
    async with EventProbe.for_events(studio.http.bootstrap, PersonalBestSet) as probe:
        own = await studio.http.post(
            f"/benchmarks/{workout}/results",
            json={"session_id": session_id, "value": "4.5", "unit": "min", "scaling": "rx", "note": "unbroken"},
            headers=studio.member(anna),
        )
        assert own.status_code == 201, own.text
        assert (own.json()["score"], own.json()["personal_best"]) == ("270.0", True)
        by_coach = await studio.http.post(
            f"/benchmarks/{workout}/results",
            json={"session_id": session_id, "member_id": str(ben), "value": "300", "unit": "s", "scaling": "scaled"},
            headers=studio.staff,
        )
        assert by_coach.status_code == 201, by_coach.text
        await probe.wait_for(lambda events: len(events) >= 2, settle_s=0.5)
    assert {e.payload["member_id"] for e in probe.received} == {str(anna), str(ben)}
    again = await studio.http.post(
        f"/benchmarks/{workout}/results",
        json={"session_id": session_id, "value": "200", "unit": "s", "scaling": "rx"},
        headers=studio.member(anna),
    )
    assert again.status_code == 409


async def test_a_member_who_did_not_attend_gets_a_field_error(studio):
    workout = await fran(studio)
    session_id = await attended_session(studio, [uuid.uuid4()], workout)
    stranger = uuid.uuid4()
    await studio.grant(stranger, credits=1)
    answer = await studio.http.post(
        f"/benchmarks/{workout}/results",
        json={"session_id": session_id, "member_id": str(stranger), "value": "200", "unit": "s", "scaling": "rx"},
        headers=studio.staff,
    )
    assert answer.status_code == 422
    assert [e["loc"][-1] for e in answer.json()["errors"]] == ["session_id"]


async def test_bad_values_and_units_are_field_errors(studio):
    workout = await fran(studio)
    member = uuid.uuid4()
    session_id = await attended_session(studio, [member], workout)
    for value, unit, field in (("-3", "s", "value"), ("5000", "min", "value"), ("80", "kg", "unit")):
        answer = await studio.http.post(
            f"/benchmarks/{workout}/results",
            json={"session_id": session_id, "value": value, "unit": unit, "scaling": "rx"},
            headers=studio.member(member),
        )
        assert answer.status_code == 422, (value, unit)
        assert [e["loc"][-1] for e in answer.json()["errors"]] == [field]
    fine = await studio.http.post(
        f"/benchmarks/{workout}/results",
        json={"session_id": session_id, "value": "250", "unit": "s", "scaling": "rx"},
        headers=studio.member(member),
    )
    assert fine.json()["personal_best"] is True  # the refused ones left nothing behind


async def test_the_leaderboard_ranks_per_scaling_and_leaves_out_who_opted_out(studio):
    workout = await fran(studio)
    anna, ben, cleo = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    session_id = await attended_session(studio, [anna, ben, cleo], workout)
    for member, seconds, scaling in ((anna, "280", "rx"), (ben, "240", "rx"), (cleo, "200", "scaled")):
        answer = await studio.http.post(
            f"/benchmarks/{workout}/results",
            json={"session_id": session_id, "value": seconds, "unit": "s", "scaling": scaling},
            headers=studio.member(member),
        )
        assert answer.status_code == 201, answer.text
    board = await studio.http.get(f"/benchmarks/{workout}/leaderboard", headers=studio.member(anna))
    assert [(r["rank"], r["member_id"]) for r in board.json()["items"]] == [(1, str(ben)), (2, str(anna))]

    hide = await studio.http.put(
        f"/members/{ben}/benchmark-ranking", json={"opted_out": True}, headers=studio.member(ben)
    )
    assert hide.status_code == 204
    board = await studio.http.get(f"/benchmarks/{workout}/leaderboard", headers=studio.staff)
    assert [r["member_id"] for r in board.json()["items"]] == [str(anna)]
    scaled = await studio.http.get(f"/benchmarks/{workout}/leaderboard?scaling=scaled", headers=studio.staff)
    assert [r["member_id"] for r in scaled.json()["items"]] == [str(cleo)]
    other = await studio.http.put(
        f"/members/{ben}/benchmark-ranking", json={"opted_out": False}, headers=studio.member(anna)
    )
    assert other.status_code in (403, 404)


async def test_a_member_sees_their_history_and_personal_bests(studio):
    workout = await fran(studio)
    anna = uuid.uuid4()
    for seconds in ("300", "260"):
        session_id = await attended_session(studio, [anna], workout)
        answer = await studio.http.post(
            f"/benchmarks/{workout}/results",
            json={"session_id": session_id, "value": seconds, "unit": "s", "scaling": "rx"},
            headers=studio.member(anna),
        )
        assert answer.status_code == 201, answer.text
    history = await studio.http.get(f"/members/{anna}/benchmarks", headers=studio.member(anna))
    assert [(r["score"], r["personal_best"]) for r in history.json()["items"]] == [("260", True), ("300", False)]
    bests = await studio.http.get(f"/members/{anna}/benchmarks/personal-bests", headers=studio.staff)
    assert [(b["workout_name"], b["scaling"], b["score"]) for b in bests.json()] == [("Fran", "rx", "260")]
    other = await studio.http.get(f"/members/{anna}/benchmarks", headers=studio.member(uuid.uuid4()))
    assert other.status_code == 404
