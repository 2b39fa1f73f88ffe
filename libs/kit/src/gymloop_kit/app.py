"""Every service is built by `create_service_app`: the same skeleton, so one learned is all learned.

It wires settings, logging, the database, the Kafka producer, the outbox relay, the consumer of the
service's subscriptions, health/readiness, metrics, the OpenAPI and AsyncAPI documents and error answers.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
from collections.abc import AsyncIterator, Callable, Coroutine, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Annotated, Any

from aiokafka import AIOKafkaProducer
from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.responses import Response
from gymloop_contracts import owned_by, topics
from gymloop_contracts.asyncapi import asyncapi_document
from sqlalchemy.ext.asyncio import AsyncSession

from gymloop_kit.auth import TokenVerifier
from gymloop_kit.db import CommitFailed, Database
from gymloop_kit.http.api_docs import install_offline_docs, operation_id
from gymloop_kit.http.forwarded import trust_forwarded_headers
from gymloop_kit.http.guards import guard_requests
from gymloop_kit.http.health import router as health_router
from gymloop_kit.http.metrics import HttpMetricsMiddleware, metrics_answer
from gymloop_kit.http.middleware import CorrelationMiddleware
from gymloop_kit.http.problem_docs import document_problems
from gymloop_kit.http.problems import install_problem_handlers
from gymloop_kit.logging import configure_logging, get_logger
from gymloop_kit.messaging.consumer import EventConsumer, Subscriptions
from gymloop_kit.messaging.kafka import create_producer, ensure_topics, start_with_retry
from gymloop_kit.messaging.relay import OutboxRelay
from gymloop_kit.messaging.retention import max_event_age_s, purge_delivery_tables
from gymloop_kit.periodic import run_periodically
from gymloop_kit.scrape import measure
from gymloop_kit.settings import ServiceSettings
from gymloop_kit.supervision import Supervisor
from gymloop_kit.tracing import start_tracing

if TYPE_CHECKING:
    from opentelemetry.sdk.trace.export import SpanExporter

    from gymloop_kit.tracing_sdk import Tracing

log = get_logger(__name__)

BackgroundJob = Callable[["ServiceRuntime"], Coroutine[Any, Any, None]]


@dataclass
class ServiceSpec:
    name: str
    description: str
    routers: Sequence[APIRouter] = ()
    subscriptions: Subscriptions = field(default_factory=Subscriptions)
    background_jobs: Sequence[BackgroundJob] = ()
    version: str = "0.1.0"


@dataclass
class ServiceRuntime:
    settings: ServiceSettings
    database: Database
    producer: AIOKafkaProducer
    relay: OutboxRelay | None = None
    consumer: EventConsumer | None = None
    supervisor: Supervisor = field(default_factory=Supervisor)
    tracing: Tracing | None = None  # None: tracing is off

    @property
    def tasks(self) -> dict[str, asyncio.Task[None]]:
        """The supervised background tasks by name (each restarts itself when it fails)."""
        return {name: task.task for name, task in self.supervisor.tasks.items() if task.task is not None}

    async def ping_broker(self) -> None:
        await self.producer.client.fetch_all_metadata()


def create_service_app(
    spec: ServiceSpec, settings: ServiceSettings | None = None, *, span_exporter: SpanExporter | None = None
) -> FastAPI:
    """`span_exporter` gets every span besides the OTLP export (tests read them from an in-memory exporter)."""
    settings = settings or ServiceSettings(service_name=spec.name)
    tracing = start_tracing(spec.name, settings, span_exporter)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        configure_logging(spec.name, settings.log_level, settings.log_json)
        app.state.token_verifier = TokenVerifier(
            settings.jwt_public_key, issuer=settings.jwt_issuer, audience=settings.jwt_audience
        )
        runtime = await start_runtime(spec, settings, tracing=tracing)
        app.state.runtime = runtime
        log.info("service_started", port=settings.http_port, tracing=tracing is not None)
        try:
            yield
        finally:
            await stop_runtime(runtime)
            if tracing is not None:
                tracing.shutdown()

    app = FastAPI(
        title=f"Gymloop {spec.name}",
        description=spec.description,
        version=spec.version,
        lifespan=lifespan,
        generate_unique_id_function=operation_id,
        docs_url=None,  # served offline by install_offline_docs
        redoc_url=None,
    )
    install_problem_handlers(app)  # before the correlation middleware, so errors are answered inside it
    guard_requests(app)  # ambiguous paths and NUL characters are refused before routing
    app.add_middleware(HttpMetricsMiddleware, service=spec.name)
    app.add_middleware(CorrelationMiddleware)
    trust_forwarded_headers(app, settings.trusted_proxies)  # outermost: the request log names the real client
    app.include_router(health_router)
    for router in spec.routers:
        app.include_router(router)

    @app.get("/metrics", include_in_schema=False)
    async def metrics(request: Request) -> Response:
        runtime = runtime_of(request)
        await measure(spec.name, runtime.database, runtime.consumer)
        return metrics_answer()

    @app.get("/asyncapi.json", tags=["operations"], summary="AsyncAPI 3.0 document of this service's events")
    async def asyncapi() -> dict[str, Any]:
        """The events this service publishes and the ones it consumes, with their payload schemas."""
        return asyncapi_document(spec.name, spec.subscriptions.models, version=spec.version)

    document_problems(app)
    install_offline_docs(app, app.title)
    if tracing is not None:
        tracing.instrument_app(app)
    return app


async def start_runtime(
    spec: ServiceSpec, settings: ServiceSettings, *, tracing: Tracing | None = None
) -> ServiceRuntime:
    database = Database(settings.database_url, pool_size=settings.database_pool_size)
    if tracing is not None:
        tracing.instrument_engine(database.engine)
    producer = create_producer(settings.kafka_bootstrap_servers, client_id=spec.name)
    await start_with_retry(producer, f"{spec.name} producer")
    if settings.kafka_create_topics:
        await ensure_topics(
            settings.kafka_bootstrap_servers,
            topics(owned_by(spec.name)) + topics(spec.subscriptions.models),
            partitions=settings.kafka_topic_partitions,
            replication_factor=settings.kafka_replication_factor,
        )
    supervisor = Supervisor(service=spec.name, backoff_max_s=settings.task_restart_backoff_max_s)
    runtime = ServiceRuntime(
        settings=settings, database=database, producer=producer, supervisor=supervisor, tracing=tracing
    )
    if settings.relay_enabled:
        relay = runtime.relay = OutboxRelay(
            database, producer, service=spec.name, batch_size=settings.relay_batch_size,
            poll_interval=settings.relay_poll_interval_s, max_backoff=settings.relay_max_backoff_s,
            retention_hours=settings.outbox_retention_hours, tracer=tracing.tracer if tracing is not None else None,
        )  # fmt: skip
        supervisor.start("relay", relay.run, stop=relay.stop, liveness=relay.liveness)
    if spec.subscriptions and settings.consumer_enabled:
        consumer = runtime.consumer = EventConsumer(
            name=spec.name, database=database, subscriptions=spec.subscriptions,
            bootstrap_servers=settings.kafka_bootstrap_servers, dlq_producer=producer,
            max_attempts=settings.consumer_max_attempts, retry_base_s=settings.consumer_retry_base_s,
            batch_size=settings.consumer_batch_size, max_event_age_s=max_event_age_s(settings.inbox_retention_s),
            partition_concurrency=settings.consumer_partition_concurrency,
            fetch_max_wait_ms=settings.consumer_fetch_max_wait_ms,
            tracer=tracing.tracer if tracing is not None else None,
        )  # fmt: skip
        supervisor.start("consumer", consumer.run, stop=consumer.stop, liveness=consumer.liveness)
    supervisor.start("delivery_retention", _purge_job(database, settings), core=False)
    for job in spec.background_jobs:
        supervisor.start(job.__name__, functools.partial(job, runtime))
    return runtime


def _purge_job(database: Database, settings: ServiceSettings) -> Callable[[], Coroutine[Any, Any, None]]:
    async def purge() -> None:
        await purge_delivery_tables(database, inbox_retention_s=settings.inbox_retention_s)

    return functools.partial(run_periodically, "delivery_retention", purge, interval_s=settings.retention_interval_s)


async def stop_runtime(runtime: ServiceRuntime) -> None:
    await runtime.supervisor.stop()
    await runtime.producer.stop()
    await runtime.database.dispose()


async def db_session(request: Request) -> AsyncIterator[AsyncSession]:
    """One transaction per request: committed when the endpoint returns, rolled back when it raises.

    `Session` uses it with scope="function", so the commit happens after the answer is built and before a
    byte of it is sent: a client that got a 2xx reads its own write, and a commit that fails (a deferred
    constraint, a serialization failure) is the answer instead (CommitFailed, 500), with nothing stored.
    """
    committing = False
    try:
        async with runtime_of(request).database.transaction() as session:
            yield session
            committing = True
    except Exception as error:
        if not committing:
            raise  # the endpoint's own error: rolled back, answered by its handler
        raise CommitFailed() from error


Session = Annotated[AsyncSession, Depends(db_session, scope="function")]


def runtime_of(request: Request) -> ServiceRuntime:
    runtime: ServiceRuntime = request.app.state.runtime
    return runtime
