"""Generates the AsyncAPI 3.0 document of one service from the contracts it publishes and consumes.

Each consumed topic also has its dead-letter channel (`<topic>.DLQ`, the real topic name), on which the
service's consumer sends the messages it gave up on, with the error and origin in headers.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from gymloop_contracts.base import EventPayload, dlq_topic, topic_for
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
        schemas[name] = _hoist_definitions(event_schema(model), schemas)
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
        dead_letters = dlq_topic(topic_for(model.event_type, model.version))
        operations[f"consume{name}"] = {
            "action": "receive",
            "channel": {"$ref": f"#/channels/{name}"},
            "summary": f"Consumed by {service} (deduplicated by event_id; failures go to {dead_letters})",
            "bindings": {"kafka": {"groupId": {"type": "string", "enum": [consumer_group or service]}}},
        }
        messages[f"{name}DeadLetter"] = {
            "name": f"{model.event_type}DeadLetter",
            "title": f"{model.event_type} v{model.version}, dead-lettered",
            "summary": "The record as it was received (possibly not even JSON), with why and where it failed",
            "headers": _DEAD_LETTER_HEADERS,
            "payload": {"description": "the original record's value, unchanged"},
        }
        channels[f"{name}DeadLetters"] = {
            "address": dead_letters,
            "messages": {f"{name}DeadLetter": {"$ref": f"#/components/messages/{name}DeadLetter"}},
        }
        operations[f"deadLetter{name}"] = {
            "action": "send",
            "channel": {"$ref": f"#/channels/{name}DeadLetters"},
            "summary": f"{service} sends here what it could not process after its retries",
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


_DEAD_LETTER_HEADERS: dict[str, Any] = {
    "type": "object",
    "properties": {
        "dlq_error": {"type": "string", "description": "the error, as repr()"},
        "dlq_error_type": {"type": "string", "description": "the error's class, e.g. PoisonMessage"},
        "dlq_origin_topic": {"type": "string"},
        "dlq_origin_partition": {"type": "string"},
        "dlq_origin_offset": {"type": "string"},
        "dlq_consumer": {"type": "string", "description": "the consumer group that gave up"},
        "dlq_attempts": {"type": "string", "description": "how many times it was tried"},
    },
}


def _hoist_definitions(schema: dict[str, Any], schemas: dict[str, Any]) -> dict[str, Any]:
    """pydantic puts nested models under the schema's own `$defs` and refers to them as `#/$defs/X`, which in
    the AsyncAPI document would point at its root: move them to components/schemas and point there."""
    definitions = schema.pop("$defs", {})
    for def_name, definition in definitions.items():
        definition = _rewrite_refs(definition)
        if schemas.setdefault(def_name, definition) != definition:
            raise ValueError(f"two different schemas are called {def_name}: rename one of the models")
    return _rewrite_refs(schema)


def _rewrite_refs(node: Any) -> Any:
    if isinstance(node, dict):
        return {
            key: value.replace("#/$defs/", "#/components/schemas/", 1)
            if key == "$ref" and isinstance(value, str)
            else _rewrite_refs(value)
            for key, value in node.items()
        }
    if isinstance(node, list):
        return [_rewrite_refs(value) for value in node]
    return node


def _envelope_schema() -> dict[str, Any]:
    schema = Envelope.model_json_schema()
    schema.pop("title", None)
    return schema
