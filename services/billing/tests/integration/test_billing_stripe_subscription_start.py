"""Starting a Stripe subscription for a member Stripe cannot charge is refused with what to do, before any
Stripe object or subscription of ours is made."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest
from gymloop_devstack.testing import error_fields, problem

from .conftest import stripe_studio

pytestmark = pytest.mark.integration

PLAN = {"name": "Unlimited", "kind": "unlimited", "price_cents": 5900, "currency": "EUR", "period": "monthly"}


async def test_a_member_without_a_payment_method_gets_a_field_error(
    served_billing: str, localstripe: str, tokens: Any, add_member: Any, sql: Any
) -> None:
    studio = uuid.uuid4()
    admin = tokens.headers(studio_id=studio, role="admin")
    async with httpx.AsyncClient(base_url=served_billing, timeout=30) as http:
        await stripe_studio(http, localstripe, served_billing, admin)
        plan_id = (await http.post("/plans", json=PLAN, headers=admin)).json()["id"]
        member_id = await add_member(studio)
        body = {"member_id": str(member_id), "plan_id": plan_id, "start_date": "2026-11-22"}
        answer = await http.post("/stripe/subscriptions", json=body, headers=admin)

    assert problem(answer, 422)["code"] == "no_stripe_payment_method"
    (error,) = error_fields(answer)
    assert error["loc"] == ["body", "payment_source"]
    assert f"PUT /members/{member_id}/stripe/payment-method" in error["msg"]
    assert await sql("SELECT count(*) FROM subscription WHERE member_id = :m", m=member_id) == [(0,)]
    assert await sql("SELECT count(*) FROM stripe_customer WHERE member_id = :m", m=member_id) == [(0,)]
