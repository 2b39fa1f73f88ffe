"""The member's payment state is per studio and a GET of it never writes: another studio's staff reading a
member id get 404 and change nothing, the member's own studio keeps reading and recording payments for them,
and many readers at once all get their answer."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import pytest
from gymloop_devstack.testing import problem

from .conftest import signed
from .test_billing_stripe import invoice_event

pytestmark = pytest.mark.integration

STATE_ROWS = "SELECT count(*) FROM member_payment_state"


async def test_another_studios_read_is_not_found_and_the_members_studio_keeps_working(
    client: Any, tokens: Any, add_member: Any, sql: Any
) -> None:
    studio_a, studio_b = uuid.uuid4(), uuid.uuid4()
    member_id = await add_member(studio_a)
    customer = f"cus_{member_id.hex[:12]}"
    await sql(
        "INSERT INTO stripe_customer (member_id, studio_id, stripe_customer_id) VALUES (:m, :s, :c)",
        m=member_id,
        s=studio_a,
        c=customer,
    )
    path = f"/members/{member_id}/payment-state"

    for role in ("admin", "employee"):
        other = await client.get(path, headers=tokens.headers(studio_id=studio_b, role=role))
        assert problem(other, 404)["code"] == "member_not_found"
    assert await sql(STATE_ROWS) == [(0,)]

    staff_a = tokens.headers(studio_id=studio_a, role="admin")
    own = await client.get(path, headers=staff_a)
    assert own.status_code == 200, own.text
    assert (own.json()["state"], own.json()["failed_attempts"]) == ("ok", 0)
    # studio A records a failed payment of the member (the state row is written now, for A only)
    body = invoice_event("invoice.payment_failed", customer, invoice_id=f"in_{member_id.hex[:12]}")
    failed = await client.post("/stripe/webhook", content=body, headers=signed(body))
    assert (failed.status_code, failed.json()["applied"]) == (200, True), failed.text
    after = await client.get(path, headers=staff_a)
    assert (after.status_code, after.json()["failed_attempts"]) == (200, 1), after.text
    assert await sql(
        "SELECT studio_id, failed_attempts FROM member_payment_state WHERE member_id = :m", m=member_id
    ) == [(studio_a, 1)]
    assert problem(await client.get(path, headers=tokens.headers(studio_id=studio_b, role="admin")), 404)


async def test_many_concurrent_reads_all_answer_and_write_nothing(
    client: Any, tokens: Any, add_member: Any, sql: Any
) -> None:
    studio = uuid.uuid4()
    member_id = await add_member(studio)
    staff = tokens.headers(studio_id=studio, role="employee")
    themself = tokens.headers(studio_id=studio, role="member", member_id=member_id)
    before = await sql(STATE_ROWS)

    answers = await asyncio.gather(
        *(client.get(f"/members/{member_id}/payment-state", headers=staff if n % 2 else themself) for n in range(120))
    )

    assert sorted({answer.status_code for answer in answers}) == [200]
    assert {(a.json()["state"], a.json()["failed_attempts"], a.json()["may_book"]) for a in answers} == {
        ("ok", 0, True)
    }
    assert await sql(STATE_ROWS) == before
