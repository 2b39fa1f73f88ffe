"""Supervision under a running service (create_service_app, a real database, a private Tansu broker): a consumer
whose dead-letter producer fails restarts and keeps consuming; a frozen broker is survived, and /health turns
503 once the consumer has been down longer than the limit, and 200 again when the broker is back."""

from __future__ import annotations

import asyncio
import time
import uuid

import pytest
from delivery_harness import applied_event_ids, read_dlq
from gymloop_contracts import wrap
from gymloop_contracts.events.members import MemberArchived
from gymloop_devstack.testing import service_client
from gymloop_kit.app import ServiceSpec, create_service_app
from gymloop_kit.db import Database
from gymloop_kit.messaging.consumer import Subscriptions
from gymloop_kit.messaging.kafka import create_producer
from gymloop_kit.messaging.outbox import add_event
from kit_fixtures import record_effect

pytestmark = pytest.mark.integration


def _app(settings):
    subscriptions = Subscriptions()
    subscriptions.on(MemberArchived)(record_effect)
    spec = ServiceSpec(name="kitdemo", description="kit test service", subscriptions=subscriptions)
    return create_service_app(spec, settings)


async def _until(condition, timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while not await condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} within {timeout_s}s")
        await asyncio.sleep(0.2)


async def test_a_failing_dlq_producer_restarts_the_consumer_which_keeps_consuming(
    kit_database, make_settings, private_kafka
):
    bootstrap = private_kafka.bootstrap_servers
    settings = make_settings("kitdemo", kit_database, kafka=bootstrap, consumer_max_attempts=2,
                             task_restart_backoff_max_s=0.5)  # fmt: skip
    app = _app(settings)
    database = Database(kit_database)
    studio = uuid.uuid4()
    failing = wrap(MemberArchived(member_id=uuid.uuid4(), reason="fail-always"), studio_id=studio,
                   producer="members", correlation_id="dlq-broken", sequence=1)  # fmt: skip
    behind = [wrap(MemberArchived(member_id=uuid.uuid4(), reason=f"ok-{n}"), studio_id=studio, producer="members",
                   correlation_id="dlq-broken", sequence=1) for n in range(3)]  # fmt: skip
    sender = create_producer(bootstrap, "test-sender")
    try:
        async with service_client(app) as http:
            runtime = app.state.runtime
            await asyncio.wait_for(runtime.consumer.assigned.wait(), 30)
            # The dead-letter producer (the service's producer) fails its first two sends to a DLQ.
            real_send = runtime.producer.send
            refused: list[str] = []

            async def send(topic, *args, **kwargs):
                if topic.endswith(".DLQ") and len(refused) < 2:
                    refused.append(topic)
                    raise RuntimeError("the dead-letter producer is broken")
                return await real_send(topic, *args, **kwargs)

            runtime.producer.send = send
            await sender.start()
            for envelope in [failing, *behind]:
                await sender.send_and_wait("MemberArchived", envelope.model_dump_json().encode(), key=b"one-member")

            async def all_behind_applied() -> bool:
                return len(await applied_event_ids(database, studio)) == len(behind)

            await _until(all_behind_applied, 60, "the events behind the failing one were not applied")
            assert refused == ["MemberArchived.DLQ"] * 2
            ready = (await http.get("/ready")).json()
            assert ready["checks"]["consumer"]["restarts"] == 2
            assert "RuntimeError" in ready["checks"]["consumer"]["error"]  # down until a run lasts a while
            assert not runtime.tasks["consumer"].done()
        assert sorted(await applied_event_ids(database, studio)) == sorted(e.event_id for e in behind)
        dead = await read_dlq(bootstrap, "MemberArchived.DLQ", 1)
        assert [record.value for record in dead] == [failing.model_dump_json().encode()]
    finally:
        await sender.stop()
        await database.dispose()


async def test_a_frozen_broker_is_survived_and_health_turns_503_while_it_is_down_long(
    kit_database, make_settings, private_kafka
):
    settings = make_settings("kitdemo", kit_database, kafka=private_kafka.bootstrap_servers, task_down_limit_s=3.0)
    app = _app(settings)
    database = Database(kit_database)
    studio = uuid.uuid4()

    async def archive() -> uuid.UUID:
        async with database.transaction() as session:
            envelope = await add_event(session, MemberArchived(member_id=uuid.uuid4(), reason="x"), studio_id=studio)
        return envelope.event_id

    try:
        async with service_client(app) as http:
            runtime = app.state.runtime
            await asyncio.wait_for(runtime.consumer.assigned.wait(), 30)
            before = await archive()

            async def applied(event_id: uuid.UUID) -> bool:
                return event_id in await applied_event_ids(database, studio)

            await _until(lambda: applied(before), 30, "the first event was not applied")
            assert (await http.get("/health")).status_code == 200

            private_kafka.freeze()  # the broker stops answering, connections stay
            frozen_at = time.monotonic()
            try:
                during = await archive()

                async def health_failing() -> bool:
                    return (await http.get("/health")).status_code == 503

                await _until(health_failing, 30, "/health did not turn 503 while the broker was down")
                assert time.monotonic() - frozen_at >= 3.0, "not before the limit"
                body = (await http.get("/health")).json()
                assert body["status"] == "failing"
                assert "consumer" in body["tasks_down"]
                ready = await http.get("/ready")
                assert ready.status_code == 503
                assert ready.json()["checks"]["consumer"]["status"] == "down"
            finally:
                private_kafka.thaw()

            await _until(lambda: applied(during), 90, "the event written during the outage was not applied")

            async def health_ok() -> bool:
                return (await http.get("/health")).status_code == 200

            await _until(health_ok, 30, "/health did not recover")
            assert not runtime.tasks["relay"].done()
            assert not runtime.tasks["consumer"].done()
        assert sorted(await applied_event_ids(database, studio)) == sorted([before, during])
    finally:
        await database.dispose()
