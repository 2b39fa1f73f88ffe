"""A session's or slot's coach must be staff of the studio as bookings knows it from members' events: another
studio's employee, a plain member and an id nobody has are refused alike (422 coach_not_in_studio on coach_id)
on every route that sets a coach, and nothing is written; the studio's own employee is accepted."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from gymloop_devstack.testing import error_fields, problem
from sqlalchemy import text

from .conftest import AMSTERDAM

pytestmark = pytest.mark.integration


async def test_only_the_studios_own_staff_can_be_a_coach(make_studio, client) -> None:
    studio, other = await make_studio(), await make_studio()
    own_coach = await studio.person()
    strangers = {
        "another studio's employee": await other.person(),
        "a plain member": await studio.person(role="member"),
        "an id nobody has": uuid.uuid4(),
    }
    tomorrow = (datetime.now(UTC) + timedelta(days=1)).astimezone(AMSTERDAM)
    session_id = str(await studio.session())
    slot = {"weekday": tomorrow.weekday(), "start_time": "18:00", "duration_minutes": 60,
            "session_type_id": str(studio.session_type_id), "capacity": 8}  # fmt: skip
    schedule = await client.post(
        "/schedules", json={"location_id": str(studio.location_id), "slots": [slot]}, headers=studio.staff
    )
    assert schedule.status_code == 201, schedule.text
    schedule_id, (slot_id,) = schedule.json()["id"], schedule.json()["slot_ids"]

    def one_off(coach: uuid.UUID) -> dict[str, object]:
        return {"location_id": str(studio.location_id), "session_type_id": str(studio.session_type_id),
                "day": tomorrow.date().isoformat(), "start_time": "07:00", "duration_minutes": 45,
                "capacity": 4, "coach_id": str(coach)}  # fmt: skip

    def schedule_with(coach: uuid.UUID) -> dict[str, object]:
        early = {**slot, "start_time": "06:00", "coach_id": str(coach)}  # clear of the slot edited below
        return {"location_id": str(studio.location_id), "slots": [early]}

    def setting_a_coach(coach: uuid.UUID) -> list[Any]:
        return [
            client.post("/sessions", json=one_off(coach), headers=studio.staff),
            client.post("/schedules", json=schedule_with(coach), headers=studio.staff),
            client.patch(
                f"/schedules/{schedule_id}/slots/{slot_id}", json={"coach_id": str(coach)}, headers=studio.staff
            ),
            client.post(f"/sessions/{session_id}/move", json={"coach_id": str(coach)}, headers=studio.staff),
        ]

    async def stored() -> list[Any]:
        """The studio's schedules, slots and sessions with their coaches."""
        async with studio.direct_transaction() as db:
            rows = await db.execute(
                text(
                    "SELECT 'schedule', id, NULL FROM weekly_schedule WHERE studio_id = :s"
                    " UNION ALL SELECT 'slot', id, coach_id FROM weekly_slot WHERE studio_id = :s"
                    " UNION ALL SELECT 'session', id, coach_id FROM session WHERE studio_id = :s ORDER BY 1, 2"
                ),
                {"s": studio.studio_id},
            )
            return [tuple(row) for row in rows]

    before = await stored()
    for who, coach in strangers.items():
        for call in setting_a_coach(coach):
            answer = await call
            assert problem(answer, 422)["code"] == "coach_not_in_studio", (who, answer.text)
            assert error_fields(answer)[0]["loc"] == ["body", "coach_id"]
    assert await stored() == before  # nothing was made or changed

    answers = [await call for call in setting_a_coach(own_coach)]
    assert [a.status_code for a in answers] == [201, 201, 200, 200], [a.text for a in answers]
    assert answers[0].json()["coach_id"] == str(own_coach)
