"""/metrics of a running service (create_service_app, a real database, a private Tansu broker), scraped and parsed
with Prometheus' own text parser: request counts per route template, consumer lag while records wait
unconsumed, the outbox's oldest unpublished row, database pool use, and background job runs and failures."""

from __future__ import annotations

import asyncio
import time
import uuid

import pytest
from fastapi import APIRouter
from gymloop_contracts import wrap
from gymloop_contracts.events.members import MemberArchived
from gymloop_devstack.testing import service_client
from gymloop_kit.app import ServiceRuntime, ServiceSpec, create_service_app
from gymloop_kit.db import Database
from gymloop_kit.messaging.consumer import Subscriptions
from gymloop_kit.messaging.kafka import create_producer
from gymloop_kit.messaging.outbox import add_event
from gymloop_kit.periodic import idle_forever, run_periodically
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import text

pytestmark = pytest.mark.integration

Samples = list[tuple[str, dict[str, str], float]]


async def scrape(http) -> Samples:
    answer = await http.get("/metrics")
    assert answer.status_code == 200
    return [(s.name, s.labels, s.value) for family in text_string_to_metric_families(answer.text)
            for s in family.samples]  # fmt: skip


def value(samples: Samples, name: str, **labels: str) -> float | None:
    found = [v for n, ls, v in samples if n == name and all(ls.get(k) == want for k, want in labels.items())]
    return sum(found) if found else None


def _router() -> APIRouter:
    router = APIRouter()

    @router.get("/items/{item_id}")
    async def item(item_id: str) -> dict[str, str]:
        if item_id == "broken":
            raise RuntimeError("this item always fails")
        return {"id": item_id}

    return router


async def _until(condition, timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while not await condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} within {timeout_s}s")
        await asyncio.sleep(0.2)


async def test_metrics_show_requests_lag_outbox_age_pool_and_jobs(kit_database, make_settings, private_kafka):
    tag = uuid.uuid4().hex[:8]  # job names of this run only: the registry is the process's
    gate = asyncio.Event()

    async def held_until_released(session, event: MemberArchived, envelope) -> None:
        await gate.wait()  # the consumer has fetched the records but commits nothing before this returns

    sweeps = 0

    async def flaky_sweep(runtime: ServiceRuntime) -> None:
        async def step() -> int:
            nonlocal sweeps
            sweeps += 1
            if sweeps == 1:
                raise RuntimeError("the first sweep fails")
            return 0

        await run_periodically(f"sweep-{tag}", step, interval_s=0.05, backoff_base_s=0.05, backoff_max_s=0.05)

    crashed: list[bool] = []

    async def crashes_once(runtime: ServiceRuntime) -> None:
        if not crashed:
            crashed.append(True)
            raise RuntimeError("the first run crashes")
        await idle_forever()

    crashes_once.__name__ = f"crashes-{tag}"
    subscriptions = Subscriptions()
    subscriptions.on(MemberArchived)(held_until_released)
    spec = ServiceSpec(name="kitmetrics", description="kit metrics test service", routers=[_router()],
                       subscriptions=subscriptions, background_jobs=[flaky_sweep, crashes_once])  # fmt: skip
    settings = make_settings("kitmetrics", kit_database, kafka=private_kafka.bootstrap_servers, relay_enabled=False)
    app = create_service_app(spec, settings)
    database = Database(kit_database)
    sender = create_producer(private_kafka.bootstrap_servers, "test-sender")
    studio = uuid.uuid4()
    try:
        async with service_client(app) as http:
            runtime = app.state.runtime
            await asyncio.wait_for(runtime.consumer.assigned.wait(), 30)

            for path in ("/items/a", "/items/b", "/items/broken", "/no-such-route"):
                await http.get(path)
            samples = await scrape(http)
            requests = "gymloop_http_requests_total"
            assert value(samples, requests, service="kitmetrics", route="/items/{item_id}", status_class="2xx") == 2
            assert value(samples, requests, service="kitmetrics", route="/items/{item_id}", status_class="5xx") == 1
            assert value(samples, requests, service="kitmetrics", route="unmatched", status_class="4xx") == 1
            assert not [ls for n, ls, _ in samples if n == requests and ls["route"].startswith("/items/a")]
            assert value(samples, "gymloop_http_request_duration_seconds_count", route="/items/{item_id}") == 3

            # Produced, fetched by the consumer and held: the group's committed offset has not moved.
            await sender.start()
            for n in range(3):
                envelope = wrap(MemberArchived(member_id=uuid.uuid4(), reason=f"held-{n}"), studio_id=studio,
                                producer="members", correlation_id="lag", sequence=1)  # fmt: skip
                await sender.send_and_wait("MemberArchived", envelope.model_dump_json().encode(), key=b"one")

            async def lag_is(expected: float) -> bool:
                return value(await scrape(http), "gymloop_consumer_lag", consumer="kitmetrics",
                             topic="MemberArchived") == expected  # fmt: skip

            await _until(lambda: lag_is(3), 20, "a lag of 3 unconsumed records was not shown")
            gate.set()
            await _until(lambda: lag_is(0), 30, "the lag did not return to 0 once the records were consumed")

            # The relay is off: a queued event stays unpublished and ages.
            assert value(await scrape(http), "gymloop_outbox_oldest_unpublished_age_seconds",
                         service="kitmetrics") == 0  # fmt: skip
            async with database.transaction() as session:
                await add_event(session, MemberArchived(member_id=uuid.uuid4(), reason="queued"), studio_id=studio)
            await asyncio.sleep(0.05)
            samples = await scrape(http)
            assert value(samples, "gymloop_outbox_oldest_unpublished_age_seconds", service="kitmetrics") > 0

            assert value(samples, "gymloop_db_pool_size", service="kitmetrics") == settings.database_pool_size
            async with runtime.database.transaction() as session:  # a connection of the service's pool in use
                await session.execute(text("SELECT 1"))  # a session takes its connection at its first statement
                in_use = value(await scrape(http), "gymloop_db_pool_checked_out", service="kitmetrics")
            assert in_use is not None
            assert in_use >= 1
            assert value(samples, "gymloop_db_pool_overflow_max", service="kitmetrics") == settings.database_pool_size

            async def jobs_counted() -> bool:
                samples = await scrape(http)
                return bool(
                    value(samples, "gymloop_job_runs_total", task=f"sweep-{tag}", outcome="failed") == 1
                    and (value(samples, "gymloop_job_runs_total", task=f"sweep-{tag}", outcome="ok") or 0) >= 1
                    and value(samples, "gymloop_task_failures_total", service="kitmetrics", task=f"crashes-{tag}") == 1
                )

            await _until(jobs_counted, 10, "the job runs, the failed step and the task's crash were not counted")
    finally:
        gate.set()
        await sender.stop()
        await database.dispose()
