"""The studio's time zone and name come from members' StudioUpdated (through the real broker), not PUT /settings."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
from gymloop_contracts import Envelope
from gymloop_contracts.events.members import StudioUpdated
from gymloop_devstack.testing import error_fields, eventually, publish
from gymloop_kit.db import Database
from icalendar import Calendar
from sqlalchemy import text

pytestmark = pytest.mark.integration


@pytest.fixture
def consumer_enabled() -> bool:
    """These tests publish events for the bookings consumer."""
    return True


async def _publish_zone(studio, time_zone: str, sequence: int, name: str = "Gymloop Oost") -> Envelope:
    event = StudioUpdated(studio_id=studio.studio_id, name=name, time_zone=time_zone)
    return await publish(studio.http.bootstrap, event, studio_id=studio.studio_id, sequence=sequence)


async def _zone(studio) -> str:
    answer = await studio.http.get("/settings", headers=studio.staff)
    assert answer.status_code == 200, answer.text
    return str(answer.json()["time_zone"])


async def _agenda_days_of(studio, session_id: uuid.UUID, first: date) -> list[str]:
    answer = await studio.http.get("/agenda", params={"day": first.isoformat(), "days": 3}, headers=studio.staff)
    assert answer.status_code == 200, answer.text
    return [d["day"] for d in answer.json() if any(s["id"] == str(session_id) for s in d["sessions"])]


async def _consumed(studio, envelope: Envelope) -> bool:
    """The bookings consumer recorded this event in its inbox (applied or dropped, but seen)."""
    database = Database(studio.http.database_url, pool_size=1)
    try:
        async with database.transaction() as db:
            query = text("SELECT count(*) FROM inbox WHERE consumer = 'bookings' AND event_id = :e")
            return (await db.execute(query, {"e": envelope.event_id})).scalar_one() == 1
    finally:
        await database.dispose()


async def test_studio_updated_moves_the_agenda_day_boundary_and_an_older_event_does_not_win(make_studio):
    studio = await make_studio()
    assert await _zone(studio) == "Europe/Amsterdam", "the default until members tells the zone"
    day = date.today() + timedelta(days=3)
    late = await studio.http.post(
        "/sessions",
        json={
            "location_id": str(studio.location_id), "session_type_id": str(studio.session_type_id),
            "day": day.isoformat(), "start_time": "23:30", "duration_minutes": 30, "capacity": 8,
        },
        headers=studio.staff,
    )  # fmt: skip
    assert late.status_code == 201, late.text
    session_id = uuid.UUID(late.json()["id"])
    assert await _agenda_days_of(studio, session_id, day) == [day.isoformat()]

    # 23:30 in Amsterdam is the next morning in Tokyo: the agenda puts the session on that local day.
    await _publish_zone(studio, "Asia/Tokyo", sequence=2)
    await eventually(lambda: _is(_zone(studio), "Asia/Tokyo"), timeout_s=30)
    assert await _agenda_days_of(studio, session_id, day) == [(day + timedelta(days=1)).isoformat()]

    # A new one-off session is read in the new zone: 09:00 in Tokyo is 00:00 UTC.
    morning = await studio.http.post(
        "/sessions",
        json={
            "location_id": str(studio.location_id), "session_type_id": str(studio.session_type_id),
            "day": day.isoformat(), "start_time": "09:00", "duration_minutes": 60, "capacity": 8,
        },
        headers=studio.staff,
    )  # fmt: skip
    assert morning.status_code == 201, morning.text
    starts_at = datetime.fromisoformat(morning.json()["starts_at"])
    assert starts_at == datetime(day.year, day.month, day.day, 0, 0, tzinfo=UTC)

    # An older StudioUpdated arriving late is seen by the consumer but changes nothing.
    older = await _publish_zone(studio, "America/New_York", sequence=1)
    await eventually(lambda: _consumed(studio, older), timeout_s=30)
    assert await _zone(studio) == "Asia/Tokyo"
    assert await _agenda_days_of(studio, session_id, day) == [(day + timedelta(days=1)).isoformat()]


async def test_studio_updated_before_any_policy_then_put_settings_keeps_the_zone(make_studio, client, tokens):
    studio = await make_studio()
    fresh_id = uuid.uuid4()  # a studio bookings has no policy row for yet
    admin = tokens.headers(studio_id=fresh_id, role="admin")
    await publish(
        client.bootstrap, StudioUpdated(studio_id=fresh_id, name="Nieuw", time_zone="Europe/London"),
        studio_id=fresh_id, sequence=1,
    )  # fmt: skip

    async def london() -> bool:
        answer = await client.get("/settings", headers=admin)
        return answer.status_code == 200 and answer.json()["time_zone"] == "Europe/London"

    await eventually(london, timeout_s=30)
    defaults = (await client.get("/settings", headers=admin)).json()
    assert (defaults["booking_window_hours"], defaults["waitlist_enabled"]) == (14 * 24, True)

    assert defaults["studio_name"] == "Nieuw", "the name comes with the zone"

    saved = await client.put("/settings", json={"booking_window_hours": 48}, headers=admin)
    assert saved.status_code == 200, saved.text
    assert (saved.json()["time_zone"], saved.json()["booking_window_hours"]) == ("Europe/London", 48)
    assert saved.json()["studio_name"] == "Nieuw"
    assert (await client.get("/settings", headers=admin)).json()["studio_name"] == "Nieuw"
    # The zone is per studio: the other studio still counts in the default zone.
    assert await _zone(studio) == "Europe/Amsterdam"


@pytest.mark.parametrize("sent", ["Europe/London", None])
async def test_put_settings_with_a_time_zone_is_refused_and_changes_nothing(make_studio, sent):
    studio = await make_studio(booking_window_hours=72)
    before = (await studio.http.get("/settings", headers=studio.staff)).json()
    refused = await studio.http.put(
        "/settings", json={"time_zone": sent, "booking_window_hours": 1}, headers=studio.admin
    )
    assert refused.status_code == 422, refused.text
    [detail] = error_fields(refused)
    assert detail["loc"] == ["body", "time_zone"]
    assert detail["type"] == "time_zone_set_in_members"
    assert "PATCH /api/members/studios/current" in detail["msg"]
    after = (await studio.http.get("/settings", headers=studio.staff)).json()
    assert after == before
    assert (after["booking_window_hours"], after["time_zone"]) == (72, "Europe/Amsterdam")


async def _calendar_name(studio, member: uuid.UUID) -> str:
    feed = await studio.http.get(f"/members/{member}/calendar.ics", headers=studio.member(member))
    assert feed.status_code == 200, feed.text
    return str(Calendar.from_ical(feed.content)["X-WR-CALNAME"])


async def _name(studio) -> str:
    answer = await studio.http.get("/settings", headers=studio.staff)
    assert answer.status_code == 200, answer.text
    return str(answer.json()["studio_name"])


async def test_studio_updated_renames_the_calendar_feed_and_an_older_event_does_not_win(make_studio):
    studio = await make_studio()
    member = uuid.uuid4()
    await studio.grant(member)
    booked = await studio.sign_up(await studio.session(starts_in=timedelta(days=2)), member)
    assert booked.status_code == 201, booked.text
    assert await _calendar_name(studio, member) == "Gymloop studio bookings", "the default until members tells"
    assert await _name(studio) == "Gymloop studio"

    await _publish_zone(studio, "Europe/Amsterdam", sequence=5, name="Gymloop Oost")
    await eventually(lambda: _is(_name(studio), "Gymloop Oost"), timeout_s=30)
    assert await _calendar_name(studio, member) == "Gymloop Oost bookings"
    events = Calendar.from_ical(
        (await studio.http.get(f"/members/{member}/calendar.ics", headers=studio.member(member))).content
    ).walk("VEVENT")
    assert [str(e["LOCATION"]).split(", ")[0] for e in events] == ["Gymloop Oost"]

    # An older StudioUpdated (an earlier name) arriving late is seen by the consumer but changes nothing.
    older = await _publish_zone(studio, "Europe/Amsterdam", sequence=4, name="Gymloop Oud")
    await eventually(lambda: _consumed(studio, older), timeout_s=30)
    assert await _name(studio) == "Gymloop Oost"
    assert await _calendar_name(studio, member) == "Gymloop Oost bookings"


@pytest.mark.parametrize("sent", ["Gymloop West", None])
async def test_put_settings_with_a_studio_name_is_refused_and_changes_nothing(make_studio, sent):
    studio = await make_studio(booking_window_hours=72)
    before = (await studio.http.get("/settings", headers=studio.staff)).json()
    refused = await studio.http.put(
        "/settings", json={"studio_name": sent, "booking_window_hours": 1}, headers=studio.admin
    )
    assert refused.status_code == 422, refused.text
    [detail] = error_fields(refused)
    assert detail["loc"] == ["body", "studio_name"]
    assert detail["type"] == "studio_name_set_in_members"
    assert "PATCH /api/members/studios/current" in detail["msg"]
    after = (await studio.http.get("/settings", headers=studio.staff)).json()
    assert after == before
    assert (after["booking_window_hours"], after["studio_name"]) == (72, "Gymloop studio")


async def _is(awaitable, expected) -> bool:
    return (await awaitable) == expected
