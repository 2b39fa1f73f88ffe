"""The base of every integration event payload.

Each event type is a frozen pydantic model. Its class variables say which service owns it, which aggregate
it belongs to (for per-aggregate sequences) and which field keys its Kafka partition (member_id where there
is one, so one member's events stay ordered).
"""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict


class EventPayload(BaseModel):
    # Consumers ignore unknown fields: adding an optional field is a compatible change within a version.
    model_config = ConfigDict(frozen=True, extra="ignore")

    event_type: ClassVar[str]
    version: ClassVar[int] = 1
    owner: ClassVar[str]
    aggregate_type: ClassVar[str]
    aggregate_field: ClassVar[str]
    key_field: ClassVar[str]
    description: ClassVar[str] = ""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if cls.__doc__ and not cls.__dict__.get("description"):
            cls.description = " ".join(cls.__doc__.split())

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        if cls.__name__.startswith("_"):  # shared bases of a family of events, never published
            return
        if "event_type" not in cls.__dict__:
            cls.event_type = cls.__name__
        for name in (cls.aggregate_field, cls.key_field):
            if name not in cls.model_fields:
                raise TypeError(f"{cls.__name__}: field {name!r} named by aggregate_field/key_field is missing")

    @property
    def aggregate_id(self) -> str:
        return str(getattr(self, self.aggregate_field))

    @property
    def partition_key(self) -> str:
        return str(getattr(self, self.key_field))


def topic_for(event_type: str, version: int = 1) -> str:
    """One topic per event type, named after it; a breaking change (new version) gets its own topic."""
    return event_type if version == 1 else f"{event_type}.v{version}"


def dlq_topic(topic: str) -> str:
    return f"{topic}.DLQ"
