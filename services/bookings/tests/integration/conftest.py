"""Bookings against a real PostgreSQL and a real Kafka-protocol broker."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest
import pytest_asyncio
from gymloop_bookings.app import create_app
from gymloop_bookings.messaging.subscriptions import apply_billing_event, on_member_profile
from gymloop_bookings.settings import BookingsSettings
from gymloop_contracts import wrap
from gymloop_contracts.events.billing import SubscriptionActivated
from gymloop_contracts.events.common import Gender, Role
from gymloop_contracts.events.members import MemberRegistered
from gymloop_devstack.testing import TokenFactory, service_client
from gymloop_kit.db import Database
from sqlalchemy.ext.asyncio import AsyncSession

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"
AMSTERDAM = ZoneInfo("Europe/Amsterdam")


async def later_today(wanted: timedelta) -> timedelta:
    """`wanted` from now, or sooner so a session starting then starts today in the studio: a test that counts
    today's visits must not see its session land on tomorrow late in the evening. Just before midnight it waits
    for the new day."""
    local_now = datetime.now(UTC).astimezone(AMSTERDAM)
    midnight = datetime.combine(local_now.date() + timedelta(days=1), datetime.min.time(), AMSTERDAM)
    if (left := midnight - local_now) < timedelta(minutes=2):
        await asyncio.sleep(left.total_seconds() + 1)
        return await later_today(wanted)
    return min(wanted, left / 2)


@pytest.fixture
def consumer_enabled() -> bool:
    """Off unless a test module consumes events (it overrides this fixture to return True): a consumer stopped
    while it still joins its group waits for the join (seconds), and most tests only need HTTP, the database and
    the relay (EventProbe reads what the relay published; `Studio.grant` applies billing's events directly)."""
    return False


@pytest_asyncio.fixture(loop_scope="session")
async def client(new_database, make_settings, private_kafka, consumer_enabled) -> AsyncIterator[httpx.AsyncClient]:
    url = await new_database(MIGRATIONS, prefix="bookings")
    base = make_settings(
        "bookings", url, kafka=private_kafka.bootstrap_servers, database_pool_size=10, consumer_enabled=consumer_enabled
    )
    # Housekeeping is driven by the tests themselves (run_once), not by the background timer.
    settings = BookingsSettings(**{**base.model_dump(), "housekeeping_interval_s": 3600.0})
    app = create_app(settings)
    async with service_client(app) as http:
        http.app = app  # type: ignore[attr-defined]
        http.database_url = url  # type: ignore[attr-defined]
        http.bootstrap = private_kafka.bootstrap_servers  # type: ignore[attr-defined]
        yield http


@dataclass
class Studio:
    """One studio seen through the API, with helpers to set it up."""

    http: httpx.AsyncClient
    tokens: TokenFactory
    studio_id: uuid.UUID
    location_id: uuid.UUID | None = None
    session_type_id: uuid.UUID | None = None
    database: Database | None = None

    @property
    def staff(self) -> dict[str, str]:
        return self.tokens.headers(studio_id=self.studio_id, role="employee")

    @property
    def admin(self) -> dict[str, str]:
        return self.tokens.headers(studio_id=self.studio_id, role="admin")

    def member(self, member_id: uuid.UUID) -> dict[str, str]:
        return self.tokens.headers(studio_id=self.studio_id, role="member", member_id=member_id)

    async def setup(self, **settings: object) -> Studio:
        # No time zone here: it comes from members' StudioUpdated (Europe/Amsterdam until one arrives).
        answer = await self.http.put("/settings", json=settings, headers=self.admin)
        assert answer.status_code == 200, answer.text
        answer = await self.http.post("/locations", json={"name": "Zaal 1"}, headers=self.staff)
        self.location_id = uuid.UUID(answer.json()["id"])
        answer = await self.http.post(
            "/session-types", json={"name": "CrossFit", "description": "All levels"}, headers=self.staff
        )
        self.session_type_id = uuid.UUID(answer.json()["id"])
        return self

    async def session(
        self, starts_in: timedelta = timedelta(days=1), capacity: int = 10, minutes: int = 60
    ) -> uuid.UUID:
        local = (datetime.now(UTC) + starts_in).astimezone(AMSTERDAM)
        answer = await self.http.post(
            "/sessions",
            json={
                "location_id": str(self.location_id),
                "session_type_id": str(self.session_type_id),
                "day": local.date().isoformat(),
                "start_time": local.time().replace(microsecond=0).isoformat(),
                "duration_minutes": minutes,
                "capacity": capacity,
            },
            headers=self.staff,
        )
        assert answer.status_code == 201, answer.text
        return uuid.UUID(answer.json()["id"])

    async def grant(
        self,
        member_id: uuid.UUID,
        credits: int | None = 6,
        valid_until: date | None = None,
        kind: str = "pack",
        weekly_limit: int | None = None,
    ) -> uuid.UUID:
        """Apply a SubscriptionActivated the way the consumer does (without the broker, for speed)."""
        subscription_id = uuid.uuid4()
        event = SubscriptionActivated(
            subscription_id=subscription_id,
            member_id=member_id,
            plan_id=uuid.uuid4(),
            plan_name="10-ride card" if kind == "pack" else "Unlimited",
            plan_kind=kind,  # type: ignore[arg-type]
            credits=credits if kind == "pack" else None,
            weekly_limit=weekly_limit,
            valid_from=date.today() - timedelta(days=30),
            valid_until=valid_until or date.today() + timedelta(days=60),
            collection_method="offline",
        )
        envelope = wrap(event, studio_id=self.studio_id, producer="billing", correlation_id="test", sequence=1)
        async with self.direct_transaction() as db:
            await apply_billing_event(db, event, envelope)
        return subscription_id

    async def person(
        self,
        member_id: uuid.UUID | None = None,
        first: str = "Carla",
        last: str = "Coach",
        role: Role = "employee",
        *,
        gender: Gender | None = None,
        account_id: uuid.UUID | None = None,
    ) -> uuid.UUID:
        """Members' MemberRegistered as the consumer applies it (without the broker, for speed); by default a
        coach (an employee)."""
        member_id = member_id or uuid.uuid4()
        event = MemberRegistered(
            member_id=member_id, account_id=account_id or uuid.uuid4(), first_name=first, last_name=last,
            email=f"{member_id}@example.test", start_date=date(2026, 1, 1), role=role, gender=gender,
        )  # fmt: skip
        envelope = wrap(event, studio_id=self.studio_id, producer="members", correlation_id="test", sequence=1)
        async with self.direct_transaction() as db:
            await on_member_profile(db, event, envelope)
        return member_id

    def direct_transaction(self) -> AbstractAsyncContextManager[AsyncSession]:
        """A transaction on the service's database, past its API (events applied as the consumer does)."""
        if self.database is None:
            self.database = Database(self.http.database_url, pool_size=1)  # type: ignore[attr-defined]
        return self.database.transaction()

    async def close(self) -> None:
        if self.database is not None:
            await self.database.dispose()

    async def sign_up(self, session_id: uuid.UUID, member_id: uuid.UUID) -> httpx.Response:
        return await self.http.post(f"/sessions/{session_id}/bookings", json={}, headers=self.member(member_id))

    async def account(self, member_id: uuid.UUID) -> dict:  # type: ignore[type-arg]
        answer = await self.http.get(f"/members/{member_id}/account", headers=self.staff)
        assert answer.status_code == 200, answer.text
        return answer.json()


@pytest_asyncio.fixture(loop_scope="session")
async def studio(client, tokens) -> AsyncIterator[Studio]:
    made = await Studio(client, tokens, uuid.uuid4()).setup()
    yield made
    await made.close()


@pytest_asyncio.fixture(loop_scope="session")
async def make_studio(client, tokens):
    made: list[Studio] = []

    async def make(**settings: object) -> Studio:
        made.append(await Studio(client, tokens, uuid.uuid4()).setup(**settings))
        return made[-1]

    yield make
    for studio in made:
        await studio.close()
