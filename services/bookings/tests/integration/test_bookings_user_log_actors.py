"""The membership user log names who did what (the member themself, staff by name, or an automatic change), and a
no-show is a status of its own, through bookings' routes on real PostgreSQL."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from gymloop_bookings.service.housekeeping import run_once

pytestmark = pytest.mark.integration


async def test_each_log_entry_names_its_actor_and_a_no_show_is_its_own_status(make_studio):
    studio = await make_studio(uses_check_in=True)
    anna, coach, coach_account = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    await studio.person(anna, "Anna", "de Vries", role="member")
    await studio.person(coach, "Cas", "Coach", role="employee", account_id=coach_account)
    as_coach = studio.tokens.headers(
        studio_id=studio.studio_id, role="employee", member_id=coach, account_id=coach_account
    )
    await studio.grant(anna, credits=3)
    by_herself = await studio.session(starts_in=timedelta(hours=3))
    assert (await studio.sign_up(by_herself, anna)).status_code == 201
    by_the_coach = await studio.session(starts_in=timedelta(days=2))
    booked = await studio.http.post(
        f"/sessions/{by_the_coach}/bookings", json={"member_id": str(anna)}, headers=as_coach
    )
    assert booked.status_code == 201, booked.text
    await run_once(studio.http.app.state.runtime, now=datetime.now(UTC) + timedelta(hours=5))

    log = await studio.http.get(f"/members/{anna}/log", headers=studio.member(anna))
    assert log.status_code == 200, log.text
    entries = [(e["reason"], e["actor_kind"], e["actor_name"]) for e in log.json()["items"]]
    assert entries == [
        ("granted", "system", None),
        ("signed_up", "member", "Anna de Vries"),
        ("signed_up", "staff", "Cas Coach"),
        ("no_show", "system", None),
    ]
    bookings = await studio.http.get(f"/members/{anna}/bookings", headers=studio.staff)
    statuses = {b["session_id"]: (b["status"], b["no_show"]) for b in bookings.json()["items"]}
    assert statuses == {str(by_herself): ("no_show", True), str(by_the_coach): ("active", False)}
