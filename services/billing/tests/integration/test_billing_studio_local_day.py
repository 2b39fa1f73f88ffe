"""The scheduler works on each studio's local day: members' StudioUpdated on the broker gives billing the zone,
and renewals and Stripe retries happen when the studio's day turns, not the UTC day. An older StudioUpdated
arriving late does not overwrite a newer zone; a studio whose zone is not announced yet uses the kit's default
zone (Europe/Amsterdam)."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Any

import pytest
from gymloop_billing.service.scheduler import DueWorkReport, run_due_work
from gymloop_contracts import Envelope
from gymloop_contracts.events.billing import PaymentFailed, SubscriptionRenewed
from gymloop_contracts.events.members import StudioUpdated
from gymloop_devstack.testing import EventProbe, eventually, publish
from gymloop_kit.db import Database

pytestmark = pytest.mark.integration

MONTHLY = {"name": "Unlimited", "kind": "unlimited", "price_cents": 5000, "currency": "EUR", "period": "monthly"}


class FailingStripe:
    """Stands in for Stripe's invoice retry: every retry is declined; remembers which invoices were charged."""

    def __init__(self) -> None:
        self.charged: list[str] = []

    async def retry_invoice(self, invoice_id: str, *, idempotency_key: str) -> bool:
        self.charged.append(invoice_id)
        return False


class Studio:
    """A Stripe studio with one member on a monthly plan since 1 January 2027 (first period ends 31 January)
    and one failed Stripe payment whose first retry is due on 1 February 2027."""

    def __init__(self, client: Any, tokens: Any, sql: Any, add_member: Any, name: str) -> None:
        self.client, self.sql, self.add_member, self.name = client, sql, add_member, name
        self.id = uuid.uuid4()
        self.admin = tokens.headers(studio_id=self.id, role="admin")
        self.invoice = f"in_{name}_{self.id.hex[:8]}"
        self.subscription_id = ""

    async def setup(self) -> Studio:
        settings = await self.client.put("/billing-settings", json={"collection_method": "stripe"}, headers=self.admin)
        assert settings.status_code == 200, settings.text
        plan = await self.client.post("/plans", json=MONTHLY, headers=self.admin)
        assert plan.status_code == 201, plan.text
        member_id = await self.add_member(self.id, start_date=date(2027, 1, 1))
        body = {"member_id": str(member_id), "plan_id": plan.json()["id"], "start_date": "2027-01-01"}
        started = await self.client.post("/subscriptions", json=body, headers=self.admin)
        assert started.status_code == 201, started.text
        assert started.json()["valid_until"] == "2027-01-31"
        self.subscription_id = started.json()["id"]
        await self.sql(
            "INSERT INTO payment (id, studio_id, member_id, amount_cents, currency, method, status, attempts, "
            "next_retry_on, stripe_invoice_id) "
            "VALUES (:id, :s, :m, 5000, 'EUR', 'stripe_card', 'failed', 1, :r, :i)",
            id=uuid.uuid4(),
            s=self.id,
            m=member_id,
            r=date(2027, 2, 1),
            i=self.invoice,
        )
        return self

    async def zone_is(self, zone: str, sequence: int) -> Envelope:
        update = StudioUpdated(studio_id=self.id, name=f"Studio {self.name}", time_zone=zone)
        return await publish(self.client.kafka, update, studio_id=self.id, sequence=sequence)

    async def valid_until(self) -> date:
        rows = await self.sql("SELECT valid_until FROM subscription WHERE id = :i", i=uuid.UUID(self.subscription_id))
        value: date = rows[0][0]
        return value

    async def next_retry_on(self) -> date | None:
        rows = await self.sql("SELECT next_retry_on FROM payment WHERE stripe_invoice_id = :i", i=self.invoice)
        value: date | None = rows[0][0]
        return value


async def _pass(database: Database, now: datetime, stripe: FailingStripe) -> DueWorkReport:
    return await run_due_work(database, now, retrier=stripe)


async def test_renewals_and_retries_follow_the_studios_local_day(
    consuming_client: Any, billing_url: str, tokens: Any, sql: Any, add_member: Any
) -> None:
    amsterdam = await Studio(consuming_client, tokens, sql, add_member, "ams").setup()
    new_york = await Studio(consuming_client, tokens, sql, add_member, "nyc").setup()
    unannounced = await Studio(consuming_client, tokens, sql, add_member, "dflt").setup()  # no StudioUpdated yet

    await amsterdam.zone_is("Europe/Amsterdam", sequence=1)
    await new_york.zone_is("America/New_York", sequence=2)
    late = await new_york.zone_is("Asia/Tokyo", sequence=1)  # older, delivered after the newer one

    async def zones_applied() -> bool:
        applied = await sql("SELECT count(*) FROM inbox WHERE consumer = 'billing' AND event_id = :e", e=late.event_id)
        return applied[0][0] == 1 and len(await sql("SELECT studio_id FROM studio_zone")) == 2

    await eventually(zones_applied, timeout_s=30)
    zones = dict(await sql("SELECT studio_id, time_zone FROM studio_zone"))
    assert zones == {amsterdam.id: "Europe/Amsterdam", new_york.id: "America/New_York"}

    stripe = FailingStripe()
    database = Database(billing_url)
    try:
        async with EventProbe.for_events(consuming_client.kafka, SubscriptionRenewed, PaymentFailed) as probe:
            # 23:30 UTC on 31 January: already 1 February in Amsterdam (and in the default zone), still 31 January
            # in New York.
            first = await _pass(database, datetime(2027, 1, 31, 23, 30, tzinfo=UTC), stripe)
            assert (first.renewed, first.retried) == (2, 2)
            assert sorted(stripe.charged) == sorted([amsterdam.invoice, unannounced.invoice])
            assert await amsterdam.valid_until() == date(2027, 2, 28)
            assert await amsterdam.next_retry_on() == date(2027, 2, 6)  # 5 days from the local retry day
            assert await unannounced.valid_until() == date(2027, 2, 28)
            assert await new_york.valid_until() == date(2027, 1, 31)
            assert await new_york.next_retry_on() == date(2027, 2, 1)

            # 04:30 UTC on 1 February: New York is still on 31 January (the late Tokyo zone, already on 1 February,
            # was not applied).
            second = await _pass(database, datetime(2027, 2, 1, 4, 30, tzinfo=UTC), stripe)
            assert (second.renewed, second.retried) == (0, 0)
            assert await new_york.valid_until() == date(2027, 1, 31)
            assert await new_york.next_retry_on() == date(2027, 2, 1)

            # 05:30 UTC: midnight has passed in New York.
            third = await _pass(database, datetime(2027, 2, 1, 5, 30, tzinfo=UTC), stripe)
            assert (third.renewed, third.retried) == (1, 1)
            assert await new_york.valid_until() == date(2027, 2, 28)
            assert await new_york.next_retry_on() == date(2027, 2, 6)

            # Later the same local day: nothing is left to do anywhere.
            again = await _pass(database, datetime(2027, 2, 1, 20, 0, tzinfo=UTC), stripe)
            assert (again.renewed, again.ended, again.retried) == (0, 0, 0)

            await probe.wait_for(
                lambda events: len(events) >= 6, timeout_s=30, settle_s=1.0
            )  # 3 renewals, 3 failed retries
    finally:
        await database.dispose()

    renewed = {e.studio_id: SubscriptionRenewed.model_validate(e.payload) for e in probe.of_type(SubscriptionRenewed)}
    failed = {e.studio_id: PaymentFailed.model_validate(e.payload) for e in probe.of_type(PaymentFailed)}
    assert len(probe.of_type(SubscriptionRenewed)) == 3
    assert len(probe.of_type(PaymentFailed)) == 3
    for studio in (amsterdam, new_york, unannounced):
        assert (renewed[studio.id].valid_from, renewed[studio.id].valid_until) == (date(2027, 2, 1), date(2027, 2, 28))
        assert (failed[studio.id].attempt, failed[studio.id].next_retry_on) == (2, date(2027, 2, 6))


async def test_an_unknown_time_zone_is_not_stored_and_the_studio_keeps_its_zone(
    consuming_client: Any, sql: Any
) -> None:
    studio_id = uuid.uuid4()
    kafka = consuming_client.kafka
    await publish(
        kafka, StudioUpdated(studio_id=studio_id, name="Zoe", time_zone="Europe/Amsterdam"), studio_id=studio_id
    )
    bad = await publish(
        kafka,
        StudioUpdated(studio_id=studio_id, name="Zoe", time_zone="Europe/Atlantis"),
        studio_id=studio_id,
        sequence=2,
    )

    async def consumed() -> bool:
        applied = await sql("SELECT count(*) FROM inbox WHERE consumer = 'billing' AND event_id = :e", e=bad.event_id)
        return bool(applied[0][0] == 1)

    await eventually(consumed, timeout_s=30)
    assert await sql("SELECT time_zone FROM studio_zone WHERE studio_id = :s", s=studio_id) == [("Europe/Amsterdam",)]
