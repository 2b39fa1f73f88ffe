"""GET /members/{id}/billing: a member's subscriptions (with plan names), payment state, purchases and payments in
one read, for staff and the member themself; another member's and another studio's are not found."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

pytestmark = pytest.mark.integration

PLAN = {
    "name": "Ten rides",
    "kind": "session_pack",
    "price_cents": 9000,
    "currency": "EUR",
    "period": "one_off",
    "sessions": 10,
    "valid_days": 90,
}


async def test_one_read_has_subscriptions_payment_state_purchases_and_payments(
    client: Any, tokens: Any, add_member: Any, sql: Any
) -> None:
    studio = uuid.uuid4()
    admin = tokens.headers(studio_id=studio, role="admin")
    member_id = await add_member(studio)
    plan = await client.post("/plans", json=PLAN, headers=admin)
    assert plan.status_code == 201, plan.text
    started = await client.post(
        "/subscriptions",
        json={"member_id": str(member_id), "plan_id": plan.json()["id"], "start_date": "2026-09-05"},
        headers=admin,
    )
    assert started.status_code == 201, started.text
    product = (await client.post("/products", json={"name": "Shake", "price_cents": 300}, headers=admin)).json()
    for day, quantity in (("2026-10-01", 1), ("2026-10-07", 3), ("2026-10-03", 2)):
        bought = await client.post(
            "/purchases",
            json={"member_id": str(member_id), "product_id": product["id"], "quantity": quantity, "purchased_on": day},
            headers=admin,
        )
        assert bought.status_code == 201, bought.text
    payment_id = uuid.uuid4()
    await sql(
        "INSERT INTO payment (id, studio_id, member_id, amount_cents, currency, method, status, attempts) "
        "VALUES (:p, :s, :m, 9000, 'EUR', 'sepa_export', 'pending', 1)",
        p=payment_id, s=studio, m=member_id,
    )  # fmt: skip
    refused = await client.post(f"/payments/{payment_id}/bank-answer", json={"succeeded": False}, headers=admin)
    assert refused.status_code == 200, refused.text

    member = tokens.headers(studio_id=studio, role="member", member_id=member_id)
    for caller in (admin, member):
        answer = await client.get(f"/members/{member_id}/billing", params={"limit": 2}, headers=caller)
        assert answer.status_code == 200, answer.text
        body = answer.json()
        (subscription,) = body["subscriptions"]
        assert (subscription["plan_name"], subscription["credits"]) == ("Ten rides", 10)
        assert body["payment_state"]["state"] == "overdue"
        assert body["payment_state"]["may_book"] is False
        purchases = body["purchases"]
        assert (purchases["total"], purchases["limit"], purchases["offset"]) == (3, 2, 0)
        assert [(p["purchased_on"], p["quantity"]) for p in purchases["items"]] == [
            ("2026-10-07", 3),
            ("2026-10-03", 2),
        ]
        (payment,) = body["payments"]["items"]
        assert (payment["id"], payment["status"], payment["amount_cents"]) == (str(payment_id), "failed", 9000)
        assert body["payments"]["total"] == 1

    second_page = await client.get(f"/members/{member_id}/billing", params={"limit": 2, "offset": 2}, headers=admin)
    assert [p["purchased_on"] for p in second_page.json()["purchases"]["items"]] == ["2026-10-01"]
    past_the_end = (await client.get(f"/members/{member_id}/billing", params={"offset": 9}, headers=admin)).json()
    assert (past_the_end["purchases"]["items"], past_the_end["purchases"]["total"]) == ([], 3)
    assert (past_the_end["payments"]["items"], past_the_end["payments"]["total"]) == ([], 1)


async def test_another_members_or_studios_billing_is_not_found(client: Any, tokens: Any, add_member: Any) -> None:
    studio = uuid.uuid4()
    member_id = await add_member(studio)
    path = f"/members/{member_id}/billing"
    someone_else = tokens.headers(studio_id=studio, role="member", member_id=uuid.uuid4())
    other_studio = tokens.headers(studio_id=uuid.uuid4(), role="admin")
    assert (await client.get(path, headers=someone_else)).status_code == 404
    assert (await client.get(path, headers=other_studio)).status_code == 404
    assert (await client.get(path, params={"limit": 501}, headers=other_studio)).status_code == 422
