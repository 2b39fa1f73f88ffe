"""Idempotency-Key on billing's POSTs that move money: a retried purchase, subscription start or payment run gets
the first answer and records nothing more; the same key with another body is refused (422); a key whose first
request is still at work answers 409; without the header the routes are as before."""

from __future__ import annotations

import json
import uuid
from datetime import date
from typing import Any

import httpx
import pytest
from gymloop_billing.domain.collection_dates import earliest_collection_date
from gymloop_devstack.testing import error_fields, problem
from gymloop_kit.idempotency.http import fingerprint

from .conftest import stripe_studio

pytestmark = pytest.mark.integration

PLAN = {"name": "Unlimited", "kind": "unlimited", "price_cents": 4500, "currency": "EUR", "period": "monthly"}
CREDITOR = {
    "collection_method": "sepa_export",
    "creditor_name": "Sportschool Zoe",
    "creditor_iban": "NL91ABNA0417164300",
    "creditor_id": "NL57ZZZ999999999999",
}
BILLING_IDEMPOTENT_POSTS = ["/purchases", "/subscriptions", "/stripe/subscriptions", "/payment-runs"]


def keyed(headers: dict[str, str], key: str) -> dict[str, str]:
    return {**headers, "Idempotency-Key": key}


async def _product(client: Any, tokens: Any, studio: uuid.UUID) -> str:
    admin = tokens.headers(studio_id=studio, role="admin")
    product = await client.post("/products", json={"name": "Shake", "price_cents": 350}, headers=admin)
    assert product.status_code == 201, product.text
    return str(product.json()["id"])


async def test_a_retried_purchase_gets_the_first_answer_and_records_one_purchase(
    client: Any, tokens: Any, add_member: Any, sql: Any
) -> None:
    studio = uuid.uuid4()
    staff = keyed(tokens.headers(studio_id=studio, role="employee"), "till-1")
    member_id = await add_member(studio)
    body = {"member_id": str(member_id), "product_id": await _product(client, tokens, studio), "quantity": 2}

    first = await client.post("/purchases", json=body, headers=staff)
    retry = await client.post("/purchases", json=body, headers=staff)

    assert first.status_code == 201, first.text
    assert (retry.status_code, retry.content) == (201, first.content)
    assert retry.headers["Idempotent-Replayed"] == "true"
    assert await sql("SELECT count(*) FROM purchase WHERE member_id = :m", m=member_id) == [(1,)]

    other = await client.post("/purchases", json={**body, "quantity": 3}, headers=staff)
    assert problem(other, 422)["code"] == "idempotency_key_reused"
    assert error_fields(other)[0]["loc"] == ["header", "Idempotency-Key"]
    assert await sql("SELECT count(*) FROM purchase WHERE member_id = :m", m=member_id) == [(1,)]


async def test_without_a_key_each_purchase_is_recorded(client: Any, tokens: Any, add_member: Any, sql: Any) -> None:
    studio = uuid.uuid4()
    staff = tokens.headers(studio_id=studio, role="employee")
    member_id = await add_member(studio)
    body = {"member_id": str(member_id), "product_id": await _product(client, tokens, studio)}
    for _ in range(2):
        assert (await client.post("/purchases", json=body, headers=staff)).status_code == 201
    assert await sql("SELECT count(*) FROM purchase WHERE member_id = :m", m=member_id) == [(2,)]


async def test_a_key_whose_first_request_is_at_work_answers_409_and_a_failed_one_is_released(
    client: Any, tokens: Any, add_member: Any, sql: Any
) -> None:
    studio, account = uuid.uuid4(), uuid.uuid4()
    staff = tokens.headers(studio_id=studio, role="employee", account_id=account)
    member_id = await add_member(studio)
    content = json.dumps({"member_id": str(member_id), "product_id": await _product(client, tokens, studio)}).encode()
    headers = {**keyed(staff, "busy"), "Content-Type": "application/json"}
    # the claim of a first request still waiting for Stripe: fingerprint kept, no answer yet
    await sql(
        "INSERT INTO idempotency_key (studio_id, caller_id, key, fingerprint) VALUES (:s, :c, 'busy', :f)",
        s=studio, c=account, f=fingerprint("POST", "/purchases", content),
    )  # fmt: skip

    busy = await client.post("/purchases", content=content, headers=headers)

    assert problem(busy, 409)["code"] == "idempotency_key_in_progress"
    assert await sql("SELECT count(*) FROM purchase WHERE member_id = :m", m=member_id) == [(0,)]

    unknown = {"member_id": str(member_id), "product_id": str(uuid.uuid4())}
    refused = await client.post("/purchases", json=unknown, headers=keyed(staff, "refused"))
    assert problem(refused, 422)["code"] == "product_unknown"
    assert await sql("SELECT count(*) FROM idempotency_key WHERE key = 'refused'") == [(0,)]  # free to retry


async def test_a_retried_subscription_start_and_payment_run_happen_once(
    client: Any, tokens: Any, add_member: Any, sql: Any
) -> None:
    studio = uuid.uuid4()
    admin = tokens.headers(studio_id=studio, role="admin")
    assert (await client.put("/billing-settings", json=CREDITOR, headers=admin)).status_code == 200
    plan_id = (await client.post("/plans", json=PLAN, headers=admin)).json()["id"]
    member_id = await add_member(studio)
    start = {"member_id": str(member_id), "plan_id": plan_id, "start_date": "2026-02-01"}

    started = [await client.post("/subscriptions", json=start, headers=keyed(admin, "start-1")) for _ in range(2)]

    assert started[0].status_code == 201, started[0].text
    assert (started[1].status_code, started[1].content) == (201, started[0].content)
    assert await sql("SELECT count(*) FROM subscription WHERE member_id = :m", m=member_id) == [(1,)]

    mandate = await client.put(
        f"/members/{member_id}/mandate",
        json={"mandate_reference": "GL-1", "iban": "DE89370400440532013000", "account_holder": "Anna",
              "signed_on": "2026-01-05"},
        headers=admin,
    )  # fmt: skip
    assert mandate.status_code == 200, mandate.text
    run = {"collection_date": earliest_collection_date(date.today()).isoformat(), "period_label": "2026-02"}

    runs = [await client.post("/payment-runs", json=run, headers=keyed(admin, "run-1")) for _ in range(2)]

    assert runs[0].status_code == 201, runs[0].text
    assert (runs[1].status_code, runs[1].content) == (201, runs[0].content)
    assert await sql("SELECT count(*) FROM payment_run WHERE studio_id = :s", s=studio) == [(1,)]
    assert await sql("SELECT count(*) FROM payment WHERE studio_id = :s", s=studio) == [(1,)]


async def test_a_refused_stripe_start_releases_its_key(
    served_billing: str, localstripe: str, tokens: Any, add_member: Any, sql: Any
) -> None:
    studio = uuid.uuid4()
    admin = tokens.headers(studio_id=studio, role="admin")
    async with httpx.AsyncClient(base_url=served_billing, timeout=30) as http:
        await stripe_studio(http, localstripe, served_billing, admin)
        plan_id = (await http.post("/plans", json=PLAN, headers=admin)).json()["id"]
        body = {"member_id": str(await add_member(studio)), "plan_id": plan_id, "start_date": "2026-11-22"}
        answers = [await http.post("/stripe/subscriptions", json=body, headers=keyed(admin, "s-1")) for _ in range(2)]

    # no payment method: refused both times (the refusal released the key), never 409 in progress
    assert [problem(answer, 422)["code"] for answer in answers] == ["no_stripe_payment_method"] * 2
    assert await sql("SELECT count(*) FROM idempotency_key WHERE studio_id = :s", s=studio) == [(0,)]


async def test_the_header_is_documented_on_the_posts_that_move_money(client: Any) -> None:
    paths = (await client.get("/openapi.json")).json()["paths"]
    for path in BILLING_IDEMPOTENT_POSTS:
        headers = [p for p in paths[path]["post"].get("parameters", []) if p["in"] == "header"]
        assert [p["name"] for p in headers] == ["Idempotency-Key"], path
        assert "first answer" in headers[0]["description"]
