"""Consuming events: at-least-once delivery from Kafka, exactly-once effects through the inbox.

FastStream's KafkaBroker runs the fetch loop; one database transaction holds a partition's batch of inbox rows
and the handlers' effects (one by one after a failure). Offsets are committed only after the messages before
them were processed (never auto-commit), so a crash redelivers and the inbox drops what was already applied.
A message that keeps failing is retried a bounded number of times, then sent to `<topic>.DLQ` with its error
and origin in headers, and the partition moves on. An event older than the inbox remembers is not applied
(see retention.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRebalanceListener, ConsumerRecord, TopicPartition
from aiokafka.errors import CommitFailedError, KafkaError
from aiokafka.structs import OffsetAndMetadata
from faststream.kafka import KafkaBroker
from faststream.middlewares import AckPolicy
from gymloop_contracts import Envelope, EventPayload, dlq_topic
from opentelemetry.trace import Tracer
from pydantic import ValidationError
from tenacity import AsyncRetrying, stop_after_attempt, wait_exponential

from gymloop_kit import tracing
from gymloop_kit.db import Database
from gymloop_kit.logging import correlation_id_var, get_logger, traceparent_var
from gymloop_kit.messaging import inbox, kafka_compat, metrics
from gymloop_kit.messaging.kafka import CONSUMER_OPTIONS, FETCH_MAX_WAIT_MS
from gymloop_kit.messaging.subscriptions import Handler, Subscription, Subscriptions
from gymloop_kit.supervision import Liveness

log = get_logger(__name__)
# FastStream logs every message it hands over at its service level: DEBUG, so only its warnings and errors show.
_faststream_log = logging.getLogger("gymloop_kit.faststream")
# How long one poll of the fetched buffer waits (FastStream sleeps as long again after an empty poll): short,
# so commit-to-handler latency stays low; the broker-side fetch wait is `fetch_max_wait_ms` (FETCH_MAX_WAIT_MS).
BATCH_WAIT_MS = 10


async def _records(message: Any) -> Any:
    """FastStream's decoder for our subscriber: the raw records (we decode and validate envelopes ourselves,
    so a record that is not JSON reaches us and goes to the DLQ instead of failing inside FastStream)."""
    return message.raw_message


@dataclass(frozen=True)
class _Work:
    record: ConsumerRecord
    envelope: Envelope
    subscription: Subscription
    payload: EventPayload


def _header(record: ConsumerRecord, name: str) -> str | None:
    for key, value in record.headers or ():
        if key == name and value:
            return bytes(value).decode("ascii", errors="replace")
    return None


@contextlib.contextmanager
def _event_context(envelope: Envelope, record: ConsumerRecord, consumer: str, tracer: Tracer | None) -> Iterator[None]:
    """Logs and events written by a handler carry the correlation id and trace of the event it handles; with
    tracing on, the handler runs in a span continuing the event's trace (from the relay's publish span, named
    by the record's header; an event published without one continues the span that wrote it)."""
    arrived_in = _header(record, "traceparent") or envelope.traceparent
    correlation_token = correlation_id_var.set(envelope.correlation_id)
    trace_token = traceparent_var.set(arrived_in)
    try:
        with tracing.consuming(tracer, envelope, traceparent=arrived_in, consumer=consumer, topic=record.topic,
                               partition=record.partition, offset=record.offset):  # fmt: skip
            yield
    finally:
        correlation_id_var.reset(correlation_token)
        traceparent_var.reset(trace_token)


class PoisonMessage(Exception):
    """A message that can never be processed (not JSON, not an envelope, unknown contract)."""


class EventTooOld(Exception):
    """An event older than the inbox's memory: applying it could apply a redelivery twice."""


class _KnownDuplicate(Exception):
    pass


class _Assignment(ConsumerRebalanceListener):
    """Sets `assigned` once the group gave this consumer partitions (tests and benchmarks wait for it)."""

    def __init__(self, assigned: asyncio.Event) -> None:
        self.assigned = assigned

    async def on_partitions_revoked(self, revoked: Any) -> None:
        return None

    async def on_partitions_assigned(self, assigned: Any) -> None:
        if assigned:
            self.assigned.set()


class EventConsumer:
    """A service's consumer: a FastStream `KafkaBroker` batch subscriber under our delivery rules.

    FastStream runs the fetch loop (one consumer group per service, earliest offset, read_committed, no
    auto-commit: `AckPolicy.MANUAL`); each fetched batch is split by partition and each partition's records are
    applied in one transaction, then that partition's offset is committed. The inbox, the retries with
    backoff and the DLQ are ours (FastStream has no DLQ, and its NACK redelivers without backoff).

    An unexpected error (the DLQ producer fails, the database is gone) ends `run()` with that error after the
    broker is stopped, with nothing of the failed batch committed: the supervisor restarts the consumer, which
    gets the uncommitted records again. `liveness` is down while the broker does not answer."""

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
        max_event_age_s: float | None = None,
        probe_interval_s: float = 2.0,
        partition_concurrency: int = 4,
        fetch_max_wait_ms: int = FETCH_MAX_WAIT_MS,
        tracer: Tracer | None = None,
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
        self.max_event_age_s = max_event_age_s
        self.probe_interval_s = probe_interval_s
        self.partition_concurrency = max(1, partition_concurrency)
        self.fetch_max_wait_ms = fetch_max_wait_ms
        self.tracer = tracer  # None: tracing is off
        self.liveness = Liveness()
        self._stopping = asyncio.Event()
        self._failure: asyncio.Future[BaseException] | None = None
        self._subscriber: Any = None
        self.assigned = asyncio.Event()

    def stop(self) -> None:
        self._stopping.set()

    @property
    def kafka_consumer(self) -> AIOKafkaConsumer | None:
        """The running aiokafka consumer (None before it started): its assignment and offsets give the lag."""
        return self._subscriber.consumer if self._subscriber is not None else None

    async def run(self) -> None:
        """Consume until `stop()`; raises the error that made a batch fail (nothing of it is committed)."""
        kafka_compat.install()  # FastStream builds aiokafka clients: give them the same protocol support
        self._failure = asyncio.get_running_loop().create_future()
        broker = KafkaBroker(
            self.bootstrap_servers, client_id=self.group_id, consumer_only=True, apply_types=False,
            logger=_faststream_log, log_level=logging.DEBUG, graceful_timeout=30,
        )  # fmt: skip
        subscriber = broker.subscriber(
            *self.subscriptions.topics, batch=True, group_id=self.group_id, max_records=self.batch_size,
            batch_timeout_ms=BATCH_WAIT_MS, ack_policy=AckPolicy.MANUAL, decoder=_records,
            listener=_Assignment(self.assigned), fetch_max_wait_ms=self.fetch_max_wait_ms, **CONSUMER_OPTIONS,
        )  # fmt: skip
        subscriber(self._on_batch)
        self._subscriber = subscriber
        stopping: asyncio.Future[Any] = asyncio.ensure_future(self._stopping.wait())
        waiters: list[asyncio.Future[Any]] = [stopping, self._failure]
        try:
            await broker.start()
            log.info("consumer_started", consumer=self.name, topics=self.subscriptions.topics)
            while not self._stopping.is_set() and not self._failure.done():
                await asyncio.wait(waiters, timeout=self.probe_interval_s,
                                   return_when=asyncio.FIRST_COMPLETED)  # fmt: skip
                await self._probe(subscriber.consumer)
        finally:
            stopping.cancel()
            with contextlib.suppress(Exception):
                await broker.stop()
            log.info("consumer_stopped", consumer=self.name)
        if self._failure.done() and not self._stopping.is_set():
            raise self._failure.result()

    async def _probe(self, consumer: AIOKafkaConsumer | None) -> None:
        """The fetch loop retries a missing broker quietly; ask it directly so /health can tell."""
        if consumer is None or self._stopping.is_set():
            return
        try:
            await asyncio.wait_for(consumer.topics(), timeout=max(1.0, self.probe_interval_s))
        except Exception as error:
            self.liveness.down(f"broker not answering: {error!r}")
        else:
            self.liveness.up()

    async def _on_batch(self, records: tuple[ConsumerRecord, ...]) -> None:
        """FastStream's handler: one fetched batch, possibly of several partitions."""
        assert self._failure is not None
        if self._failure.done() or self._stopping.is_set():
            return  # not committed: the restarted consumer (or the group's next owner) gets these again
        by_partition: dict[TopicPartition, list[ConsumerRecord]] = {}
        for record in records:
            by_partition.setdefault(TopicPartition(record.topic, record.partition), []).append(record)
        consumer = self._subscriber.consumer if self._subscriber is not None else None
        # The partitions of a batch are independent (an aggregate's events share one partition): they are
        # applied side by side, each in its own transaction, so one partition's database round trips overlap
        # another's instead of adding up; each partition keeps its order.
        limit = asyncio.Semaphore(self.partition_concurrency)

        async def apply(batch: list[ConsumerRecord]) -> bool:
            async with limit:
                if self._stopping.is_set():
                    return False  # not committed: the group's next owner gets these again
                await self.process_batch(batch)
                return True

        outcomes = await asyncio.gather(*(apply(batch) for batch in by_partition.values()), return_exceptions=True)
        # Only processed offsets are committed, all of the batch's in one request; a crash before this
        # redelivers them, and the inbox turns those redeliveries into no-ops.
        done = {
            partition: OffsetAndMetadata(batch[-1].offset + 1, "")
            for (partition, batch), outcome in zip(by_partition.items(), outcomes, strict=True)
            if outcome is True
        }
        if done:
            try:
                await self._commit(consumer, done)
            except Exception as commit_error:
                outcomes.append(commit_error)
        errors = [outcome for outcome in outcomes if isinstance(outcome, BaseException)]
        if errors:
            first = errors[0]
            log.error("consumer_batch_failed", consumer=self.name, error=repr(first), exc_info=first)
            if not self._failure.done():
                self._failure.set_result(first if isinstance(first, Exception) else RuntimeError(repr(first)))

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
            await self._refuse_if_expired(envelope)
        except (PoisonMessage, ValidationError, EventTooOld) as error:
            await self._dead_letter(record, error, attempts=1)
            return None
        except _KnownDuplicate:
            metrics.consumer_processed.labels(self.name, envelope.event_type, "duplicate").inc()
            return None
        return _Work(record, envelope, subscription, payload)

    async def _refuse_if_expired(self, envelope: Envelope) -> None:
        """The guard that makes purging the inbox safe (see retention.py): an event older than the inbox keeps
        its rows cannot be told from a redelivery whose inbox row is gone, so it is not applied."""
        if self.max_event_age_s is None:
            return
        age = (datetime.now(UTC) - envelope.occurred_at).total_seconds()
        if age <= self.max_event_age_s:
            return
        async with self.database.transaction() as session:
            if await inbox.seen(session, self.name, envelope.event_id):
                raise _KnownDuplicate
        raise EventTooOld(
            f"event {envelope.event_id} occurred {age / 3600:.1f} h ago, beyond the "
            f"{self.max_event_age_s / 3600:.1f} h the inbox remembers: it may be a redelivery, so it is not applied"
        )

    async def _apply_together(self, work: list[_Work]) -> None:
        outcomes: list[tuple[str, str]] = []
        async with self.database.transaction() as session:
            fresh = await inbox.claim_many(session, self.name, [item.envelope for item in work])
            for item in work:
                if item.envelope.event_id not in fresh:
                    outcomes.append((item.envelope.event_type, "duplicate"))
                    continue
                fresh.discard(item.envelope.event_id)  # the same event twice in one batch applies once
                with _event_context(item.envelope, item.record, self.name, self.tracer):
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
                with attempt, _event_context(envelope, item.record, self.name, self.tracer):
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

    async def _commit(self, consumer: Any, offsets: dict[TopicPartition, OffsetAndMetadata]) -> None:
        try:
            await consumer.commit(offsets)
        except (CommitFailedError, KafkaError) as error:
            # A rebalance took a partition away: its new owner redelivers, and the inbox drops duplicates.
            log.warning("commit_failed", partitions=sorted(map(str, offsets)), error=repr(error))


__all__ = ["EventConsumer", "EventTooOld", "Handler", "PoisonMessage", "Subscription", "Subscriptions"]
