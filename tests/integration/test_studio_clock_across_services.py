"""One studio clock: the same members' StudioUpdated events, applied by each service's own subscription on its own
migrated database, give the same "today" in billing, bookings, notifications and the importer: the default zone
before any event, the newest zone after, an older event changes nothing, and a zone this machine's tz database
does not know keeps the zone the studio had (no service fails the event)."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from gymloop_billing.messaging.subscriptions import subscriptions as billing_subscriptions
from gymloop_bookings.db.repository import load_policy
from gymloop_bookings.messaging.subscriptions import subscriptions as bookings_subscriptions
from gymloop_contracts import Envelope, wrap
from gymloop_contracts.events.members import StudioUpdated
from gymloop_importer.messaging.subscriptions import subscriptions as importer_subscriptions
from gymloop_importer.service import studio_state
from gymloop_kit import studio_clock
from gymloop_kit.db import Database
from gymloop_kit.messaging import inbox
from gymloop_kit.messaging.subscriptions import Subscriptions
from gymloop_notifications.messaging.subscriptions import subscriptions as notifications_subscriptions
from gymloop_notifications.service.studios import ensure_studio
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncSession

pytestmark = pytest.mark.integration

SERVICES_DIR = Path(__file__).resolve().parents[2] / "services"

# 23:30 UTC on 31 January 2027: already 1 February in Amsterdam (the default zone), midday of 31 January in
# Pago Pago (UTC-11).
NOW = datetime(2027, 1, 31, 23, 30, tzinfo=UTC)
IN_AMSTERDAM, IN_PAGO_PAGO = date(2027, 2, 1), date(2027, 1, 31)


async def _billing_today(session: AsyncSession, studio_id: uuid.UUID) -> date:
    return await studio_clock.today(session, studio_id, NOW)


async def _bookings_today(session: AsyncSession, studio_id: uuid.UUID) -> date:
    return (await load_policy(session, studio_id)).today(NOW)


async def _notifications_today(session: AsyncSession, studio_id: uuid.UUID) -> date:
    return (await ensure_studio(session, studio_id)).today(NOW)


async def _importer_today(session: AsyncSession, studio_id: uuid.UUID) -> date:
    return await studio_state.studio_today(session, studio_id)  # its clock is set to NOW by the fixture


@dataclass
class Service:
    name: str
    subscriptions: Subscriptions
    today_of: Callable[[AsyncSession, uuid.UUID], Awaitable[date]]
    database: Database | None = None


SERVICES = [
    Service("billing", billing_subscriptions, _billing_today),
    Service("bookings", bookings_subscriptions, _bookings_today),
    Service("notifications", notifications_subscriptions, _notifications_today),
    Service("importer", importer_subscriptions, _importer_today),
]


@pytest.fixture
async def services(new_database: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setattr(studio_state, "utc_now", lambda: NOW)
    for service in SERVICES:
        url = await new_database(SERVICES_DIR / service.name / "migrations", prefix=f"clock_{service.name}")
        service.database = Database(url, pool_size=1)
    yield SERVICES
    for service in SERVICES:
        assert service.database is not None
        await service.database.dispose()
        service.database = None


async def _deliver(service: Service, envelope: Envelope) -> None:
    """What the service's consumer does with the message: claim it in the inbox, run its subscription's handler
    in the same transaction."""
    subscription = service.subscriptions.get(envelope.event_type, envelope.version)
    assert subscription is not None, f"{service.name} does not follow {envelope.event_type}"
    assert service.database is not None
    async with service.database.transaction() as session:
        assert await inbox.claim(session, service.name, envelope)
        await subscription.handler(session, subscription.model.model_validate(envelope.payload), envelope)


async def _todays(studio_id: uuid.UUID) -> dict[str, date]:
    todays = {}
    for service in SERVICES:
        assert service.database is not None
        async with service.database.transaction() as session:
            todays[service.name] = await service.today_of(session, studio_id)
    return todays


def _studio_updated(studio_id: uuid.UUID, time_zone: str, sequence: int) -> Envelope:
    event = StudioUpdated(studio_id=studio_id, name="Gymloop Oost", time_zone=time_zone)
    return wrap(event, studio_id=studio_id, producer="members", correlation_id="clock-test", sequence=sequence)


async def _announce(studio_id: uuid.UUID, time_zone: str, sequence: int) -> None:
    envelope = _studio_updated(studio_id, time_zone, sequence)
    for service in SERVICES:
        await _deliver(service, envelope)


def _everywhere(day: date) -> dict[str, date]:
    return {service.name: day for service in SERVICES}


async def test_the_same_studio_updated_events_give_the_same_today_in_every_service(services: Any) -> None:
    studio_id = uuid.uuid4()
    assert await _todays(studio_id) == _everywhere(IN_AMSTERDAM), "before any StudioUpdated: the one default zone"

    await _announce(studio_id, "Pacific/Pago_Pago", sequence=2)
    assert await _todays(studio_id) == _everywhere(IN_PAGO_PAGO)

    await _announce(studio_id, "Europe/Amsterdam", sequence=1)  # older, delivered late
    assert await _todays(studio_id) == _everywhere(IN_PAGO_PAGO)

    await _announce(studio_id, "Mars/Olympus_Mons", sequence=3)  # newest, but no zone this tz database knows
    assert await _todays(studio_id) == _everywhere(IN_PAGO_PAGO)

    assert await _todays(uuid.uuid4()) == _everywhere(IN_AMSTERDAM), "another studio keeps the default"


async def test_a_first_studio_updated_with_an_unknown_zone_leaves_the_default_everywhere(services: Any) -> None:
    studio_id = uuid.uuid4()
    await _announce(studio_id, "Mars/Olympus_Mons", sequence=1)
    assert await _todays(studio_id) == _everywhere(IN_AMSTERDAM)


def _zone_table_differences(connection: Connection) -> list[Any]:
    def only_the_zone_table(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
        table = obj if type_ == "table" else getattr(obj, "table", None)
        return table is not None and table.name == studio_clock.studio_zone.name

    context = MigrationContext.configure(connection, opts={"compare_type": True, "include_object": only_the_zone_table})
    return list(compare_metadata(context, studio_clock.studio_zone.metadata))


async def test_every_service_migrates_the_kits_zone_table(services: Any) -> None:
    for service in SERVICES:
        assert service.database is not None
        async with service.database.engine.connect() as connection:
            assert await connection.run_sync(_zone_table_differences) == [], service.name
