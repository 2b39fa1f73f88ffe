"""The envelope every event travels in, on the wire and in the outbox."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import uuid_utils.compat as uuid_compat
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from gymloop_contracts.base import EventPayload, topic_for


def new_event_id() -> uuid.UUID:
    """UUIDv7: time-ordered, so ids sort by creation and index well; it is also the idempotency key."""
    return uuid_compat.uuid7()


class Envelope(BaseModel):
    model_config = ConfigDict(frozen=True)

    event_id: uuid.UUID = Field(description="UUIDv7; the idempotency key consumers deduplicate on")
    event_type: str
    version: int = Field(ge=1)
    occurred_at: AwareDatetime
    studio_id: uuid.UUID = Field(description="Tenant; no event crosses studios")
    producer: str = Field(description="The service that published the event")
    correlation_id: str
    traceparent: str | None = Field(default=None, description="W3C trace context of the causing request")
    aggregate_type: str
    aggregate_id: str
    sequence: int = Field(ge=1, description="Per-aggregate sequence: a consumer keeps the newest it has seen")
    payload: dict[str, Any]

    @property
    def topic(self) -> str:
        return topic_for(self.event_type, self.version)

    @property
    def partition_key(self) -> str:
        from gymloop_contracts.registry import payload_model

        model = payload_model(self.event_type, self.version)
        return str(self.payload.get(model.key_field, self.aggregate_id))

    def parse_payload(self) -> EventPayload:
        from gymloop_contracts.registry import payload_model

        return payload_model(self.event_type, self.version).model_validate(self.payload)


def wrap(
    payload: EventPayload,
    *,
    studio_id: uuid.UUID,
    producer: str,
    correlation_id: str,
    sequence: int,
    traceparent: str | None = None,
    event_id: uuid.UUID | None = None,
    occurred_at: datetime | None = None,
) -> Envelope:
    return Envelope(
        event_id=event_id or new_event_id(),
        event_type=payload.event_type,
        version=payload.version,
        occurred_at=occurred_at or datetime.now(UTC),
        studio_id=studio_id,
        producer=producer,
        correlation_id=correlation_id,
        traceparent=traceparent,
        aggregate_type=payload.aggregate_type,
        aggregate_id=payload.aggregate_id,
        sequence=sequence,
        payload=payload.model_dump(mode="json"),
    )
