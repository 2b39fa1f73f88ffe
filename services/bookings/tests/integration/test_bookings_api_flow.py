"""Bookings through HTTP on real PostgreSQL: health, seed 002, refusals, waitlist, cancellation, events."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
from gymloop_contracts.events.bookings import (
    BookingCancelled,
    SessionBooked,
    SessionCancelled,
    SessionScheduled,
    WaitlistPromoted,
)
from gymloop_devstack.testing import EventProbe, error_fields

pytestmark = pytest.mark.integration


async def test_health_and_ready(client):
    assert (await client.get("/health")).status_code == 200
    ready = await client.get("/ready")
    assert ready.status_code == 200, ready.text


async def test_seed_002_peter_and_the_user_log(studio):
    peter = uuid.uuid4()
    await studio.grant(peter, credits=6, valid_until=date.today() + timedelta(days=20))
    first = await studio.session(starts_in=timedelta(days=1))
    answer = await studio.sign_up(first, peter)
    assert answer.status_code == 201, answer.text
    account = await studio.account(peter)
    assert (account["credits_left"], account["active_sign_ups"]) == (5, 1)

    member = uuid.uuid4()
    await studio.grant(member, credits=4)
    sessions = [await studio.session(starts_in=timedelta(days=d)) for d in (2, 3, 4)]
    staff_for = {"member_id": str(member)}
    assert (
        await studio.http.post(f"/sessions/{sessions[0]}/bookings", json=staff_for, headers=studio.staff)
    ).status_code == 201
    assert (
        await studio.http.delete(f"/sessions/{sessions[0]}/bookings/{member}", headers=studio.staff)
    ).status_code == 200
    for session_id in sessions[1:]:
        answer = await studio.http.post(f"/sessions/{session_id}/bookings", json=staff_for, headers=studio.staff)
        assert answer.status_code == 201
    log = (await studio.http.get(f"/members/{member}/log", headers=studio.staff)).json()["items"]
    assert [e["available_after"] for e in log] == [4, 3, 4, 3, 2]
    assert [e["reason"] for e in log] == ["granted", "signed_up", "signed_out", "signed_up", "signed_up"]
    assert all(e["actor_role"] == "employee" for e in log[1:])


async def _refused(studio, member_id, session_id, status, code):
    before = await studio.account(member_id)
    answer = await studio.sign_up(session_id, member_id)
    assert answer.status_code == status, answer.text
    detail = error_fields(answer)[0]
    assert detail["type"] == code
    assert detail["msg"]
    assert await studio.account(member_id) == before  # nothing charged
    return detail


async def test_bad_sign_ups_are_refused_and_charge_nothing(studio, client, make_studio):
    member = uuid.uuid4()
    await studio.grant(member, credits=3)

    # Sessions in the past cannot be created: make one that starts in a moment, then let it start.
    past = await studio.session(starts_in=timedelta(seconds=3))
    await asyncio.sleep(3.5)
    await _refused(studio, member, past, 422, "session_in_past")

    cancelled = await studio.session(starts_in=timedelta(days=1))
    assert (await client.post(f"/sessions/{cancelled}/cancel", json={}, headers=studio.staff)).status_code == 200
    await _refused(studio, member, cancelled, 409, "session_cancelled")

    other = await make_studio()
    foreign = await other.session(starts_in=timedelta(days=1))
    await _refused(studio, member, foreign, 404, "session_not_found")

    bookable = await studio.session(starts_in=timedelta(days=2))
    assert (await studio.sign_up(bookable, member)).status_code == 201
    await _refused(studio, member, bookable, 409, "already_booked")

    broke = uuid.uuid4()
    await studio.sign_up(bookable, broke)  # creates nothing
    assert error_fields(await studio.sign_up(bookable, broke))[0]["type"] == "no_entitlement"

    limited = uuid.uuid4()
    await studio.grant(limited, kind="unlimited", weekly_limit=1)
    monday = date.today() + timedelta(days=7 - date.today().weekday())
    week_sessions = []
    for offset in (0, 1):
        local_day = monday + timedelta(days=offset)
        delta = datetime(local_day.year, local_day.month, local_day.day, 9, tzinfo=UTC) - datetime.now(UTC)
        week_sessions.append(await studio.session(starts_in=delta))
    assert (await studio.sign_up(week_sessions[0], limited)).status_code == 201
    await _refused(studio, limited, week_sessions[1], 422, "weekly_limit_reached")


async def test_waitlist_promotion_and_session_cancel_emit_events(studio):
    first, second, third = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    for member in (first, second, third):
        await studio.grant(member, credits=2)
    async with EventProbe.for_events(
        studio.http.bootstrap, SessionScheduled, SessionBooked, WaitlistPromoted, BookingCancelled, SessionCancelled
    ) as probe:
        session_id = await studio.session(starts_in=timedelta(days=1), capacity=1)
        assert (await studio.sign_up(session_id, first)).status_code == 201
        waitlisted = await studio.sign_up(session_id, second)
        assert waitlisted.status_code == 202
        assert waitlisted.json()["outcome"] == "waitlisted"
        assert (await studio.account(second))["credits_left"] == 2

        signed_out = await studio.http.delete(f"/sessions/{session_id}/bookings/{first}", headers=studio.member(first))
        assert signed_out.status_code == 200, signed_out.text
        assert signed_out.json()["promoted_member_ids"] == [str(second)]
        assert (await studio.account(second))["credits_left"] == 1
        assert (await studio.account(first))["credits_left"] == 2

        cancelled = await studio.http.post(
            f"/sessions/{session_id}/cancel", json={"reason": "coach ill"}, headers=studio.staff
        )
        assert cancelled.json()["refunded_member_ids"] == [str(second)]
        assert (await studio.account(second))["credits_left"] == 2

        def mine(envelopes, model):
            return [e for e in probe.of_type(model) if e.payload["session_id"] == str(session_id)]

        await probe.wait_for(lambda _: len(mine(None, SessionCancelled)) == 1, settle_s=1.0)
        assert len(mine(None, SessionScheduled)) == 1
        assert len(mine(None, SessionBooked)) == 2  # first's sign-up and second's promotion
        assert len(mine(None, WaitlistPromoted)) == 1
        assert len(mine(None, BookingCancelled)) == 2  # first's sign-out and the cancellation's refund
        assert mine(None, SessionCancelled)[0].payload["refunded_member_ids"] == [str(second)]


async def test_another_members_data_is_not_found_for_a_member_and_studios_are_isolated(studio, client, tokens):
    member, other = uuid.uuid4(), uuid.uuid4()
    await studio.grant(member)
    session_id = await studio.session()
    answer = await client.post(
        f"/sessions/{session_id}/bookings", json={"member_id": str(other)}, headers=studio.member(member)
    )
    assert answer.status_code == 404, "another member does not exist for a member"
    intruder = tokens.headers(studio_id=uuid.uuid4(), role="admin")
    assert (await client.get(f"/sessions/{session_id}", headers=intruder)).status_code == 404
    assert (await client.get(f"/members/{member}/log", headers=intruder)).status_code == 404
    assert (await client.post(f"/sessions/{session_id}/cancel", json={}, headers=intruder)).status_code == 404
    for own_data in ("log", "bookings", "account", "calendar.ics"):
        answer = await client.get(f"/members/{member}/{own_data}", headers=studio.member(other))
        assert answer.status_code == 404, own_data
        assert (await client.get(f"/members/{member}/{own_data}", headers=studio.member(member))).status_code == 200
