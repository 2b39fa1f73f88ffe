"""Structured JSON logs; the correlation id travels in a context variable through HTTP and Kafka."""

from __future__ import annotations

import logging
import sys
import uuid
from contextvars import ContextVar
from typing import Any

import structlog
from opentelemetry import trace
from structlog.typing import EventDict, Processor, WrappedLogger

correlation_id_var: ContextVar[str | None] = ContextVar("correlation_id", default=None)
traceparent_var: ContextVar[str | None] = ContextVar("traceparent", default=None)

CORRELATION_HEADER = "X-Correlation-ID"


def current_correlation_id() -> str:
    """The correlation id of the work in hand, or a fresh one when nothing started it."""
    value = correlation_id_var.get()
    if value is None:
        value = str(uuid.uuid4())
        correlation_id_var.set(value)
    return value


def _add_context(_: object, __: str, event_dict: dict) -> dict:
    if (cid := correlation_id_var.get()) is not None:
        event_dict.setdefault("correlation_id", cid)
    return event_dict


def trace_ids() -> dict[str, str]:
    """`trace_id` and `span_id` of the span in hand, as hex (what log lines carry); without tracing, only the
    trace id of the `traceparent` the work arrived with (its span id is the caller's, not ours)."""
    context = trace.get_current_span().get_span_context()
    if context.is_valid:
        return {"trace_id": format(context.trace_id, "032x"), "span_id": format(context.span_id, "016x")}
    arrived = traceparent_var.get()
    if arrived is not None and len(parts := arrived.split("-")) == 4 and len(parts[1]) == 32:
        return {"trace_id": parts[1]}
    return {}


def _add_trace_ids(_: object, __: str, event_dict: dict) -> dict:
    for key, value in trace_ids().items():
        event_dict.setdefault(key, value)
    return event_dict


def _service_name(service: str) -> Processor:
    """Every line names its service, whichever task or thread writes it: a processor fixed at configure time,
    not a context variable (those bound in the lifespan never reach the tasks that serve requests)."""

    def add_service(_: WrappedLogger, __: str, event_dict: EventDict) -> EventDict:
        event_dict.setdefault("service", service)
        return event_dict

    return add_service


class _CurrentStdout:
    """Writes to whatever `sys.stdout` is at the moment of writing, not at configuration time: a stream swapped
    later (a test's capture, a supervisor's redirect) still gets every line."""

    def write(self, text: str) -> int:
        return sys.stdout.write(text)

    def flush(self) -> None:
        sys.stdout.flush()


def configure_logging(service: str, level: str = "INFO", json: bool = True) -> None:
    """JSON lines on stdout for structlog and the standard library alike; calling it again replaces the setup."""
    shared: list[Any] = [
        structlog.contextvars.merge_contextvars,
        _service_name(service),
        _add_context,
        _add_trace_ids,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    renderer = structlog.processors.JSONRenderer() if json else structlog.dev.ConsoleRenderer()
    structlog.configure(
        processors=[*shared, structlog.processors.format_exc_info, renderer],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level.upper())),
        logger_factory=structlog.PrintLoggerFactory(file=_CurrentStdout()),  # type: ignore[arg-type]
        cache_logger_on_first_use=False,
    )
    # Route the standard library's loggers (uvicorn, aiokafka, sqlalchemy) through the same JSON renderer.
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=shared,
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info,  # a traceback as text, not the repr of a tuple
            renderer,
        ],
    )
    handler = logging.StreamHandler(_CurrentStdout())
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers = [handler]
    root.setLevel(level.upper())
    logging.captureWarnings(True)  # warnings become log lines too, not bare text on stderr
    for noisy in ("aiokafka", "kafka"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def get_logger(name: str | None = None) -> structlog.stdlib.BoundLogger:
    logger: structlog.stdlib.BoundLogger = structlog.get_logger(name)
    return logger
