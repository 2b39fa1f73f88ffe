"""What benchmark results show the studio, through bookings' routes on real PostgreSQL: leaderboards with the
members' names and per gender (both followed from members' events), and the dashboard of a month's results."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from gymloop_devstack.testing import error_fields

from .conftest import AMSTERDAM
from .test_bookings_benchmark_results import attended_session, fran

pytestmark = pytest.mark.integration


async def _record(studio, workout: str, session_id: str, member: uuid.UUID, seconds: str, scaling: str = "rx"):
    answer = await studio.http.post(
        f"/benchmarks/{workout}/results",
        json={"session_id": session_id, "value": seconds, "unit": "s", "scaling": scaling},
        headers=studio.member(member),
    )
    assert answer.status_code == 201, answer.text
    return answer.json()


async def test_the_leaderboard_names_the_members_and_ranks_per_gender(studio):
    workout = await fran(studio)
    anna, ben, cleo = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    await studio.person(anna, "Anna", "de Vries", gender="female", role="member")
    await studio.person(ben, "Ben", "Bakker", gender="male", role="member")
    await studio.person(cleo, "Cleo", "Claes", gender="female", role="member")
    session_id = await attended_session(studio, [anna, ben, cleo], workout)
    for member, seconds in ((anna, "280"), (ben, "240"), (cleo, "300")):
        await _record(studio, workout, session_id, member, seconds)

    board = await studio.http.get(f"/benchmarks/{workout}/leaderboard", headers=studio.member(anna))
    assert [(r["rank"], r["display_name"], r["gender"]) for r in board.json()["items"]] == [
        (1, "Ben Bakker", "male"),
        (2, "Anna de Vries", "female"),
        (3, "Cleo Claes", "female"),
    ]
    women = await studio.http.get(f"/benchmarks/{workout}/leaderboard?gender=female", headers=studio.staff)
    assert [(r["rank"], r["display_name"]) for r in women.json()["items"]] == [(1, "Anna de Vries"), (2, "Cleo Claes")]
    unknown = await studio.http.get(f"/benchmarks/{workout}/leaderboard?gender=unicorn", headers=studio.staff)
    assert unknown.status_code == 422
    assert [e["loc"][-1] for e in error_fields(unknown)] == ["gender"]


async def test_the_dashboard_sums_up_the_months_results_with_personal_bests_and_the_best_per_scaling(studio):
    workout = await fran(studio)
    anna, ben, cleo = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    await studio.person(anna, "Anna", "de Vries", role="member")
    await studio.person(ben, "Ben", "Bakker", role="member")
    first = await attended_session(studio, [anna, ben, cleo], workout)
    await _record(studio, workout, first, anna, "300")
    await _record(studio, workout, first, ben, "250")
    await _record(studio, workout, first, cleo, "200", scaling="scaled")
    second = await attended_session(studio, [anna, ben], workout)
    await _record(studio, workout, second, anna, "270")  # beats her 300: a new personal best
    await _record(studio, workout, second, ben, "260")  # slower than his 250: not one
    hidden = await studio.http.put(f"/members/{ben}/benchmark-ranking", json={"opted_out": True}, headers=studio.staff)
    assert hidden.status_code == 204

    month = f"{datetime.now(UTC).astimezone(AMSTERDAM):%Y-%m}"
    answer = await studio.http.get("/benchmark-dashboard", headers=studio.staff)
    assert answer.status_code == 200, answer.text
    dashboard = answer.json()
    assert (dashboard["month"], dashboard["total"]) == (month, 1)
    (fran_month,) = dashboard["items"]
    assert (fran_month["workout_name"], fran_month["results"], fran_month["members"]) == ("Fran", 5, 3)
    # Three first results and Anna's improvement; Ben's slower second is not a personal best.
    assert fran_month["personal_bests"] == 4
    # Ben (250) opted out of rankings, so Anna's 270 is the month's best Rx; Cleo has no name from members yet.
    assert [(b["scaling"], b["display_name"], b["score"]) for b in fran_month["best"]] == [
        ("rx", "Anna de Vries", "270"),
        ("scaled", None, "200"),
    ]

    explicit = await studio.http.get(f"/benchmark-dashboard?month={month}", headers=studio.staff)
    assert explicit.json()["items"] == dashboard["items"]
    earlier = await studio.http.get("/benchmark-dashboard?month=2020-01", headers=studio.staff)
    assert (earlier.json()["month"], earlier.json()["items"], earlier.json()["total"]) == ("2020-01", [], 0)
    bad = await studio.http.get("/benchmark-dashboard?month=2026-13", headers=studio.staff)
    assert bad.status_code == 422
    assert [e["loc"][-1] for e in error_fields(bad)] == ["month"]
    refused = await studio.http.get("/benchmark-dashboard", headers=studio.member(anna))
    assert refused.status_code == 403
