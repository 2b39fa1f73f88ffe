"""Generates the AsyncAPI 3.0 document of one service from the contracts it publishes and consumes."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from gymloop_contracts.base import EventPayload, topic_for
from gymloop_contracts.envelope import Envelope
from gymloop_contracts.registry import owned_by
from gymloop_contracts.schemas import event_schema


def asyncapi_document(
    service: str,
    consumes: Iterable[type[EventPayload]] = (),
    *,
    consumer_group: str | None = None,
    version: str = "1.0.0",
) -> dict[str, Any]:
    publishes = owned_by(service)
    consumed = list(consumes)
    channels: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    schemas: dict[str, Any] = {"Envelope": _envelope_schema()}
    messages: dict[str, Any] = {}

    for model in {*publishes, *consumed}:
        name = f"{model.event_type}V{model.version}"
        schemas[name] = event_schema(model)
        messages[name] = {
            "name": model.event_type,
            "title": f"{model.event_type} v{model.version}",
            "summary": model.description,
            "contentType": "application/json",
            "headers": {"type": "object", "properties": {"correlation_id": {"type": "string"}}},
            "payload": {
                "allOf": [
                    {"$ref": "#/components/schemas/Envelope"},
                    {"type": "object", "properties": {"payload": {"$ref": f"#/components/schemas/{name}"}}},
                ]
            },
            "bindings": {"kafka": {"key": {"type": "string", "description": f"the event's {model.key_field}"}}},
        }
        channels[name] = {
            "address": topic_for(model.event_type, model.version),
            "messages": {name: {"$ref": f"#/components/messages/{name}"}},
        }
    for model in publishes:
        name = f"{model.event_type}V{model.version}"
        operations[f"publish{name}"] = {
            "action": "send",
            "channel": {"$ref": f"#/channels/{name}"},
            "summary": f"Published through the transactional outbox of {service}",
        }
    for model in consumed:
        name = f"{model.event_type}V{model.version}"
        operations[f"consume{name}"] = {
            "action": "receive",
            "channel": {"$ref": f"#/channels/{name}"},
            "summary": f"Consumed by {service} (deduplicated by event_id; failures go to {name}.DLQ)",
            "bindings": {"kafka": {"groupId": {"type": "string", "enum": [consumer_group or service]}}},
        }
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": f"Gymloop {service} events",
            "version": version,
            "description": f"Integration events published and consumed by the {service} service.",
        },
        "defaultContentType": "application/json",
        "channels": dict(sorted(channels.items())),
        "operations": dict(sorted(operations.items())),
        "components": {"schemas": schemas, "messages": dict(sorted(messages.items()))},
    }


def _envelope_schema() -> dict[str, Any]:
    schema = Envelope.model_json_schema()
    schema.pop("title", None)
    return schema
