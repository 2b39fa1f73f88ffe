"""The outbox relay: publishes committed outbox rows to Kafka, at least once, in commit order.

- Woken by LISTEN/NOTIFY as soon as a writer commits; polls every `poll_interval` in case a notification
  was missed (connection drop, relay restart).
- Claims rows with FOR UPDATE SKIP LOCKED, so several relay instances share the work without waiting.
- Publishes a claimed batch with the idempotent producer (acks=all): every record handed over first, then all
  acknowledgements awaited together; marks the batch published in one statement of the claim transaction.
  A crash between publish and mark leaves the rows unmarked: they are published again, and consumers drop
  the duplicates by event_id (the inbox). Nothing is lost, and no effect is applied twice.
- A failed publish is retried with exponential backoff per row; `last_error` and `attempts` say why.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import asyncpg
from aiokafka import AIOKafkaProducer
from opentelemetry.trace import Span, Tracer
from sqlalchemy import text

from gymloop_kit import tracing
from gymloop_kit.db import Database, asyncpg_dsn
from gymloop_kit.logging import get_logger
from gymloop_kit.messaging import metrics
from gymloop_kit.messaging.outbox import NOTIFY_CHANNEL
from gymloop_kit.supervision import Liveness

log = get_logger(__name__)

_CLAIM = text(
    """
    SELECT id, event_id, topic, partition_key, envelope::text AS envelope, attempts, created_at
    FROM outbox
    WHERE published_at IS NULL AND available_at <= now()
    ORDER BY id
    LIMIT :limit
    FOR UPDATE SKIP LOCKED
    """
)
_MARK_PUBLISHED = text(
    "UPDATE outbox SET published_at = clock_timestamp(), attempts = attempts + 1 WHERE id = ANY(:ids)"
)
_MARK_FAILED = text(
    """
    UPDATE outbox SET attempts = attempts + 1, last_error = :error,
        available_at = clock_timestamp() + make_interval(secs => :delay)
    WHERE id = :id
    """
)
_PURGE = text("DELETE FROM outbox WHERE published_at < now() - make_interval(secs => :age)")
_PENDING = text("SELECT count(*) FROM outbox WHERE published_at IS NULL")


def kafka_headers(envelope: Mapping[str, Any], *, traceparent: str | None = None) -> list[tuple[str, bytes]]:
    """The Kafka headers of an event, from its envelope: the one place they are written. Consumers and tools can
    route, filter and trace on them without parsing the value. `traceparent`: the publish span's, which the
    consumer continues (default: the envelope's, the span that wrote the event)."""
    traceparent = traceparent or envelope.get("traceparent")
    headers = [
        ("event_id", envelope["event_id"].encode()),
        ("event_type", envelope["event_type"].encode()),
        ("version", str(envelope["version"]).encode()),
        ("studio_id", envelope["studio_id"].encode()),
        ("correlation_id", envelope["correlation_id"].encode()),
        ("content-type", b"application/json"),
    ]
    if traceparent:
        headers.append(("traceparent", traceparent.encode()))
    return headers


def backoff_seconds(attempts: int, maximum: float) -> float:
    return float(min(maximum, 0.5 * 2 ** max(0, attempts - 1)))


class OutboxRelay:
    def __init__(
        self,
        database: Database,
        producer: AIOKafkaProducer,
        *,
        service: str,
        batch_size: int = 500,
        poll_interval: float = 1.0,
        max_backoff: float = 30.0,
        retention_hours: float = 24.0,
        publish_timeout: float = 20.0,
        tracer: Tracer | None = None,
    ) -> None:
        self.publish_timeout = publish_timeout
        self.tracer = tracer  # None: tracing is off
        self.database = database
        self.producer = producer
        self.service = service
        self.batch_size = batch_size
        self.poll_interval = poll_interval
        self.max_backoff = max_backoff
        self.retention_s = retention_hours * 3600
        self._wake = asyncio.Event()
        self._stopping = asyncio.Event()
        self._listener: asyncpg.Connection | None = None
        # Down while passes fail or no publish is acknowledged; /health and /ready read it.
        self.liveness = Liveness()

    def stop(self) -> None:
        self._stopping.set()
        self._wake.set()

    async def run(self) -> None:
        log.info("relay_started", service=self.service)
        last_purge = 0.0
        try:
            while not self._stopping.is_set():
                await self._ensure_listening()
                self._wake.clear()  # a NOTIFY that arrives during this pass wakes the next one at once
                try:
                    published = await self.publish_pending()
                except Exception as error:  # keep relaying: the next pass retries the same rows
                    log.exception("relay_pass_failed")
                    self.liveness.down(f"relay pass failed: {error!r}")
                    published = 0
                    await self._sleep(self.poll_interval)
                if published >= self.batch_size:
                    continue  # more is probably waiting
                if time.monotonic() - last_purge > 300:
                    last_purge = time.monotonic()
                    await self._housekeeping()
                await self._sleep(self.poll_interval)
        finally:
            await self._close_listener()
            log.info("relay_stopped", service=self.service)

    async def publish_pending(self) -> int:
        """Publish one batch of due rows; returns how many were published."""
        async with self.database.transaction() as session:
            rows = (await session.execute(_CLAIM, {"limit": self.batch_size})).all()
            if not rows:
                self.liveness.up()
                return 0
            results = await self._send_all(rows)
            published = [row for row, result in zip(rows, results, strict=True) if result is None]
            failed = [(row, result) for row, result in zip(rows, results, strict=True) if result is not None]
            if published:
                await session.execute(_MARK_PUBLISHED, {"ids": [row.id for row in published]})
            for row, error in failed:
                delay = backoff_seconds(row.attempts + 1, self.max_backoff)
                await session.execute(_MARK_FAILED, {"id": row.id, "error": repr(error)[:2000], "delay": delay})
                log.warning(
                    "publish_failed",
                    event_id=str(row.event_id),
                    topic=row.topic,
                    retry_in_s=delay,
                    error=repr(error),
                )
        if published:
            self.liveness.up()
        else:
            self.liveness.down(f"no publish acknowledged: {failed[0][1]!r}")
        now = datetime.now(UTC)
        metrics.outbox_published.labels(self.service).inc(len(published))
        metrics.outbox_publish_failures.labels(self.service).inc(len(failed))
        for row in published:
            metrics.outbox_delay.labels(self.service).observe((now - row.created_at).total_seconds())
        return len(published)

    async def _send_all(self, rows: Sequence[Any]) -> list[BaseException | None]:
        """Send a batch; None where the broker acknowledged. The idempotent producer retries by itself without
        end while the broker is away, so the wait is bounded: what is not acknowledged in time is retried later
        (if the producer still delivers it, the consumer's inbox drops the duplicate).

        Records are handed to the producer one after another (in claim order, so each partition keeps commit
        order) and only then awaited together: the producer packs them into a few batches per partition, and
        the relay holds one future per record instead of one task."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.publish_timeout
        deliveries: list[asyncio.Future[Any] | BaseException | None] = [None] * len(rows)
        spans: list[Span | None] = [None] * len(rows)

        async def enqueue() -> None:
            for index, row in enumerate(rows):
                envelope = json.loads(row.envelope)
                span = spans[index] = tracing.start_publishing(self.tracer, row.topic, envelope)
                try:
                    deliveries[index] = await self.producer.send(
                        row.topic,
                        value=row.envelope.encode(),
                        key=row.partition_key.encode(),
                        headers=kafka_headers(envelope, traceparent=tracing.traceparent_of(span) if span else None),
                    )
                except Exception as error:  # this record only; the others still go
                    deliveries[index] = error

        with contextlib.suppress(TimeoutError):
            # A full producer buffer makes `send` wait for the broker: that wait counts against the same bound.
            await asyncio.wait_for(enqueue(), timeout=self.publish_timeout)
        acknowledgements = [d for d in deliveries if isinstance(d, asyncio.Future)]
        if acknowledgements:
            await asyncio.wait(acknowledgements, timeout=max(0.0, deadline - loop.time()))
        timeout = TimeoutError(f"not acknowledged within {self.publish_timeout}s")
        results: list[BaseException | None] = []
        for delivery in deliveries:
            if delivery is None or (isinstance(delivery, asyncio.Future) and not delivery.done()):
                results.append(timeout)
            elif isinstance(delivery, asyncio.Future):
                results.append(timeout if delivery.cancelled() else delivery.exception())
            else:
                results.append(delivery)
        for span, result in zip(spans, results, strict=True):
            tracing.end_publishing(span, result)
        return results

    async def _housekeeping(self) -> None:
        try:
            async with self.database.transaction() as session:
                await session.execute(_PURGE, {"age": self.retention_s})
                pending = (await session.execute(_PENDING)).scalar_one()
            metrics.outbox_pending.labels(self.service).set(pending)
        except Exception:
            log.exception("relay_housekeeping_failed")

    async def _sleep(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), timeout=seconds)

    async def _ensure_listening(self) -> None:
        if self._listener is not None and not self._listener.is_closed():
            return
        try:
            self._listener = await asyncpg.connect(asyncpg_dsn(self.database.url))
            await self._listener.add_listener(NOTIFY_CHANNEL, lambda *_: self._wake.set())
        except Exception as error:  # polling still delivers; retry LISTEN on the next pass
            self._listener = None
            log.warning("relay_listen_failed", error=repr(error))

    async def _close_listener(self) -> None:
        if self._listener is not None:
            with contextlib.suppress(Exception):
                await self._listener.close()
            self._listener = None
