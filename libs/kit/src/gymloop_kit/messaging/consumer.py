"""Consuming events: at-least-once delivery from Kafka, exactly-once effects through the inbox.

One database transaction holds a batch's inbox rows and the handlers' effects (one by one after a failure).
Offsets are committed only after the messages before them were processed (never auto-commit), so a crash
redelivers and the inbox drops what was already applied. A message that keeps failing is retried a bounded
number of times, then sent to `<topic>.DLQ` with its error and origin in headers, and the partition moves on.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from aiokafka import AIOKafkaProducer, ConsumerRecord, TopicPartition
from aiokafka.errors import CommitFailedError, KafkaError
from aiokafka.structs import OffsetAndMetadata
from gymloop_contracts import Envelope, EventPayload, dlq_topic
from pydantic import ValidationError
from tenacity import AsyncRetrying, stop_after_attempt, wait_exponential

from gymloop_kit.db import Database
from gymloop_kit.logging import correlation_id_var, get_logger, traceparent_var
from gymloop_kit.messaging import inbox, metrics
from gymloop_kit.messaging.kafka import create_consumer, start_with_retry
from gymloop_kit.messaging.subscriptions import Handler, Subscription, Subscriptions

log = get_logger(__name__)


@dataclass(frozen=True)
class _Work:
    record: ConsumerRecord
    envelope: Envelope
    subscription: Subscription
    payload: EventPayload


@contextlib.contextmanager
def _event_context(envelope: Envelope) -> Iterator[None]:
    """Logs and events written by a handler carry the correlation id and trace of the event it handles."""
    correlation_token = correlation_id_var.set(envelope.correlation_id)
    trace_token = traceparent_var.set(envelope.traceparent)
    try:
        yield
    finally:
        correlation_id_var.reset(correlation_token)
        traceparent_var.reset(trace_token)


class PoisonMessage(Exception):
    """A message that can never be processed (not JSON, not an envelope, unknown contract)."""


class EventConsumer:
    def __init__(
        self,
        *,
        name: str,
        database: Database,
        subscriptions: Subscriptions,
        bootstrap_servers: str,
        dlq_producer: AIOKafkaProducer,
        max_attempts: int = 5,
        retry_base_s: float = 0.05,
        batch_size: int = 500,
        group_id: str | None = None,
    ) -> None:
        self.name = name
        self.group_id = group_id or name
        self.database = database
        self.subscriptions = subscriptions
        self.bootstrap_servers = bootstrap_servers
        self.dlq_producer = dlq_producer
        self.max_attempts = max_attempts
        self.retry_base_s = retry_base_s
        self.batch_size = batch_size
        self._stopping = asyncio.Event()
        self.assigned = asyncio.Event()

    def stop(self) -> None:
        self._stopping.set()

    async def run(self) -> None:
        consumer = create_consumer(self.bootstrap_servers, self.group_id, self.subscriptions.topics)
        await start_with_retry(consumer, f"consumer {self.group_id}")
        log.info("consumer_started", consumer=self.name, topics=self.subscriptions.topics)
        try:
            while not self._stopping.is_set():
                batches = await consumer.getmany(timeout_ms=500, max_records=self.batch_size)
                if consumer.assignment():
                    self.assigned.set()
                for partition, records in batches.items():
                    if self._stopping.is_set():
                        break
                    await self.process_batch(records)
                    # Only processed offsets are committed; a crash before this redelivers the batch, and the
                    # inbox turns those redeliveries into no-ops.
                    await self._commit(consumer, partition, records[-1].offset + 1)
        finally:
            with contextlib.suppress(Exception):
                await consumer.stop()
            log.info("consumer_stopped", consumer=self.name)

    async def process_batch(self, records: list[ConsumerRecord]) -> None:
        """All of a partition's fetched records in one transaction (one inbox statement, one commit).

        If any handler fails, that transaction rolls back and the records are processed one by one, each with
        its own retries and, in the end, the DLQ: a bad message costs speed, never correctness."""
        work: list[_Work] = []
        for record in records:
            item = await self._prepare(record)
            if item is not None:
                work.append(item)
        if not work:
            return
        if len(work) > 1:
            try:
                await self._apply_together(work)
                return
            except Exception as error:
                log.warning("batch_failed_retrying_one_by_one", size=len(work), error=repr(error))
        for item in work:
            await self._apply_alone(item)

    async def _prepare(self, record: ConsumerRecord) -> _Work | None:
        try:
            envelope, subscription = self._decode(record)
            if subscription is None:
                return None  # a type or version this service does not handle
            payload = subscription.model.model_validate(envelope.payload)
        except (PoisonMessage, ValidationError) as error:
            await self._dead_letter(record, error, attempts=1)
            return None
        return _Work(record, envelope, subscription, payload)

    async def _apply_together(self, work: list[_Work]) -> None:
        outcomes: list[tuple[str, str]] = []
        async with self.database.transaction() as session:
            fresh = await inbox.claim_many(session, self.name, [item.envelope for item in work])
            for item in work:
                if item.envelope.event_id not in fresh:
                    outcomes.append((item.envelope.event_type, "duplicate"))
                    continue
                fresh.discard(item.envelope.event_id)  # the same event twice in one batch applies once
                with _event_context(item.envelope):
                    await item.subscription.handler(session, item.payload, item.envelope)
                outcomes.append((item.envelope.event_type, "applied"))
        for event_type, outcome in outcomes:
            metrics.consumer_processed.labels(self.name, event_type, outcome).inc()

    async def _apply_alone(self, item: _Work) -> None:
        envelope = item.envelope
        try:
            outcome = "failed"
            retrying = AsyncRetrying(
                stop=stop_after_attempt(self.max_attempts),
                wait=wait_exponential(multiplier=self.retry_base_s, max=5),
                reraise=True,
            )
            async for attempt in retrying:
                with attempt, _event_context(envelope):
                    async with self.database.transaction() as session:
                        if not await inbox.claim(session, self.name, envelope):
                            outcome = "duplicate"
                        else:
                            await item.subscription.handler(session, item.payload, envelope)
                            outcome = "applied"
            metrics.consumer_processed.labels(self.name, envelope.event_type, outcome).inc()
        except Exception as error:
            log.exception("message_failed", event_id=str(envelope.event_id), event_type=envelope.event_type)
            await self._dead_letter(item.record, error, attempts=self.max_attempts)

    def _decode(self, record: ConsumerRecord) -> tuple[Envelope, Subscription | None]:
        try:
            envelope = Envelope.model_validate_json(record.value or b"")
        except ValidationError as error:
            raise PoisonMessage(f"not a valid event envelope: {error.errors()[:3]}") from error
        return envelope, self.subscriptions.get(envelope.event_type, envelope.version)

    async def _dead_letter(self, record: ConsumerRecord, error: BaseException, *, attempts: int) -> None:
        target = dlq_topic(record.topic)
        headers = list(record.headers or ()) + [
            ("dlq_error", repr(error)[:4000].encode()),
            ("dlq_error_type", type(error).__name__.encode()),
            ("dlq_origin_topic", record.topic.encode()),
            ("dlq_origin_partition", str(record.partition).encode()),
            ("dlq_origin_offset", str(record.offset).encode()),
            ("dlq_consumer", self.name.encode()),
            ("dlq_attempts", str(attempts).encode()),
        ]
        await (await self.dlq_producer.send(target, value=record.value, key=record.key, headers=headers))
        metrics.consumer_dead_lettered.labels(self.name, record.topic).inc()
        log.error("message_dead_lettered", topic=record.topic, partition=record.partition, offset=record.offset,
                  dlq=target, error=repr(error))  # fmt: skip

    async def _commit(self, consumer: Any, partition: TopicPartition, offset: int) -> None:
        try:
            await consumer.commit({partition: OffsetAndMetadata(offset, "")})
        except (CommitFailedError, KafkaError) as error:
            # A rebalance took the partition away: its new owner redelivers, and the inbox drops duplicates.
            log.warning("commit_failed", partition=str(partition), offset=offset, error=repr(error))


__all__ = ["EventConsumer", "Handler", "PoisonMessage", "Subscription", "Subscriptions"]
