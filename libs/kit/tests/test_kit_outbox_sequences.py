"""Per-aggregate sequences: consecutive per aggregate, also when many events of one aggregate go in one call."""

import uuid

import pytest
from gymloop_contracts.events.members import MemberArchived, MemberUnarchived
from gymloop_kit.db import Database
from gymloop_kit.messaging import inbox
from gymloop_kit.messaging.outbox import add_event, add_events, add_restatement
from sqlalchemy import text

pytestmark = pytest.mark.integration


async def test_sequences_count_per_aggregate_across_calls(kit_database):
    database = Database(kit_database)
    studio, alice, bob = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    try:
        async with database.transaction() as session:
            first = await add_event(session, MemberArchived(member_id=alice), studio_id=studio)
            batch = await add_events(
                session,
                [MemberUnarchived(member_id=alice), MemberArchived(member_id=bob), MemberArchived(member_id=alice)],
                studio_id=studio,
            )
        assert first.sequence == 1
        assert [envelope.sequence for envelope in batch] == [2, 1, 3]
        assert len({envelope.event_id for envelope in [first, *batch]}) == 4
    finally:
        await database.dispose()


async def test_rolled_back_events_leave_no_gap_in_sequences(kit_database):
    database = Database(kit_database)
    studio, member = uuid.uuid4(), uuid.uuid4()
    try:
        with pytest.raises(RuntimeError):
            async with database.transaction() as session:
                await add_event(session, MemberArchived(member_id=member), studio_id=studio)
                raise RuntimeError("use case failed")
        async with database.transaction() as session:
            envelope = await add_event(session, MemberArchived(member_id=member), studio_id=studio)
        assert envelope.sequence == 1
    finally:
        await database.dispose()


async def test_newest_sequence_wins_whatever_the_arrival_order(kit_database):
    database = Database(kit_database)
    studio, member = uuid.uuid4(), uuid.uuid4()
    try:
        async with database.transaction() as session:
            first, second, third = await add_events(session, [MemberArchived(member_id=member)] * 3, studio_id=studio)
        decisions = []
        for envelope in (second, first, third, third):
            async with database.transaction() as session:
                decisions.append(await inbox.is_newest(session, "reader", envelope))
        assert decisions == [True, False, True, False]
        async with database.transaction() as session:
            assert await inbox.claim(session, "reader", first) is True
            assert await inbox.claim(session, "reader", first) is False
            assert await inbox.claim(session, "another-reader", first) is True
    finally:
        await database.dispose()


async def test_a_restatement_repeats_a_sequence_without_taking_a_new_one(kit_database):
    database = Database(kit_database)
    studio, member = uuid.uuid4(), uuid.uuid4()
    try:
        async with database.transaction() as session:
            original = await add_event(session, MemberArchived(member_id=member), studio_id=studio)
            repeat = await add_restatement(session, MemberArchived(member_id=member), studio_id=studio, sequence=1)
            after = await add_event(session, MemberUnarchived(member_id=member), studio_id=studio)
            rows = (
                await session.execute(
                    text("SELECT event_id, (envelope->>'sequence')::int FROM outbox ORDER BY id DESC LIMIT 3")
                )
            ).all()
        assert (original.sequence, repeat.sequence, after.sequence) == (1, 1, 2)
        assert repeat.event_id != original.event_id  # a new event: inboxes do not take it for a redelivery
        assert sorted(sequence for _, sequence in rows) == [1, 1, 2]
        async with database.transaction() as session:
            assert await inbox.is_newest(session, "reader", original) is True
            assert await inbox.is_newest(session, "reader", repeat) is False  # nothing new for "newest wins"
    finally:
        await database.dispose()
