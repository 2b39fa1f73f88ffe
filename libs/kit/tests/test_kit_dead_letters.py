"""A poison message lands in <topic>.DLQ with its error and origin; the messages behind it still get processed."""

import uuid

import pytest
from aiokafka import AIOKafkaConsumer
from delivery_harness import applied_event_ids, delivery, wait_for_effects
from gymloop_contracts import wrap
from gymloop_contracts.events.members import MemberArchived
from gymloop_kit.db import Database
from gymloop_kit.messaging.kafka import create_producer, ensure_topics

pytestmark = pytest.mark.integration


async def _read_dlq(bootstrap: str, expected: int) -> list:
    consumer = AIOKafkaConsumer(
        "MemberArchived.DLQ", bootstrap_servers=bootstrap, group_id=f"dlq-{uuid.uuid4()}", auto_offset_reset="earliest"
    )
    await consumer.start()
    records = []
    try:
        for _ in range(60):
            batches = await consumer.getmany(timeout_ms=500)
            records += [record for batch in batches.values() for record in batch]
            if len(records) >= expected:
                break
    finally:
        await consumer.stop()
    return records


async def test_poison_messages_go_to_the_dlq_and_the_partition_moves_on(kit_database, private_kafka):
    bootstrap = private_kafka.bootstrap_servers
    database = Database(kit_database)
    studio = uuid.uuid4()
    key = b"one-member-one-partition"
    await ensure_topics(bootstrap, ["MemberArchived", "MemberArchived.DLQ"])
    producer = create_producer(bootstrap, "poisoner")
    await producer.start()

    def envelope(reason: str):
        return wrap(MemberArchived(member_id=uuid.uuid4(), reason=reason), studio_id=studio, producer="members",
                    correlation_id="poison-test", sequence=1)  # fmt: skip

    behind = [envelope(f"ok-{n}") for n in range(5)]
    failing = envelope("fail-always")
    try:
        # Same key, so the same partition: garbage, an event whose handler always fails, then good events.
        await producer.send_and_wait("MemberArchived", b"{not json", key=key)
        await producer.send_and_wait("MemberArchived", failing.model_dump_json().encode(), key=key)
        for good in behind:
            await producer.send_and_wait("MemberArchived", good.model_dump_json().encode(), key=key)
        async with delivery(database, bootstrap, with_relay=False):
            await wait_for_effects(database, studio, len(behind))
        assert set(await applied_event_ids(database, studio)) == {good.event_id for good in behind}

        dead = await _read_dlq(bootstrap, 2)
        assert [record.value for record in dead] == [b"{not json", failing.model_dump_json().encode()]
        headers = [dict(record.headers) for record in dead]
        assert headers[0]["dlq_error_type"] == b"PoisonMessage"
        assert headers[1]["dlq_error_type"] == b"RuntimeError"
        assert b"handler refuses fail-always" in headers[1]["dlq_error"]
        assert headers[1]["dlq_attempts"] == b"3"
        for header in headers:
            assert header["dlq_origin_topic"] == b"MemberArchived"
            assert header["dlq_consumer"] == b"kit-consumer"
        assert int(headers[1]["dlq_origin_offset"]) == int(headers[0]["dlq_origin_offset"]) + 1
        assert dead[0].key == key
    finally:
        await producer.stop()
        await database.dispose()
