"""GET /members/{id}/overview: credits, visit statistics, the paged session history, upcoming bookings and
waitlist places in one read. Bookings are made and attendance recorded through the API; sessions cannot be made
in the past, so the ones meant as history are moved back in time in the database after they are booked."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

pytestmark = pytest.mark.integration


async def _move_back(studio, session_id: uuid.UUID, by: timedelta) -> None:
    shift = {"by": by, "s": session_id}
    async with studio.database.transaction() as db:
        await db.execute(
            text(
                "UPDATE session SET starts_at = starts_at - CAST(:by AS interval), "
                "ends_at = ends_at - CAST(:by AS interval) WHERE id = :s"
            ),
            shift,
        )
        await db.execute(
            text(
                "UPDATE booking SET session_starts_at = session_starts_at - CAST(:by AS interval), "
                "session_ends_at = session_ends_at - CAST(:by AS interval), "
                "session_local_date = (session_starts_at - CAST(:by AS interval)) AT TIME ZONE 'Europe/Amsterdam' "
                "WHERE session_id = :s"
            ),
            shift,
        )


async def _past_session(studio, member_id: uuid.UUID, days_ago: int, *, check_in: bool) -> uuid.UUID:
    session_id = await studio.session(starts_in=timedelta(hours=5))
    assert (await studio.sign_up(session_id, member_id)).status_code == 201
    if check_in:
        checked = await studio.http.post(
            f"/sessions/{session_id}/check-in", json={"member_id": str(member_id)}, headers=studio.staff
        )
        assert checked.status_code == 200, checked.text
    await _move_back(studio, session_id, timedelta(days=days_ago, hours=5))
    ended = await studio.http.post(f"/sessions/{session_id}/end", headers=studio.staff)
    assert ended.status_code == 200, ended.text
    return session_id


async def test_the_overview_counts_visits_pages_history_and_lists_what_is_to_come(make_studio, client):
    studio = await make_studio(uses_check_in=True)
    member_id = uuid.uuid4()
    await studio.grant(member_id, credits=10)
    visits = [await _past_session(studio, member_id, days_ago, check_in=True) for days_ago in (2, 10, 20, 50)]
    no_show = await _past_session(studio, member_id, 3, check_in=False)
    late = await studio.session(starts_in=timedelta(hours=1))
    assert (await studio.sign_up(late, member_id)).status_code == 201
    signed_out = await client.delete(f"/sessions/{late}/bookings/{member_id}", headers=studio.member(member_id))
    assert signed_out.status_code == 200, signed_out.text
    coming = await studio.session(starts_in=timedelta(days=2))
    assert (await studio.sign_up(coming, member_id)).status_code == 201
    full = await studio.session(starts_in=timedelta(days=3), capacity=1)
    other = uuid.uuid4()
    await studio.grant(other, credits=2)
    assert (await studio.sign_up(full, other)).status_code == 201  # the one place
    waiting = await studio.sign_up(full, member_id)
    assert waiting.status_code == 202, waiting.text

    for caller in (studio.staff, studio.member(member_id)):
        answer = await client.get(
            f"/members/{member_id}/overview", params={"history_limit": 2, "history_offset": 1}, headers=caller
        )
        assert answer.status_code == 200, answer.text
        body = answer.json()
        stats = body["statistics"]
        assert (stats["attended"], stats["no_shows"], stats["late_cancels"]) == (4, 1, 1)
        assert stats["average_per_week_4_weeks"] == 0.75  # 3 visits in the last 4 weeks
        assert stats["average_per_week_12_weeks"] == round(4 / 12, 2)
        last_visit = datetime.fromisoformat(stats["last_visit"])
        assert abs(last_visit - (datetime.now(UTC) - timedelta(days=2))) < timedelta(minutes=5)
        history = body["history"]
        # started sessions, the latest first: visit 2 days ago, no-show 3 days ago, visits 10, 20 and 50 days ago
        assert (history["total"], history["limit"], history["offset"]) == (5, 2, 1)
        assert [h["session_id"] for h in history["items"]] == [str(no_show), str(visits[1])]
        assert (history["items"][0]["status"], history["items"][0]["no_show"]) == ("no_show", True)
        assert history["items"][0]["session_name"] == "CrossFit"
        assert history["items"][0]["location_name"] == "Zaal 1"
        (upcoming,) = body["upcoming"]
        assert upcoming["session_id"] == str(coming)
        (place,) = body["waitlist"]
        assert (place["session_id"], place["position"]) == (str(full), 1)
        assert body["account"]["active_sign_ups"] == 1
        assert body["account"]["credits_left"] == 10 - 5 - 1 - 1  # used 5, one forfeited late, one held


async def test_another_members_overview_is_not_found(studio, client):
    member_id = uuid.uuid4()
    await studio.grant(member_id)
    someone_else = studio.member(uuid.uuid4())
    assert (await client.get(f"/members/{member_id}/overview", headers=someone_else)).status_code == 404
    other_studio = studio.tokens.headers(studio_id=uuid.uuid4(), role="admin")
    assert (await client.get(f"/members/{member_id}/overview", headers=other_studio)).status_code == 404
