"""Two relays on one outbox claim rows with SKIP LOCKED and publish their batches at the same time, so events of
one aggregate can reach the broker out of their order. Consumers therefore do not rely on per-aggregate order: a
consumer of state-carrying events subscribes newest_only and applies by `sequence`; it ends at each aggregate's
newest state and never goes back to an older one."""

from __future__ import annotations

import asyncio
import itertools
import random
import uuid
from collections import defaultdict

import pytest
from delivery_harness import TOPICS, unpublished
from gymloop_contracts import Envelope
from gymloop_contracts.events.members import MemberArchived
from gymloop_kit.db import Database
from gymloop_kit.messaging.consumer import EventConsumer, Subscriptions
from gymloop_kit.messaging.kafka import create_producer, ensure_topics
from gymloop_kit.messaging.outbox import add_event
from gymloop_kit.messaging.relay import OutboxRelay
from kit_fixtures import effects, record_effect
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

pytestmark = pytest.mark.integration

MEMBERS = 4
EVENTS = 600


async def _write(database: Database, studio: uuid.UUID, members: list[uuid.UUID]) -> dict[str, int]:
    """EVENTS events over a few members in small transactions; returns each member's last sequence."""
    rng = random.Random(19)
    last: dict[str, int] = {}
    written = 0
    while written < EVENTS:
        async with database.transaction() as session:
            for _ in range(min(rng.randint(1, 8), EVENTS - written)):
                event = MemberArchived(member_id=rng.choice(members), reason=f"n{written}")
                envelope = await add_event(session, event, studio_id=studio)
                last[envelope.aggregate_id] = envelope.sequence
                written += 1
    return last


async def _applied_states(database: Database, studio: uuid.UUID) -> dict[str, list[int]]:
    """Per member, the sequences of the events the newest-only handler applied, in the order it applied them."""
    async with database.transaction() as session:
        carried = {
            row[0]: (row[1], int(row[2]))
            for row in await session.execute(
                text("SELECT event_id, envelope->>'aggregate_id', (envelope->>'sequence') FROM outbox")
            )
        }
        applied = await session.execute(
            select(effects.c.event_id).where(effects.c.studio_id == studio).order_by(effects.c.id)
        )
        states: dict[str, list[int]] = defaultdict(list)
        for (event_id,) in applied:
            member, sequence = carried[event_id]
            states[member].append(sequence)
        return states


async def test_two_relays_on_one_outbox_and_a_newest_only_consumer_end_at_each_newest_state(
    kit_database, private_kafka
):
    bootstrap = private_kafka.bootstrap_servers
    database = Database(kit_database)
    studio = uuid.uuid4()
    members = [uuid.uuid4() for _ in range(MEMBERS)]
    arrivals: dict[str, list[int]] = defaultdict(list)

    async def note_arrival(session: AsyncSession, event: MemberArchived, envelope: Envelope) -> None:
        arrivals[envelope.aggregate_id].append(envelope.sequence)

    subscriptions = Subscriptions(consumer="kit-two-relays")
    subscriptions.on(MemberArchived)(note_arrival)
    subscriptions.on(MemberArchived, newest_only=True)(record_effect)
    await ensure_topics(bootstrap, TOPICS)
    producers = [create_producer(bootstrap, f"relay-{n}") for n in range(2)]
    for producer in producers:
        await producer.start()
    # Small batches, so the two relays' claims interleave many times.
    relays = [OutboxRelay(database, producer, service="kit", batch_size=7, poll_interval=0.2) for producer in producers]
    consumer = EventConsumer(
        name="kit-two-relays", database=database, subscriptions=subscriptions, bootstrap_servers=bootstrap,
        dlq_producer=producers[0], retry_base_s=0.01,
    )  # fmt: skip
    tasks = [asyncio.create_task(item.run()) for item in (*relays, consumer)]
    try:
        last = await _write(database, studio, members)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 120
        while sum(map(len, arrivals.values())) < EVENTS or await unpublished(database):
            assert loop.time() < deadline, f"only {sum(map(len, arrivals.values()))} of {EVENTS} events arrived"
            await asyncio.sleep(0.2)
        await asyncio.sleep(1.0)  # late duplicates would show up now

        for member, newest in last.items():
            assert sorted(arrivals[member]) == list(range(1, newest + 1)), "each event of the member arrived once"
        states = await _applied_states(database, studio)
        assert set(states) == set(last)
        for member, applied in states.items():
            assert applied == sorted(set(applied)), f"an older state was applied after a newer one: {applied}"
            assert applied[-1] == last[member], "the member ends at its newest state"
        late = sum(1 for seen in arrivals.values() for before, after in itertools.pairwise(seen) if after < before)
        print(f"{late} of {EVENTS} events arrived after a newer one of their member; none of them was applied")
    finally:
        for item in (*relays, consumer):
            item.stop()
        await asyncio.gather(*tasks, return_exceptions=True)
        for producer in producers:
            await producer.stop()
        await database.dispose()
