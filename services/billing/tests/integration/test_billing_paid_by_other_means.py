"""A returned SEPA collection makes the member overdue; staff clear it once the member paid another way (at the
desk): the payment succeeds as an offline one, the member is ok and may book again, and bookings is told by a
MemberPaymentStateChanged (one aggregate per member, so the newest state wins). Payments someone still collects
are refused and change nothing."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

import pytest
from gymloop_billing.domain.collection_dates import earliest_collection_date
from gymloop_devstack.testing import problem

pytestmark = pytest.mark.integration

CREDITOR = {
    "collection_method": "sepa_export",
    "creditor_name": "Sportschool Balie",
    "creditor_iban": "NL91ABNA0417164300",
    "creditor_id": "NL57ZZZ999999999999",
}
PLAN = {"name": "Unlimited", "kind": "unlimited", "price_cents": 4500, "currency": "EUR", "period": "monthly"}
STATE_EVENTS = (
    "SELECT envelope->'payload'->>'state', (envelope->'payload'->>'failed_attempts')::int, "
    "(envelope->>'sequence')::int FROM outbox WHERE envelope->>'event_type' = 'MemberPaymentStateChanged' "
    "AND envelope->'payload'->>'member_id' = :m ORDER BY id"
)


async def _collected_member(client: Any, admin: dict[str, str], add_member: Any, studio: uuid.UUID) -> Any:
    assert (await client.put("/billing-settings", json=CREDITOR, headers=admin)).status_code == 200
    plan_id = (await client.post("/plans", json=PLAN, headers=admin)).json()["id"]
    member_id = await add_member(studio, first_name="Bram", last_name="Bos")
    mandate = {"mandate_reference": "GL-BALIE", "iban": "DE89370400440532013000", "account_holder": "Bram Bos",
               "signed_on": "2026-01-05"}  # fmt: skip
    assert (await client.put(f"/members/{member_id}/mandate", json=mandate, headers=admin)).status_code == 200
    started = await client.post(
        "/subscriptions", json={"member_id": str(member_id), "plan_id": plan_id, "start_date": "2026-02-01"},
        headers=admin,
    )  # fmt: skip
    assert started.status_code == 201, started.text
    run = {"collection_date": earliest_collection_date(date.today()).isoformat(), "period_label": "2026-02"}
    assert (await client.post("/payment-runs", json=run, headers=admin)).status_code == 201
    billing = (await client.get(f"/members/{member_id}/billing", headers=admin)).json()
    (payment,) = billing["payments"]["items"]
    return member_id, payment["id"]


async def test_a_returned_payment_paid_at_the_desk_clears_the_overdue_state(
    client: Any, tokens: Any, sql: Any, add_member: Any
) -> None:
    studio = uuid.uuid4()
    admin = tokens.headers(studio_id=studio, role="admin")
    member_id, payment_id = await _collected_member(client, admin, add_member, studio)
    clear = f"/payments/{payment_id}/paid-by-other-means"

    in_run = await client.post(clear, headers=admin)
    assert problem(in_run, 422)["code"] == "payment_being_collected"
    assert await sql("SELECT status, method FROM payment WHERE id = :p", p=payment_id) == [("pending", "sepa_export")]

    returned = await client.post(f"/payments/{payment_id}/bank-answer", json={"succeeded": False, "reason": "AM04"},
                                 headers=admin)  # fmt: skip
    assert returned.status_code == 200, returned.text
    state = (await client.get(f"/members/{member_id}/payment-state", headers=admin)).json()
    assert (state["state"], state["may_book"]) == ("overdue", False)
    assert await sql(STATE_EVENTS, m=str(member_id)) == [("overdue", 1, 1)]

    member = tokens.headers(studio_id=studio, role="member", member_id=member_id)
    assert problem(await client.post(clear, headers=member), 403)
    other_studio = tokens.headers(studio_id=uuid.uuid4(), role="admin")
    assert problem(await client.post(clear, headers=other_studio), 404)["code"] == "payment_not_found"
    assert await sql("SELECT status FROM payment WHERE id = :p", p=payment_id) == [("failed",)]

    paid = await client.post(clear, headers=admin)
    assert paid.status_code == 200, paid.text
    assert (paid.json()["id"], paid.json()["status"]) == (payment_id, "succeeded")
    assert await sql("SELECT status, method FROM payment WHERE id = :p", p=payment_id) == [("succeeded", "offline")]
    state = (await client.get(f"/members/{member_id}/payment-state", headers=member)).json()
    assert (state["state"], state["failed_attempts"], state["may_book"]) == ("ok", 0, True)
    assert await sql(STATE_EVENTS, m=str(member_id)) == [("overdue", 1, 1), ("ok", 0, 2)]
    succeeded = await sql(
        "SELECT envelope->'payload'->>'method' FROM outbox WHERE envelope->>'event_type' = 'PaymentSucceeded' "
        "AND envelope->'payload'->>'payment_id' = :p",
        p=payment_id,
    )
    assert succeeded == [("offline",)]

    again = await client.post(clear, headers=admin)
    assert problem(again, 422)["code"] == "payment_settled"
    assert len(await sql(STATE_EVENTS, m=str(member_id))) == 2


async def test_the_studio_setting_decides_whether_an_overdue_member_may_book(
    client: Any, tokens: Any, add_member: Any
) -> None:
    studio = uuid.uuid4()
    admin = tokens.headers(studio_id=studio, role="admin")
    member_id, payment_id = await _collected_member(client, admin, add_member, studio)
    await client.post(f"/payments/{payment_id}/bank-answer", json={"succeeded": False, "reason": "MS03"}, headers=admin)
    lenient = await client.put("/billing-settings", json={**CREDITOR, "overdue_members_may_book": True}, headers=admin)
    assert lenient.status_code == 200, lenient.text
    state = (await client.get(f"/members/{member_id}/payment-state", headers=admin)).json()
    assert (state["state"], state["may_book"]) == ("overdue", True)
