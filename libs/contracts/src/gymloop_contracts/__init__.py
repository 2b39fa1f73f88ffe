"""Gymloop's integration event contracts: envelope, v1 catalogue, topics, schemas and AsyncAPI."""

from gymloop_contracts.base import EventPayload, dlq_topic, topic_for
from gymloop_contracts.envelope import Envelope, new_event_id, wrap
from gymloop_contracts.registry import CATALOGUE, UnknownEventType, owned_by, payload_model, topics

__all__ = [
    "CATALOGUE",
    "Envelope",
    "EventPayload",
    "UnknownEventType",
    "dlq_topic",
    "new_event_id",
    "owned_by",
    "payload_model",
    "topic_for",
    "topics",
    "wrap",
]
