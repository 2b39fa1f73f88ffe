"""The scheduler's due work (renew, end, Stripe retries) on the real database, and the job's lifecycle."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, date, datetime
from typing import Any

import pytest
from gymloop_billing.app import create_app
from gymloop_billing.service.scheduler import run_due_work
from gymloop_devstack.testing import eventually, service_client
from gymloop_kit.db import Database

from .conftest import billing_settings

pytestmark = pytest.mark.integration

MID_MARCH = datetime(2026, 3, 15, 12, tzinfo=UTC)  # billing knows no zone for these studios: UTC days

MONTHLY = {"name": "Unlimited", "kind": "unlimited", "price_cents": 5000, "currency": "EUR", "period": "monthly"}
PACK = {
    "name": "10 sessions",
    "kind": "session_pack",
    "sessions": 10,
    "price_cents": 9000,
    "currency": "EUR",
    "period": "one_off",
    "valid_days": 30,
}


class ScriptedRetrier:
    """Stands in for Stripe: answers each payment's retry as scripted and remembers what was charged."""

    def __init__(self, outcomes: dict[str, bool]) -> None:
        self.outcomes = outcomes
        self.charged: list[str] = []

    async def retry_invoice(self, invoice_id: str, *, idempotency_key: str) -> bool:
        self.charged.append(invoice_id)
        return self.outcomes[invoice_id]


async def _events(sql: Any, studio: uuid.UUID) -> list[tuple[str, dict[str, Any]]]:
    rows = await sql(
        "SELECT envelope->>'event_type', envelope->'payload' FROM outbox WHERE envelope->>'studio_id' = :s ORDER BY id",
        s=str(studio),
    )
    return [(row[0], row[1]) for row in rows]


async def _subscribe(client: Any, headers: dict[str, str], member_id: uuid.UUID, plan_id: str, start: str) -> str:
    response = await client.post(
        "/subscriptions", json={"member_id": str(member_id), "plan_id": plan_id, "start_date": start}, headers=headers
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def test_due_work_renews_ends_and_is_idempotent(
    client: Any, billing_url: str, tokens: Any, add_member: Any, sql: Any
) -> None:
    studio = uuid.uuid4()
    admin = tokens.headers(studio_id=studio, role="admin")
    monthly = (await client.post("/plans", json=MONTHLY, headers=admin)).json()["id"]
    pack = (await client.post("/plans", json=PACK, headers=admin)).json()["id"]
    running = await _subscribe(client, admin, await add_member(studio), monthly, "2026-01-01")
    cancelled = await _subscribe(client, admin, await add_member(studio), monthly, "2026-01-01")
    one_off = await _subscribe(client, admin, await add_member(studio), pack, "2026-01-01")
    current = await _subscribe(client, admin, await add_member(studio), monthly, "2026-03-01")
    notice = {"requested_on": "2026-01-10", "notice_months": 1}  # notice ends 9 Feb: ends 28 Feb
    assert (await client.post(f"/subscriptions/{cancelled}/cancel", json=notice, headers=admin)).status_code == 200
    before = len(await _events(sql, studio))
    charges_before = (await sql("SELECT count(*) FROM charge WHERE studio_id = :s", s=studio))[0][0]

    database = Database(billing_url)
    try:
        first = await run_due_work(database, MID_MARCH)
        second = await run_due_work(database, MID_MARCH)
    finally:
        await database.dispose()

    assert (first.renewed, first.ended) == (3, 2)  # running: Feb + Mar; cancelled: Feb; then it and the pack end
    assert (second.renewed, second.ended) == (0, 0)
    published = (await _events(sql, studio))[before:]
    renewals = [p for kind, p in published if kind == "SubscriptionRenewed"]
    assert sorted((p["subscription_id"], p["valid_from"]) for p in renewals) == sorted(
        [(running, "2026-02-01"), (running, "2026-03-01"), (cancelled, "2026-02-01")]
    )
    ends = {p["subscription_id"]: (p["ended_on"], p["reason"]) for kind, p in published if kind == "SubscriptionEnded"}
    assert ends == {cancelled: ("2026-02-28", "cancelled"), one_off: ("2026-01-30", "expired")}
    assert len(published) == 5  # the second pass added nothing
    rows = dict(await sql("SELECT id::text, valid_until FROM subscription WHERE studio_id = :s", s=studio))
    assert rows[running] == date(2026, 3, 31)
    assert rows[current] == date(2026, 3, 31)  # its first period is still running
    assert (await sql("SELECT count(*) FROM charge WHERE studio_id = :s", s=studio))[0][0] == charges_before + 3


async def test_due_stripe_retries_follow_the_policy_and_overdue_may_book_setting(
    client: Any, billing_url: str, tokens: Any, add_member: Any, sql: Any
) -> None:
    studio = uuid.uuid4()
    admin = tokens.headers(studio_id=studio, role="admin")
    settings = {"collection_method": "stripe", "overdue_members_may_book": True}
    assert (await client.put("/billing-settings", json=settings, headers=admin)).status_code == 200
    last_chance, recovers, later = await add_member(studio), await add_member(studio), await add_member(studio)
    suffix = studio.hex[:8]  # invoice ids are unique across the shared database
    for member_id, attempts, retry_on, invoice in [
        (last_chance, 3, date(2026, 3, 10), f"in_last_{suffix}"),
        (recovers, 1, date(2026, 3, 15), f"in_ok_{suffix}"),
        (later, 1, date(2026, 3, 16), f"in_later_{suffix}"),
    ]:
        await sql(
            "INSERT INTO payment (id, studio_id, member_id, amount_cents, currency, method, status, attempts, "
            "next_retry_on, stripe_invoice_id) VALUES (:id, :s, :m, 5000, 'EUR', 'stripe_card', 'failed', :a, :r, :i)",
            id=uuid.uuid4(),
            s=studio,
            m=member_id,
            a=attempts,
            r=retry_on,
            i=invoice,
        )
    before = len(await _events(sql, studio))
    stripe = ScriptedRetrier({f"in_last_{suffix}": False, f"in_ok_{suffix}": True})

    database = Database(billing_url)
    try:
        offline = await run_due_work(database, MID_MARCH)  # no Stripe client: nothing is touched
        first = await run_due_work(database, MID_MARCH, retrier=stripe)
        second = await run_due_work(database, MID_MARCH, retrier=stripe)
    finally:
        await database.dispose()

    assert (offline.retried, offline.retries_waiting) == (0, 2)
    assert (first.retried, first.retries_succeeded) == (2, 1)
    assert second.retried == 0
    assert sorted(stripe.charged) == sorted([f"in_last_{suffix}", f"in_ok_{suffix}"])  # not the later one, once
    published = (await _events(sql, studio))[before:]
    assert sorted(kind for kind, _ in published) == ["MemberPaymentStateChanged", "PaymentFailed", "PaymentSucceeded"]
    announced = [(p["member_id"], p["state"]) for kind, p in published if kind == "MemberPaymentStateChanged"]
    assert announced == [(str(last_chance), "overdue")]  # what bookings follows; the recovered one was never overdue
    failed = next(p for kind, p in published if kind == "PaymentFailed")
    assert (failed["member_id"], failed["attempt"], failed["next_retry_on"]) == (str(last_chance), 4, None)
    assert (failed["overdue"], failed["may_book"]) == (True, True)  # the studio lets overdue members book
    states = dict(await sql("SELECT member_id, state FROM member_payment_state WHERE studio_id = :s", s=studio))
    assert states == {last_chance: "overdue", recovers: "ok"}
    state = await client.get(f"/members/{last_chance}/payment-state", headers=admin)
    assert (state.json()["state"], state.json()["may_book"]) == ("overdue", True)
    statuses = dict(await sql("SELECT member_id, status FROM payment WHERE studio_id = :s", s=studio))
    assert statuses == {last_chance: "failed", recovers: "succeeded", later: "failed"}


async def test_scheduler_job_runs_a_pass_and_stops_promptly(
    billing_url: str, make_settings: Any, private_kafka: Any, tokens: Any, add_member: Any, sql: Any
) -> None:
    settings = billing_settings(
        make_settings,
        billing_url,
        private_kafka.bootstrap_servers,
        consumer_enabled=False,
        scheduler_enabled=True,
        scheduler_interval_s=0.2,
    )
    studio = uuid.uuid4()
    admin = tokens.headers(studio_id=studio, role="admin")
    today = datetime.now(UTC).date()
    start = date(today.year - 1, today.month, 1)  # a year of periods to catch up
    async with service_client(create_app(settings)) as http:
        plan_id = (await http.post("/plans", json=MONTHLY, headers=admin)).json()["id"]
        member_id = await add_member(studio, start_date=start)
        subscription_id = await _subscribe(http, admin, member_id, plan_id, start.isoformat())

        async def caught_up() -> bool:
            rows = await sql("SELECT valid_until FROM subscription WHERE id = :i", i=uuid.UUID(subscription_id))
            return bool(rows[0][0] >= today)

        await eventually(caught_up, timeout_s=20)
        stopping = time.monotonic()
    assert time.monotonic() - stopping < 5  # the job honours cancellation instead of finishing its loop
    renewals = [kind for kind, _ in await _events(sql, studio) if kind == "SubscriptionRenewed"]
    assert len(renewals) == 12
