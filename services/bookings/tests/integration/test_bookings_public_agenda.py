"""The public agenda of a studio's page: without a login, a week of sessions with free places and nothing about
people, on real PostgreSQL."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from .conftest import AMSTERDAM

pytestmark = pytest.mark.integration


async def test_the_public_agenda_shows_a_week_of_sessions_with_free_places_and_no_people(make_studio, client):
    studio = await make_studio()
    start = (datetime.now(UTC) + timedelta(days=2)).astimezone(AMSTERDAM).replace(hour=9, minute=0, second=0)
    body = {
        "location_id": str(studio.location_id), "session_type_id": str(studio.session_type_id),
        "day": start.date().isoformat(), "start_time": "09:00:00", "duration_minutes": 45, "capacity": 3,
        "coach_id": str(await studio.person()),
    }  # fmt: skip
    created = await client.post("/sessions", json=body, headers=studio.staff)
    assert created.status_code == 201, created.text
    session_id = created.json()["id"]
    member = uuid.uuid4()
    await studio.grant(member, credits=2)
    assert (await studio.sign_up(uuid.UUID(session_id), member)).status_code == 201

    week = await client.get(f"/public/studios/{studio.studio_id}/agenda")  # no token: from the studio's today
    assert week.status_code == 200, week.text
    days = week.json()
    assert len(days) == 7
    sessions = [s for d in days for s in d["sessions"]]
    assert [s["id"] for s in sessions] == [session_id]
    shown = sessions[0]
    assert (shown["capacity"], shown["free_places"], shown["status"]) == (3, 2, "scheduled")
    assert shown["location"] is not None
    assert not {"coach_id", "coach_name", "booked", "waiting"} & set(shown)
    assert days[[d["day"] for d in days].index(start.date().isoformat())]["sessions"][0]["id"] == session_id

    later = await client.get(
        f"/public/studios/{studio.studio_id}/agenda", params={"day": (start.date() + timedelta(days=1)).isoformat()}
    )
    assert [s for d in later.json() for s in d["sessions"]] == []
    unknown = await client.get(f"/public/studios/{uuid.uuid4()}/agenda")
    assert unknown.status_code == 200
    assert all(d["sessions"] == [] for d in unknown.json())
    bad = await client.get(f"/public/studios/{studio.studio_id}/agenda", params={"day": "next week"})
    assert bad.status_code == 422
