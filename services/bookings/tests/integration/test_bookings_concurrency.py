"""Concurrency on the real database: no overbooking, no double charge, credits conserved."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta

import pytest
from gymloop_bookings.db.models import BookingRow, EntitlementRow
from gymloop_devstack.testing import error_fields
from gymloop_kit.db import Database
from sqlalchemy import func, select

pytestmark = pytest.mark.integration


async def test_200_concurrent_sign_ups_for_20_places(studio):
    members = [uuid.uuid4() for _ in range(200)]
    for member in members:
        await studio.grant(member, credits=3)
    session_id = await studio.session(starts_in=timedelta(days=1), capacity=20)

    answers = await asyncio.gather(*(studio.sign_up(session_id, m) for m in members))

    codes = [a.status_code for a in answers]
    assert codes.count(201) == 20
    assert codes.count(202) + codes.count(409) == 180
    database = Database(studio.http.database_url, pool_size=1)
    try:
        async with database.transaction() as db:
            active = await db.scalar(
                select(func.count()).where(BookingRow.session_id == session_id, BookingRow.status == "active")
            )
            assert active == 20
            rows = (
                await db.execute(select(EntitlementRow).where(EntitlementRow.studio_id == studio.studio_id))
            ).scalars()
            mine = [r for r in rows if r.member_id in set(members)]
            assert sum(r.held for r in mine) == 20
            for r in mine:
                assert r.credits_left + r.held + r.forfeited + r.attended + r.expired == r.granted == 3
    finally:
        await database.dispose()
    detail = (await studio.http.get(f"/sessions/{session_id}", headers=studio.staff)).json()
    assert (detail["booked"], detail["free_places"], detail["waiting"]) == (20, 0, 180)


async def test_double_click_gives_one_booking_and_one_charge(studio):
    member = uuid.uuid4()
    await studio.grant(member, credits=5)
    session_id = await studio.session(starts_in=timedelta(days=1), capacity=10)
    answers = await asyncio.gather(*(studio.sign_up(session_id, member) for _ in range(5)))
    assert sorted(a.status_code for a in answers) == [201, 409, 409, 409, 409]
    assert {error_fields(a)[0]["type"] for a in answers if a.status_code == 409} == {"already_booked"}
    account = await studio.account(member)
    assert (account["credits_left"], account["active_sign_ups"]) == (4, 1)


async def test_without_the_in_process_gate_the_database_alone_prevents_overbooking(studio, monkeypatch):
    from gymloop_bookings.service import gates

    monkeypatch.setattr(gates, "ENABLED", False)
    members = [uuid.uuid4() for _ in range(40)]
    for member in members:
        await studio.grant(member, credits=2)
    session_id = await studio.session(starts_in=timedelta(days=1), capacity=5)
    answers = await asyncio.gather(
        *(studio.sign_up(session_id, m) for m in members), *(studio.sign_up(session_id, members[0]) for _ in range(3))
    )
    codes = [a.status_code for a in answers]
    assert codes.count(201) == 5
    assert codes.count(202) == 35
    account = await studio.account(members[0])
    assert account["credits_left"] + sum(e["held"] for e in account["entitlements"]) == 2
    detail = (await studio.http.get(f"/sessions/{session_id}", headers=studio.staff)).json()
    assert (detail["booked"], detail["waiting"]) == (5, 35)
