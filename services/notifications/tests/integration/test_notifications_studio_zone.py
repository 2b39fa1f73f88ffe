"""The studio's time zone follows members' StudioUpdated (through the real broker): local days move with it."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from gymloop_contracts import Envelope
from gymloop_contracts.events.bookings import AttendanceRecorded
from gymloop_contracts.events.members import MemberRegistered, StudioUpdated
from gymloop_devstack.testing import eventually, publish
from gymloop_kit.db import Database
from sqlalchemy import text

pytestmark = pytest.mark.integration

# 25 hours apart: the local date in Kiritimati is always at least one day after the one in Pago Pago.
EARLIEST, LATEST = "Pacific/Kiritimati", "Pacific/Pago_Pago"


async def _publish_zone(service, studio: uuid.UUID, time_zone: str, sequence: int) -> Envelope:
    event = StudioUpdated(studio_id=studio, name="Gymloop Oost", time_zone=time_zone)
    return await publish(service.kafka, event, studio_id=studio, sequence=sequence)


async def _query(service, sql: str, **params: object) -> list[tuple]:
    database = Database(service.database_url, pool_size=1)
    try:
        async with database.transaction() as session:
            return [tuple(row) for row in (await session.execute(text(sql), params)).all()]
    finally:
        await database.dispose()


async def _consumed(service, envelope: Envelope) -> bool:
    """The consumer recorded this event in its inbox (applied or dropped as older, but seen)."""
    sql = "SELECT 1 FROM inbox WHERE consumer = 'notifications' AND event_id = :e"
    return bool(await _query(service, sql, e=envelope.event_id))


async def _settings(service, headers: dict[str, str]) -> dict:
    answer = await service.get("/settings", headers=headers)
    assert answer.status_code == 200, answer.text
    return answer.json()


async def test_studio_updated_moves_the_birthday_day_and_an_older_event_does_not_win(
    service, tokens, refresh_now
) -> None:
    studio, member_id, coach = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    staff = tokens.headers(studio_id=studio, role="employee", member_id=coach)
    admin = tokens.headers(studio_id=studio, role="admin")
    only_today = {"notifications": {"birthday": {"days_before": 0}}}
    assert (await service.patch("/settings", headers=admin, json=only_today)).status_code == 200

    await _publish_zone(service, studio, LATEST, sequence=1)
    await eventually(lambda: _zone_is(service, admin, LATEST), timeout_s=30)

    # Born today in Kiritimati (28 years back keeps a 29 February a leap day), so still tomorrow in Pago Pago.
    birthday = datetime.now(ZoneInfo(EARLIEST)).date()
    registered = MemberRegistered(
        member_id=member_id, account_id=uuid.uuid4(), first_name="Noor", last_name="Bakker",
        email="noor@example.com", birth_date=birthday.replace(year=birthday.year - 28),
        start_date=date(2025, 1, 6), responsible_employee_id=coach,
    )  # fmt: skip
    await publish(service.kafka, registered, studio_id=studio, sequence=1)

    async def refreshed_with_member() -> dict:
        answer = await refresh_now(service, staff)
        return answer if answer["members_evaluated"] == 1 else {}

    in_pago_pago = await eventually(refreshed_with_member, timeout_s=30)
    assert in_pago_pago["today"] == datetime.now(ZoneInfo(LATEST)).date().isoformat()
    assert await _birthdays(service, staff, member_id) == []

    await _publish_zone(service, studio, EARLIEST, sequence=3)
    await eventually(lambda: _zone_is(service, admin, EARLIEST), timeout_s=30)
    settings = await _settings(service, admin)
    next_run = datetime.fromisoformat(settings["next_refresh_at"]).astimezone(ZoneInfo(EARLIEST))
    assert next_run.time() == time(3, 0), "the nightly run is re-planned at 03:00 in the new zone"
    in_kiritimati = await refresh_now(service, staff)
    assert in_kiritimati["today"] == birthday.isoformat()
    assert [n["due_date"] for n in await _birthdays(service, staff, member_id)] == [birthday.isoformat()]

    older = await _publish_zone(service, studio, LATEST, sequence=2)
    await eventually(lambda: _consumed(service, older), timeout_s=30)
    assert (await _settings(service, admin))["time_zone"] == EARLIEST
    assert (await refresh_now(service, staff))["today"] == birthday.isoformat()


async def test_a_zone_change_recounts_kept_attendance_days(service, tokens) -> None:
    studio, member_id = uuid.uuid4(), uuid.uuid4()
    admin = tokens.headers(studio_id=studio, role="admin")
    # The studio's first event is StudioUpdated: the studio starts in that zone, not in the default.
    first = await _publish_zone(service, studio, "Europe/London", sequence=1)
    await eventually(lambda: _consumed(service, first), timeout_s=30)
    assert (await _settings(service, admin))["time_zone"] == "Europe/London"

    # 23:30 in London on 10 January is 00:30 on 11 January in Amsterdam.
    late_class = AttendanceRecorded(
        booking_id=uuid.uuid4(), session_id=uuid.uuid4(), member_id=member_id, location_id=uuid.uuid4(),
        session_type_id=uuid.uuid4(), starts_at=datetime(2026, 1, 10, 23, 30, tzinfo=UTC), status="attended",
    )  # fmt: skip
    await publish(service.kafka, late_class, studio_id=studio, sequence=1)
    sql = "SELECT attended_on FROM attendance WHERE studio_id = :s"

    async def attended_on() -> list[tuple]:
        return await _query(service, sql, s=studio)

    assert await eventually(lambda: _eq(attended_on(), [(date(2026, 1, 10),)]), timeout_s=30)
    summary_sql = "SELECT attended_on, visits FROM attendance_day WHERE studio_id = :s"
    assert await _query(service, summary_sql, s=studio) == [(date(2026, 1, 10), 1)]
    await _publish_zone(service, studio, "Europe/Amsterdam", sequence=2)
    assert await eventually(lambda: _eq(attended_on(), [(date(2026, 1, 11),)]), timeout_s=30)
    # The summary the refresh reads moved with the day, in the same transaction.
    assert await _query(service, summary_sql, s=studio) == [(date(2026, 1, 11), 1)]
    last_sql = "SELECT last_attended_on FROM attendance_member WHERE studio_id = :s"
    assert await _query(service, last_sql, s=studio) == [(date(2026, 1, 11),)]
    assert (await _settings(service, admin))["time_zone"] == "Europe/Amsterdam"


async def _birthdays(service, headers: dict[str, str], member_id: uuid.UUID) -> list[dict]:
    items = (await service.get(f"/members/{member_id}/notifications", headers=headers)).json()["items"]
    return [n for n in items if n["kind"] == "birthday"]


async def _zone_is(service, headers: dict[str, str], expected: str) -> bool:
    return (await _settings(service, headers))["time_zone"] == expected


async def _eq(awaitable, expected) -> bool:
    return (await awaitable) == expected
