"""Bookings writes only what a use case changed: statements per sign-up, and no lost update of a check-in made
while a member-lock path (a billing event, lapsed-pack housekeeping) works on the same member."""

from __future__ import annotations

import asyncio
import contextvars
import re
import uuid
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from gymloop_bookings.messaging.subscriptions import apply_billing_event
from gymloop_bookings.service.housekeeping import expire_lapsed_packs
from gymloop_contracts import wrap
from gymloop_contracts.events.billing import SubscriptionRenewed
from gymloop_kit.db import Database
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from sqlalchemy.util import await_only

pytestmark = pytest.mark.integration

SIGN_UP_STATEMENT_BOUND = 10
_counting: contextvars.ContextVar[bool] = contextvars.ContextVar("counting_statements", default=False)


@contextmanager
def statements_of_this_task(engine: AsyncEngine) -> Iterator[list[str]]:
    """Every statement the current task (and what it awaits) sends, not those of the relay or consumer tasks."""
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if _counting.get():
            seen.append(statement)

    event.listen(engine.sync_engine, "before_cursor_execute", record)
    token = _counting.set(True)
    try:
        yield seen
    finally:
        _counting.reset(token)
        event.remove(engine.sync_engine, "before_cursor_execute", record)


async def test_a_sign_up_sends_at_most_10_statements(studio):
    member = uuid.uuid4()
    await studio.grant(member, credits=5)
    session_id = await studio.session(starts_in=timedelta(days=1), capacity=10)
    for _ in range(3):  # others on the list: their rows must not be written again
        other = uuid.uuid4()
        await studio.grant(other, credits=5)
        assert (await studio.sign_up(session_id, other)).status_code == 201

    with statements_of_this_task(studio.http.app.state.runtime.database.engine) as statements:
        answer = await studio.sign_up(session_id, member)

    assert answer.status_code == 201, answer.text
    listing = "\n".join(s.split("\n", 1)[0][:120] for s in statements)
    assert len(statements) <= SIGN_UP_STATEMENT_BOUND, f"{len(statements)} statements:\n{listing}"
    account = await studio.account(member)
    assert (account["credits_left"], account["active_sign_ups"]) == (4, 1)


async def test_a_sign_up_onto_a_long_waitlist_reads_only_its_own_entry_and_counts_the_others(studio):
    session_id = await studio.session(starts_in=timedelta(days=1), capacity=1)
    booker, member, *waiting = (uuid.uuid4() for _ in range(7))
    for someone in (booker, member, *waiting):
        await studio.grant(someone, credits=5)
    assert (await studio.sign_up(session_id, booker)).status_code == 201
    for place, someone in enumerate(waiting, start=1):
        answer = await studio.sign_up(session_id, someone)
        assert (answer.status_code, answer.json()["waitlist_position"]) == (202, place), answer.text

    with statements_of_this_task(studio.http.app.state.runtime.database.engine) as statements:
        answer = await studio.sign_up(session_id, member)

    assert (answer.status_code, answer.json()["waitlist_position"]) == (202, len(waiting) + 1), answer.text
    waitlist_reads = [s for s in statements if re.search(r"\bFROM waitlist_entry\b", s)]
    assert len(waitlist_reads) == 1
    assert "count(" in waitlist_reads[0]
    assert len(statements) <= SIGN_UP_STATEMENT_BOUND
    again = await studio.sign_up(session_id, member)
    assert again.status_code == 409, again.text
    assert again.json()["code"] == "already_waitlisted"


MemberLockPath = Callable[[AsyncSession, uuid.UUID, uuid.UUID], Awaitable[None]]


async def _renewal(db: AsyncSession, studio_id: uuid.UUID, member_id: uuid.UUID, subscription_id: uuid.UUID) -> None:
    renewed = SubscriptionRenewed(
        subscription_id=subscription_id,
        member_id=member_id,
        credits_granted=5,
        valid_from=date.today(),
        valid_until=date.today() + timedelta(days=90),
    )
    envelope = wrap(renewed, studio_id=studio_id, producer="billing", correlation_id="test", sequence=2)
    await apply_billing_event(db, renewed, envelope)


async def _housekeeping(db: AsyncSession, studio_id: uuid.UUID, member_id: uuid.UUID, _: uuid.UUID) -> None:
    # Far enough ahead that the pack (valid 60 days) has lapsed and its unused credits expire.
    await expire_lapsed_packs(db, studio_id, member_id, datetime.now(UTC) + timedelta(days=70))


@pytest.mark.parametrize("member_lock_path", [_renewal, _housekeeping], ids=["billing_renewal", "lapsed_pack"])
async def test_a_check_in_at_the_same_moment_as_a_member_lock_path_survives(studio, member_lock_path):
    member = uuid.uuid4()
    subscription_id = await studio.grant(member, credits=5)
    session_id = await studio.session(starts_in=timedelta(hours=2))
    assert (await studio.sign_up(session_id, member)).status_code == 201

    # The member-lock path pauses right after reading the member's bookings; the desk checks the member in and
    # commits meanwhile; then the member-lock path goes on and commits. This is the race, made deterministic.
    read_bookings, checked_in = asyncio.Event(), asyncio.Event()

    def pause_after_reading_bookings(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if not read_bookings.is_set() and re.search(r"^\s*SELECT\b.*\bFROM booking\b", statement, re.S):
            read_bookings.set()
            await_only(checked_in.wait())  # yields to the event loop from inside SQLAlchemy's sync layer

    database = Database(studio.http.database_url, pool_size=1)
    event.listen(database.engine.sync_engine, "after_cursor_execute", pause_after_reading_bookings)

    async def member_lock_transaction() -> None:
        async with database.transaction() as db:
            await member_lock_path(db, studio.studio_id, member, subscription_id)

    try:
        other_work = asyncio.create_task(member_lock_transaction())
        await asyncio.wait_for(read_bookings.wait(), timeout=30)
        answer = await studio.http.post(
            f"/sessions/{session_id}/check-in", json={"member_id": str(member)}, headers=studio.staff
        )
        assert answer.status_code == 200, answer.text
        checked_in.set()
        await asyncio.wait_for(other_work, timeout=30)
    finally:
        checked_in.set()
        await database.dispose()

    lines = (await studio.http.get(f"/sessions/{session_id}/attendance", headers=studio.staff)).json()
    (line,) = lines
    assert line["booking"]["checked_in_at"] is not None, "the check-in was overwritten"
    assert line["booking"]["marked_present"] is True
    account = await studio.account(member)
    entitlement = account["entitlements"][0]
    if member_lock_path is _renewal:
        assert (entitlement["granted"], entitlement["held"]) == (10, 1)  # the renewal was applied too
    else:
        assert (entitlement["expired"], entitlement["held"]) == (4, 1)  # and so was the expiry
