"""Payment state and current plans of many members in one call: per studio, paged, and a GET that writes nothing."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from gymloop_devstack.testing import error_fields, problem

pytestmark = pytest.mark.integration

PLAN = {"name": "Unlimited", "kind": "unlimited", "price_cents": 5000, "currency": "EUR", "period": "monthly"}


async def test_member_billing_lists_state_and_current_plans_of_the_studios_members(
    client: Any, tokens: Any, add_member: Any, sql: Any
) -> None:
    studio, other_studio = uuid.uuid4(), uuid.uuid4()
    admin = tokens.headers(studio_id=studio, role="admin")
    staff = tokens.headers(studio_id=studio, role="employee")
    plan_id = (await client.post("/plans", json=PLAN, headers=admin)).json()["id"]
    subscribed, overdue, none = [await add_member(studio) for _ in range(3)]
    stranger = await add_member(other_studio)
    started = await client.post(
        "/subscriptions",
        json={"member_id": str(subscribed), "plan_id": plan_id, "start_date": "2026-02-01"},
        headers=admin,
    )
    assert started.status_code == 201, started.text
    await sql(
        "INSERT INTO member_payment_state (studio_id, member_id, state, failed_attempts) VALUES (:s, :m, 'overdue', 2)",
        s=studio,
        m=overdue,
    )
    state_rows = await sql("SELECT count(*) FROM member_payment_state")

    answer = await client.get("/member-billing", headers=staff)
    assert answer.status_code == 200, answer.text
    page = answer.json()
    assert (page["total"], page["limit"], page["offset"]) == (3, 50, 0)
    by_id = {item["member_id"]: item for item in page["items"]}
    assert set(by_id) == {str(subscribed), str(overdue), str(none)}
    assert [item["member_id"] for item in page["items"]] == sorted(by_id)
    plan = by_id[str(subscribed)]["plans"]
    assert [(p["plan_id"], p["plan_name"], p["plan_kind"], p["status"]) for p in plan] == [
        (plan_id, "Unlimited", "unlimited", "active")
    ]
    assert plan[0]["subscription_id"] == started.json()["id"]
    assert (by_id[str(subscribed)]["payment_state"], by_id[str(subscribed)]["may_book"]) == ("ok", True)
    shown = ("payment_state", "failed_attempts", "may_book", "plans")
    assert tuple(by_id[str(overdue)][f] for f in shown) == ("overdue", 2, False, [])
    assert tuple(by_id[str(none)][f] for f in shown) == ("ok", 0, True, [])
    assert await sql("SELECT count(*) FROM member_payment_state") == state_rows  # reading wrote nothing

    second = await client.get("/member-billing", params={"limit": 2, "offset": 2}, headers=staff)
    assert [i["member_id"] for i in second.json()["items"]] == sorted(by_id)[2:]

    named = await client.get(
        "/member-billing", params=[("member_id", str(overdue)), ("member_id", str(stranger))], headers=staff
    )
    assert named.json()["total"] == 2
    named_by_id = {i["member_id"]: i for i in named.json()["items"]}
    assert named_by_id[str(overdue)]["payment_state"] == "overdue"
    # another studio's member: nothing of theirs is shown, only the no-trouble default
    assert (named_by_id[str(stranger)]["payment_state"], named_by_id[str(stranger)]["plans"]) == ("ok", [])

    from_other = await client.get("/member-billing", headers=tokens.headers(studio_id=other_studio, role="admin"))
    assert [i["member_id"] for i in from_other.json()["items"]] == [str(stranger)]


async def test_member_billing_is_for_staff_and_refuses_a_bad_page(client: Any, tokens: Any) -> None:
    studio = uuid.uuid4()
    member = tokens.headers(studio_id=studio, role="member", member_id=uuid.uuid4())
    problem(await client.get("/member-billing", headers=member), 403)
    refused = await client.get(
        "/member-billing", params={"limit": 0}, headers=tokens.headers(studio_id=studio, role="employee")
    )
    problem(refused, 422)
    assert error_fields(refused)[0]["loc"][-1] == "limit"
