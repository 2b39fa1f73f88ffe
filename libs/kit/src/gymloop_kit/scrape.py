"""What a scrape of /metrics measures first: database pool use, the outbox's oldest unpublished row, and each
assigned partition's consumer lag. Read-only; a part that cannot be measured now (the broker is away) keeps
its last value and is logged, so one slow dependency never fails the whole scrape."""

from __future__ import annotations

import asyncio

from prometheus_client import Gauge
from sqlalchemy import text
from sqlalchemy.pool import QueuePool

from gymloop_kit.db import Database
from gymloop_kit.logging import get_logger
from gymloop_kit.messaging import metrics
from gymloop_kit.messaging.consumer import EventConsumer
from gymloop_kit.messaging.lag import partition_lags

log = get_logger(__name__)

SCRAPE_TIMEOUT_S = 5.0
OUTBOX_OLDEST_AGE = text(
    "SELECT COALESCE(EXTRACT(EPOCH FROM now() - min(created_at)), 0) FROM outbox WHERE published_at IS NULL"
)

pool_size = Gauge("gymloop_db_pool_size", "Connections the pool keeps (overflow comes on top)", ["service"])
pool_checked_out = Gauge("gymloop_db_pool_checked_out", "Pool connections in use right now", ["service"])
pool_overflow_max = Gauge("gymloop_db_pool_overflow_max", "Connections the pool may open beyond its size", ["service"])

_lag_labels: dict[str, set[tuple[str, str]]] = {}  # per consumer: the partitions it reported last time


def measure_pool(service: str, database: Database) -> None:
    pool_size.labels(service).set(database.pool_size)
    pool_overflow_max.labels(service).set(database.max_overflow)
    pool = database.engine.pool
    if isinstance(pool, QueuePool):  # the pool Database makes; another kind keeps no count
        pool_checked_out.labels(service).set(pool.checkedout())


async def measure_outbox(service: str, database: Database) -> None:
    async with database.engine.connect() as connection:
        age = (await connection.execute(OUTBOX_OLDEST_AGE)).scalar_one()
    metrics.outbox_oldest_age.labels(service).set(float(age))


async def measure_lag(consumer: EventConsumer) -> None:
    kafka = consumer.kafka_consumer
    lags = await partition_lags(kafka) if kafka is not None else {}
    reported = {(partition.topic, str(partition.partition)) for partition in lags}
    for topic, partition in _lag_labels.get(consumer.name, set()) - reported:  # revoked since the last scrape
        metrics.consumer_lag.remove(consumer.name, topic, partition)
    for tp, lag in lags.items():
        metrics.consumer_lag.labels(consumer.name, tp.topic, str(tp.partition)).set(lag)
    _lag_labels[consumer.name] = reported


async def measure(service: str, database: Database, consumer: EventConsumer | None) -> None:
    measure_pool(service, database)
    parts = {"outbox": measure_outbox(service, database)}
    if consumer is not None:
        parts["consumer_lag"] = measure_lag(consumer)
    results = await asyncio.gather(
        *(asyncio.wait_for(part, SCRAPE_TIMEOUT_S) for part in parts.values()), return_exceptions=True
    )
    for name, result in zip(parts, results, strict=True):
        if isinstance(result, BaseException):
            log.warning("metrics_measure_failed", part=name, error=repr(result))
