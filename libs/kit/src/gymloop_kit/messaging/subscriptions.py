"""What a service consumes: event types and versions, each with the handler that applies it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from gymloop_contracts import Envelope, EventPayload, topic_for
from sqlalchemy.ext.asyncio import AsyncSession

P = TypeVar("P", bound=EventPayload)
Handler = Callable[[AsyncSession, Any, Envelope], Awaitable[None]]


@dataclass(frozen=True)
class Subscription:
    model: type[EventPayload]
    handler: Handler


class Subscriptions:
    """What a service consumes: `@subscriptions.on(SubscriptionActivated)` (or several types) above `async def
    handler(session, event, envelope)`. The handler runs inside the message's transaction and must not commit."""

    def __init__(self) -> None:
        self._by_type: dict[tuple[str, int], Subscription] = {}

    def on(self, *models: type[P]) -> Callable[[Callable[[AsyncSession, P, Envelope], Awaitable[None]]], Handler]:
        """Register a handler for one or more event types (e.g. MemberRegistered and MemberUpdated alike)."""

        def register(handler: Callable[[AsyncSession, P, Envelope], Awaitable[None]]) -> Handler:
            for model in models:
                key = (model.event_type, model.version)
                if key in self._by_type:
                    raise ValueError(f"{model.event_type} v{model.version} already has a handler")
                self._by_type[key] = Subscription(model, handler)
            return handler

        return register

    def get(self, event_type: str, version: int) -> Subscription | None:
        return self._by_type.get((event_type, version))

    @property
    def models(self) -> list[type[EventPayload]]:
        return [subscription.model for subscription in self._by_type.values()]

    @property
    def topics(self) -> list[str]:
        return sorted(topic_for(model.event_type, model.version) for model in self.models)

    def __bool__(self) -> bool:
        return bool(self._by_type)
