"""What a service consumes: event types and versions, each with the handlers that apply it."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from gymloop_contracts import Envelope, EventPayload, topic_for
from sqlalchemy.ext.asyncio import AsyncSession

from gymloop_kit.messaging import inbox

Handler = Callable[[AsyncSession, Any, Envelope], Awaitable[None]]


@dataclass(frozen=True)
class Subscription:
    model: type[EventPayload]
    handler: Handler


class Subscriptions:
    """What a service consumes: `@subscriptions.on(SubscriptionActivated)` (or several types) above `async def
    handler(session, event, envelope)`. The handler runs inside the message's transaction and must not commit.

    `newest_only=True` is for state-carrying events applied order-insensitively (full state per event, e.g.
    StudioUpdated or MemberUpdated): the handler runs only when the event's per-aggregate sequence is newer than any
    this consumer applied for that aggregate, so an older event arriving late changes nothing. The sequences are
    kept under `consumer` (the service's name, as its inbox's).

    An event type may have several handlers, each with one job (e.g. a newest-only read model and a step every
    delivery needs); they run in the order they were registered, in the same transaction. At most one of them is
    newest_only."""

    def __init__(self, consumer: str | None = None) -> None:
        self.consumer = consumer
        self._handlers: dict[tuple[str, int], list[Handler]] = {}
        self._by_type: dict[tuple[str, int], Subscription] = {}
        self._newest_only_types: set[tuple[str, int]] = set()

    def on(self, *models: type[EventPayload], newest_only: bool = False) -> Callable[[Handler], Handler]:
        """Register a handler for one or more event types (e.g. MemberRegistered and MemberUpdated alike)."""
        if not models:
            raise ValueError("name at least one event type to subscribe to")
        if newest_only and not self.consumer:
            raise ValueError("newest_only needs the consumer's name: Subscriptions(consumer='<service>')")

        # The handler may take the union of `models` (or their common base): the payload is typed Any here,
        # since a Callable over a union is no subtype of one over the base class mypy would infer.
        def register(handler: Handler) -> Handler:
            registered: Handler = self._newest_only(handler) if newest_only else handler
            for model in models:
                key = (model.event_type, model.version)
                if newest_only and key in self._newest_only_types:
                    # The guard records the sequence it lets through: a second guard would never run its handler.
                    raise ValueError(f"{model.event_type} v{model.version} already has a newest_only handler")
                if newest_only:
                    self._newest_only_types.add(key)
                handlers = self._handlers.setdefault(key, [])
                handlers.append(registered)
                self._by_type[key] = Subscription(model, handlers[0] if len(handlers) == 1 else _in_order(handlers))
            return registered

        return register

    def _newest_only(self, handler: Handler) -> Handler:
        consumer = self.consumer
        assert consumer is not None

        @functools.wraps(handler)
        async def guarded(session: AsyncSession, payload: Any, envelope: Envelope) -> None:
            if await inbox.is_newest(session, consumer, envelope):
                await handler(session, payload, envelope)

        return guarded

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


def _in_order(handlers: list[Handler]) -> Handler:
    steps = tuple(handlers)  # as registered so far: a later registration makes a new Subscription

    async def run_all(session: AsyncSession, payload: Any, envelope: Envelope) -> None:
        for handler in steps:
            await handler(session, payload, envelope)

    return run_all
