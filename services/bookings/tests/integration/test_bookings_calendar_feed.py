"""The member's secret calendar feed address: fetched without a token, rotated (the old address stops working)
and revoked, on real PostgreSQL; only the token's hash is stored."""

from __future__ import annotations

import hashlib
import uuid
from datetime import UTC, datetime, timedelta

import asyncpg
import pytest

from .conftest import AMSTERDAM

pytestmark = pytest.mark.integration


async def test_the_feed_is_fetched_by_its_secret_address_rotated_and_revoked(make_studio, client, tokens):
    studio = await make_studio()
    start = (datetime.now(UTC) + timedelta(days=2)).astimezone(AMSTERDAM)
    body = {
        "location_id": str(studio.location_id), "session_type_id": str(studio.session_type_id),
        "day": start.date().isoformat(), "start_time": "09:00:00", "duration_minutes": 45, "capacity": 3,
    }  # fmt: skip
    session_id = (await client.post("/sessions", json=body, headers=studio.staff)).json()["id"]
    member = uuid.uuid4()
    await studio.grant(member, credits=2)
    assert (await studio.sign_up(uuid.UUID(session_id), member)).status_code == 201
    own = tokens.headers(studio_id=studio.studio_id, role="member", member_id=member)

    made = await client.post(f"/members/{member}/calendar-feed", headers=own)
    assert made.status_code == 201, made.text
    url = made.json()["url"]
    token = url.removeprefix("/calendar-feeds/").removesuffix(".ics")
    stored = await client.get(url)  # no token
    assert stored.status_code == 200, stored.text
    assert stored.headers["content-type"].startswith("text/calendar")
    assert "BEGIN:VEVENT" in stored.text
    assert f"UID:{await _booking_id(client, studio, member)}@gymloop" in stored.text
    assert await _stored_hashes(client) == [hashlib.sha256(token.encode()).hexdigest()]  # never the token

    other = tokens.headers(studio_id=studio.studio_id, role="member", member_id=uuid.uuid4())
    assert (await client.post(f"/members/{member}/calendar-feed", headers=other)).status_code == 404

    rotated = (await client.post(f"/members/{member}/calendar-feed", headers=own)).json()["url"]
    assert rotated != url
    assert (await client.get(url)).status_code == 404
    assert (await client.get(rotated)).status_code == 200

    assert (await client.delete(f"/members/{member}/calendar-feed", headers=own)).status_code == 204
    gone = await client.get(rotated)
    assert gone.status_code == 404
    assert gone.json()["code"] == "calendar_feed_not_found"


async def _stored_hashes(client) -> list[str]:
    connection = await asyncpg.connect(client.database_url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        return [row["token_hash"] for row in await connection.fetch("SELECT token_hash FROM calendar_feed")]
    finally:
        await connection.close()


async def _booking_id(client, studio, member: uuid.UUID) -> str:
    bookings = await client.get(f"/members/{member}/bookings", headers=studio.staff)
    return bookings.json()["items"][0]["id"]
