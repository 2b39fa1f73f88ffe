"""Migrations 0008 and 0009 keep the data: payment states are kept (now one per studio and member), and existing
charges are given the payment that collected them (a run's payment of the member, a Stripe invoice's payment)."""

from __future__ import annotations

import asyncio
import uuid
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from gymloop_kit.migrations import upgrade
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

pytestmark = pytest.mark.integration

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"

CHARGE = (
    "INSERT INTO charge (id, studio_id, member_id, subscription_id, plan_id, description, amount_cents, currency,"
    " due_on, payment_run_id) VALUES (:id, :s, :m, :sub, :plan, 'Unlimited', 5900, 'EUR', :due, :run)"
)
PAYMENT = (
    "INSERT INTO payment (id, studio_id, member_id, amount_cents, currency, method, status, attempts,"
    " payment_run_id, subscription_id, stripe_invoice_id) VALUES"
    " (:id, :s, :m, 5900, 'EUR', :method, 'succeeded', 1, :run, :sub, :invoice)"
)


async def test_0008_and_0009_keep_states_and_link_charges_to_their_payments(new_database: Any) -> None:
    url = await new_database(None, prefix="billing_keys")
    await asyncio.to_thread(upgrade, MIGRATIONS, url, "0007")
    studio, member, plan = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    by_run, by_stripe = uuid.uuid4(), uuid.uuid4()  # a SEPA subscription and a Stripe one
    run, run_payment, invoice_payment = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    in_run, paid_by_stripe, stripe_next, open_sepa = (uuid.uuid4() for _ in range(4))
    engine = create_async_engine(url)
    try:
        async with engine.begin() as db:
            await db.execute(
                text("INSERT INTO member_payment_state VALUES (:m, :s, 'overdue', 4)"), {"m": member, "s": studio}
            )
            common = {"s": studio, "m": member, "plan": plan}
            for charge_id, sub, due, run_id in (
                (in_run, by_run, date(2026, 1, 1), run),
                (open_sepa, by_run, date(2026, 2, 1), None),
                (paid_by_stripe, by_stripe, date(2026, 1, 1), None),
                (stripe_next, by_stripe, date(2026, 2, 1), None),
            ):
                await db.execute(text(CHARGE), {**common, "id": charge_id, "sub": sub, "due": due, "run": run_id})
            await db.execute(
                text(PAYMENT),
                {"id": run_payment, "s": studio, "m": member, "method": "sepa_export", "run": run, "sub": None,
                 "invoice": None},
            )  # fmt: skip
            await db.execute(
                text(PAYMENT),
                {"id": invoice_payment, "s": studio, "m": member, "method": "stripe_card", "run": None,
                 "sub": by_stripe, "invoice": "in_1"},
            )  # fmt: skip

        await asyncio.to_thread(upgrade, MIGRATIONS, url, "head")

        async with engine.begin() as db:
            states = (
                await db.execute(text("SELECT studio_id, member_id, state, failed_attempts FROM member_payment_state"))
            ).all()
            taken = dict((await db.execute(text("SELECT id, payment_id FROM charge"))).all())
            # the same member in another studio now has a state of its own
            await db.execute(
                text("INSERT INTO member_payment_state VALUES (:m, :s, 'ok', 0)"), {"m": member, "s": uuid.uuid4()}
            )
    finally:
        await engine.dispose()
    assert states == [(studio, member, "overdue", 4)]
    assert taken == {in_run: run_payment, paid_by_stripe: invoice_payment, stripe_next: None, open_sepa: None}
