"""JSON Schemas of the envelope and every event, as stored in the snapshot folder."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from gymloop_contracts.base import EventPayload
from gymloop_contracts.envelope import Envelope
from gymloop_contracts.registry import CATALOGUE

SNAPSHOT_DIR = Path(__file__).resolve().parents[2] / "schemas"


def snapshot_name(model: type[EventPayload]) -> str:
    return f"{model.event_type}.v{model.version}.json"


def event_schema(model: type[EventPayload]) -> dict[str, Any]:
    schema = model.model_json_schema()
    schema["title"] = model.event_type
    schema["x-event-version"] = model.version
    schema["x-owner"] = model.owner
    schema["x-partition-key"] = model.key_field
    return schema


def current_schemas() -> dict[str, dict[str, Any]]:
    schemas = {snapshot_name(model): event_schema(model) for model in CATALOGUE}
    schemas["Envelope.json"] = Envelope.model_json_schema()
    return schemas


def render(schema: dict[str, Any]) -> str:
    return json.dumps(schema, indent=2, sort_keys=True) + "\n"
