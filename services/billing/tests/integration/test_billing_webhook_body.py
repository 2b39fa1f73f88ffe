"""A correctly signed webhook whose body is no Stripe event billing can apply is a 400 problem, not a 500."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from gymloop_devstack.testing import problem

from .conftest import signed

pytestmark = pytest.mark.integration


def event(**overrides: Any) -> dict[str, Any]:
    invoice = {"id": "in_body_1", "object": "invoice", "customer": "cus_body", "amount_due": 2500, "currency": "eur"}
    return {
        "id": "evt_body_1", "object": "event", "type": "invoice.payment_failed", "created": int(time.time()),
        "data": {"object": invoice}, **overrides,
    }  # fmt: skip


MALFORMED = [
    [],
    "an event",
    {"id": "evt_body_1", "type": "invoice.payment_failed", "data": "in_body_1"},
    event(data={"object": "in_body_1"}),
    event(created="yesterday"),
    event(created=2**40),
    event(id=42),
    event(data={"object": {"id": "in_body_1", "customer": "cus_body", "amount_due": "lots"}}),
    event(data={"object": {"id": "in_body_1", "customer": "cus_body", "amount_due": 2**40}}),
    event(data={"object": {"id": "in_body_1", "customer": {"id": "cus_body"}}}),
    event(type="payment_intent.succeeded", data={"object": {"id": "pi_1", "metadata": ["gymloop_payment_id"]}}),
]


@pytest.mark.parametrize("body", MALFORMED, ids=range(len(MALFORMED)))
async def test_a_signed_malformed_event_is_a_400_problem_and_changes_nothing(client: Any, sql: Any, body: Any) -> None:
    payload = json.dumps(body).encode()
    answer = await client.post("/stripe/webhook", content=payload, headers=signed(payload))
    assert problem(answer, 400)["code"] == "webhook_body_invalid", answer.text
    assert await sql("SELECT count(*) FROM stripe_event") == [(0,)]
    assert await sql("SELECT count(*) FROM payment") == [(0,)]


async def test_an_event_of_a_type_billing_does_not_apply_keeps_being_answered_200(client: Any) -> None:
    payload = json.dumps(event(type="customer.created", data={"object": {"id": "cus_1", "address": None}})).encode()
    answer = await client.post("/stripe/webhook", content=payload, headers=signed(payload))
    assert (answer.status_code, answer.json()) == (200, {"event_id": "evt_body_1", "applied": False})
