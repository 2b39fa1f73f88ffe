"""Kafka clients with the settings our delivery guarantees need, and topic creation."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import KafkaConnectionError, TopicAlreadyExistsError

from gymloop_kit.logging import get_logger
from gymloop_kit.messaging import kafka_compat

log = get_logger(__name__)


# Throughput without weakening delivery. aiokafka keeps one produce request in flight per broker, so what one
# request carries sets the rate: the relay hands a whole claimed batch (up to 500 events) to the producer at
# once, and a partition's batch may hold it all instead of aiokafka's default 16 KiB (about 25 events). Below
# Kafka's default message.max.bytes (1 MiB). A short linger still merges the events of concurrent commits.
PRODUCER_MAX_BATCH_BYTES = 512 * 1024
PRODUCER_LINGER_MS = 5


def create_producer(
    bootstrap_servers: str,
    client_id: str,
    *,
    request_timeout_ms: int = 15000,
    compression_type: str | None = None,
) -> AIOKafkaProducer:
    """Idempotent producer with acks=all (aiokafka's defaults are acks=1 without idempotence)."""
    kafka_compat.install()
    return AIOKafkaProducer(
        bootstrap_servers=bootstrap_servers,
        client_id=client_id,
        enable_idempotence=True,
        acks="all",
        linger_ms=PRODUCER_LINGER_MS,
        max_batch_size=PRODUCER_MAX_BATCH_BYTES,
        compression_type=compression_type,
        request_timeout_ms=request_timeout_ms,
        retry_backoff_ms=200,
    )


# What every event consumer uses (FastStream's subscriber passes them to aiokafka). No auto-commit: the
# subscriber's AckPolicy.MANUAL turns it off and the consumer commits only what it has processed.
CONSUMER_OPTIONS: dict[str, Any] = {
    "auto_offset_reset": "earliest",
    "isolation_level": "read_committed",
    "max_poll_interval_ms": 300000,
    "session_timeout_ms": 10000,
    "heartbeat_interval_ms": 3000,
}
# How long the broker may hold a fetch that finds nothing new (the consumer's `fetch_max_wait_ms`; the setting
# GYMLOOP_CONSUMER_FETCH_MAX_WAIT_MS). Tansu answers a fetch only when its wait is over, not when data arrives
# (Kafka's long poll does), so on Tansu the wait is the consumer's share of commit-to-handler latency; shorter
# means more idle fetches (an idle consumer's CPU).
FETCH_MAX_WAIT_MS = 50


async def ensure_topics(
    bootstrap_servers: str, names: Iterable[str], *, partitions: int = 3, replication_factor: int = 1
) -> None:
    """Create the missing topics (existing ones are left as they are)."""
    wanted = sorted(set(names))
    if not wanted:
        return
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap_servers)
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        missing = [name for name in wanted if name not in existing]
        if not missing:
            return
        try:
            await admin.create_topics(
                [NewTopic(name, num_partitions=partitions, replication_factor=replication_factor) for name in missing]
            )
        except TopicAlreadyExistsError:
            pass  # another service created it in the meantime
        log.info("topics_created", topics=missing, partitions=partitions)
    finally:
        await admin.close()


async def start_with_retry(client: AIOKafkaProducer | AIOKafkaConsumer, what: str, attempts: int = 30) -> None:
    """Brokers start in parallel with services; wait for one instead of crashing."""
    for attempt in range(1, attempts + 1):
        try:
            await client.start()
            return
        except KafkaConnectionError:
            if attempt == attempts:
                raise
            log.warning("kafka_not_reachable_yet", client=what, attempt=attempt)
            await asyncio.sleep(min(0.2 * attempt, 2.0))
