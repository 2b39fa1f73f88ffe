"""Retention of the delivery tables on the real database and broker: old inbox and idle applied_sequence rows
are purged, outbox_sequence is kept, and an event redelivered after its inbox row was purged is not applied
(it goes to the DLQ as EventTooOld), while a fresh event still is."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from delivery_harness import applied_event_ids, delivery, read_dlq, wait_for_effects
from gymloop_contracts import wrap
from gymloop_contracts.events.members import MemberArchived
from gymloop_kit.db import Database
from gymloop_kit.messaging import inbox
from gymloop_kit.messaging.kafka import create_producer, ensure_topics
from gymloop_kit.messaging.outbox import add_event
from gymloop_kit.messaging.retention import max_event_age_s, purge_delivery_tables
from gymloop_kit.messaging.tables import applied_sequence, outbox_sequence
from gymloop_kit.messaging.tables import inbox as inbox_table
from sqlalchemy import func, insert, select, text

pytestmark = pytest.mark.integration

RETENTION_S = 3 * 3600.0  # the guard refuses events older than this less an hour: 2 h
HOUR = timedelta(hours=1)


def _envelope(studio: uuid.UUID, *, age: timedelta, sequence: int = 1, member: uuid.UUID | None = None):
    return wrap(MemberArchived(member_id=member or uuid.uuid4(), reason="r"), studio_id=studio, producer="members",
                correlation_id="retention", sequence=sequence, occurred_at=datetime.now(UTC) - age)  # fmt: skip


async def _count(database: Database, table) -> int:
    async with database.transaction() as session:
        return int((await session.execute(select(func.count()).select_from(table))).scalar_one())


async def test_purge_deletes_old_inbox_rows_and_idle_applied_sequences_and_keeps_outbox_sequence(kit_database):
    database = Database(kit_database)
    old, fresh = datetime.now(UTC) - timedelta(seconds=RETENTION_S) - HOUR, datetime.now(UTC) - HOUR
    try:
        async with database.transaction() as session:
            await session.execute(insert(inbox_table), [
                {"consumer": "c", "event_id": uuid.uuid4(), "event_type": "MemberArchived", "received_at": when}
                for when in [old] * 3 + [fresh] * 2
            ])  # fmt: skip
            await session.execute(insert(applied_sequence), [
                {"consumer": "c", "aggregate_type": "member", "aggregate_id": str(n), "sequence": 7, "applied_at": when}
                for n, when in enumerate([old, fresh])
            ])  # fmt: skip
            await add_event(session, MemberArchived(member_id=uuid.uuid4()), studio_id=uuid.uuid4())
            await session.execute(text("UPDATE outbox_sequence SET last_sequence = 41"))
        purged = await purge_delivery_tables(database, inbox_retention_s=RETENTION_S, batch=2)  # several batches
        assert (purged.inbox, purged.applied_sequence) == (3, 1)
        assert await _count(database, inbox_table) == 2
        async with database.transaction() as session:
            remaining = (await session.execute(select(applied_sequence.c.aggregate_id))).scalars().all()
            assert remaining == ["1"], "only the aggregate idle longer than the retention is forgotten"
            assert (await session.execute(select(outbox_sequence.c.last_sequence))).scalars().all() == [41]
    finally:
        await database.dispose()


async def test_a_newer_event_refreshes_applied_at_so_an_active_aggregate_is_kept(kit_database):
    database = Database(kit_database)
    studio, member = uuid.uuid4(), uuid.uuid4()
    try:
        async with database.transaction() as session:
            assert await inbox.is_newest(session, "c", _envelope(studio, age=HOUR, sequence=1, member=member))
            await session.execute(text("UPDATE applied_sequence SET applied_at = now() - interval '10 hours'"))
        async with database.transaction() as session:
            assert await inbox.is_newest(session, "c", _envelope(studio, age=HOUR, sequence=2, member=member))
        await purge_delivery_tables(database, inbox_retention_s=RETENTION_S)
        assert await _count(database, applied_sequence) == 1
    finally:
        await database.dispose()


async def test_an_event_redelivered_after_its_inbox_row_was_purged_is_not_applied(kit_database, private_kafka):
    bootstrap = private_kafka.bootstrap_servers
    database = Database(kit_database)
    studio = uuid.uuid4()
    # Applied long ago: its inbox row is older than the retention (the consumer was not running since).
    applied_long_ago = _envelope(studio, age=timedelta(seconds=RETENTION_S) + 2 * HOUR)
    # Older than the guard, but the inbox still knows it: a plain duplicate, not a dead letter.
    still_known = _envelope(studio, age=2.5 * HOUR)
    fresh = _envelope(studio, age=timedelta(seconds=5))
    producer = create_producer(bootstrap, "redeliverer")
    try:
        async with database.transaction() as session:
            await session.execute(insert(inbox_table), [
                {"consumer": "kit-consumer", "event_id": applied_long_ago.event_id, "event_type": "MemberArchived",
                 "received_at": applied_long_ago.occurred_at + timedelta(minutes=1)},
                {"consumer": "kit-consumer", "event_id": still_known.event_id, "event_type": "MemberArchived",
                 "received_at": still_known.occurred_at + timedelta(minutes=1)},
            ])  # fmt: skip
        purged = await purge_delivery_tables(database, inbox_retention_s=RETENTION_S)
        assert purged.inbox == 1, "the inbox forgot the event applied long ago"

        await ensure_topics(bootstrap, ["MemberArchived", "MemberArchived.DLQ"])
        await producer.start()
        for envelope in (applied_long_ago, still_known, fresh):  # the first two are redeliveries
            await producer.send_and_wait("MemberArchived", envelope.model_dump_json().encode(), key=b"m")
        async with delivery(database, bootstrap, with_relay=False, max_event_age_s=max_event_age_s(RETENTION_S)):
            await wait_for_effects(database, studio, 1)
            dead = await read_dlq(bootstrap, "MemberArchived.DLQ", 1)
        assert await applied_event_ids(database, studio) == [fresh.event_id], "no redelivery applied"
        assert [record.value for record in dead] == [applied_long_ago.model_dump_json().encode()]
        headers = dict(dead[0].headers)
        assert headers["dlq_error_type"] == b"EventTooOld"
        assert b"may be a redelivery" in headers["dlq_error"]
    finally:
        await producer.stop()
        await database.dispose()


def test_the_guard_leaves_an_hour_for_clock_skew_and_refuses_a_retention_too_short_for_it():
    assert max_event_age_s(RETENTION_S) == RETENTION_S - 3600
    with pytest.raises(ValueError, match="must exceed"):
        max_event_age_s(2 * 3600)
