"""Subscription lifecycle events, members read model from events, overdue state, revenue report."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

import pytest
from gymloop_contracts.events.billing import (
    PaymentFailed,
    SubscriptionEnded,
    SubscriptionPaused,
    SubscriptionRenewed,
    SubscriptionResumed,
)
from gymloop_contracts.events.members import MemberRegistered, MemberUpdated
from gymloop_devstack.testing import EventProbe, error_fields, eventually, problem, publish

pytestmark = pytest.mark.integration

PLAN = {
    "name": "Unlimited",
    "kind": "unlimited",
    "price_cents": 5000,
    "currency": "EUR",
    "period": "monthly",
    "weekly_limit": 2,
}


async def test_members_read_model_follows_events_newest_wins(consuming_client: Any, tokens: Any, sql: Any) -> None:
    studio, member_id, account = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    profile = {
        "member_id": member_id,
        "account_id": account,
        "first_name": "Anna",
        "last_name": "Old",
        "email": "anna@example.org",
        "start_date": date(2027, 1, 1),
    }
    kafka = consuming_client.kafka
    await publish(
        kafka,
        MemberUpdated(**{**profile, "last_name": "New", "start_date": date(2027, 2, 1)}),
        studio_id=studio,
        sequence=2,
    )
    await publish(kafka, MemberRegistered(**profile), studio_id=studio, sequence=1)  # older: must not win

    async def seen() -> bool:
        return await sql("SELECT last_name, start_date FROM member WHERE member_id = :m", m=member_id) == [
            ("New", date(2027, 2, 1))
        ]

    await eventually(seen, timeout_s=30)
    admin = tokens.headers(studio_id=studio, role="admin")
    plan_id = (await consuming_client.post("/plans", json=PLAN, headers=admin)).json()["id"]
    early = await consuming_client.post(
        "/subscriptions",
        json={"member_id": str(member_id), "plan_id": plan_id, "start_date": "2027-01-15"},
        headers=admin,
    )
    assert error_fields(early)[0]["type"] == "subscription_before_member_start"
    other = tokens.headers(studio_id=uuid.uuid4(), role="admin")
    foreign = await consuming_client.put(
        f"/members/{member_id}/mandate",
        json={
            "mandate_reference": "X-1",
            "iban": "NL91ABNA0417164300",
            "account_holder": "A",
            "signed_on": "2026-01-01",
        },
        headers=other,
    )
    assert foreign.status_code == 404


async def test_pause_resume_renew_cancel_expire_publish_events(client: Any, tokens: Any, add_member: Any) -> None:
    studio = uuid.uuid4()
    admin = tokens.headers(studio_id=studio, role="admin")
    plan_id = (await client.post("/plans", json=PLAN, headers=admin)).json()["id"]
    member_id = await add_member(studio)
    models = (SubscriptionPaused, SubscriptionResumed, SubscriptionRenewed, SubscriptionEnded)
    async with EventProbe.for_events(client.kafka, *models) as probe:
        sub = (
            await client.post(
                "/subscriptions",
                json={"member_id": str(member_id), "plan_id": plan_id, "start_date": "2027-01-10"},
                headers=admin,
            )
        ).json()
        sid = sub["id"]
        paused = await client.post(
            f"/subscriptions/{sid}/pause", json={"start": "2027-01-20", "until": "2027-01-29"}, headers=admin
        )
        assert paused.json()["valid_until"] == "2027-02-19"
        resumed = await client.post(f"/subscriptions/{sid}/resume", json={"on": "2027-01-25"}, headers=admin)
        assert resumed.json()["valid_until"] == "2027-02-14"
        renewed = await client.post(f"/subscriptions/{sid}/renew", json={}, headers=admin)
        assert (renewed.json()["period_start"], renewed.json()["valid_until"]) == ("2027-02-15", "2027-03-14")
        cancelled = await client.post(
            f"/subscriptions/{sid}/cancel", json={"requested_on": "2027-02-20", "notice_months": 1}, headers=admin
        )
        assert cancelled.json()["end_date"] == "2027-04-14"
        again = await client.post(
            f"/subscriptions/{sid}/cancel", json={"requested_on": "2027-02-21", "notice_months": 1}, headers=admin
        )
        assert error_fields(again)[0]["type"] == "already_cancelled"
        expired = await client.post("/subscriptions/expire", json={"today": "2027-04-15"}, headers=admin)
        assert expired.json() == {"ended": 1}
        assert (await client.post("/subscriptions/expire", json={"today": "2027-04-16"}, headers=admin)).json() == {
            "ended": 0
        }
        events = await probe.wait_for(lambda evs: len(evs) >= 4, settle_s=1.0)
    by_type = {e.event_type: e.payload for e in events}
    assert len(events) == 4
    assert by_type["SubscriptionPaused"]["pause"] == {"start": "2027-01-20", "end": "2027-01-29"}
    assert by_type["SubscriptionResumed"]["paused_periods"] == [{"start": "2027-01-20", "end": "2027-01-24"}]
    assert by_type["SubscriptionRenewed"]["valid_from"] == "2027-02-15"
    assert by_type["SubscriptionEnded"] == {
        **by_type["SubscriptionEnded"],
        "ended_on": "2027-04-14",
        "reason": "cancelled",
    }
    member = tokens.headers(studio_id=studio, role="member", member_id=uuid.uuid4())
    assert (
        await client.post(
            f"/subscriptions/{sid}/pause", json={"start": "2027-01-20", "until": "2027-01-29"}, headers=member
        )
    ).status_code == 403


async def test_returned_debit_makes_member_overdue_and_revenue_report(
    client: Any, tokens: Any, sql: Any, add_member: Any
) -> None:
    studio = uuid.uuid4()
    admin = tokens.headers(studio_id=studio, role="admin")
    plan_id = (await client.post("/plans", json=PLAN, headers=admin)).json()["id"]
    product = (await client.post("/products", json={"name": "Shake", "price_cents": 300}, headers=admin)).json()
    member_id = await add_member(studio)
    await client.post(
        "/subscriptions",
        json={"member_id": str(member_id), "plan_id": plan_id, "start_date": "2026-09-05"},
        headers=admin,
    )
    subs = (await client.get(f"/members/{member_id}/subscriptions", headers=admin)).json()
    await client.post(f"/subscriptions/{subs[0]['id']}/renew", json={}, headers=admin)
    await client.post(
        "/purchases",
        json={"member_id": str(member_id), "product_id": product["id"], "quantity": 3, "purchased_on": "2026-10-07"},
        headers=admin,
    )
    report = await client.get(
        "/reports/revenue", params={"first_month": "2026-10-01", "last_month": "2026-10-31"}, headers=admin
    )
    assert report.status_code == 200, report.text
    (october,) = report.json()
    assert october["total"]["current_cents"] == 5900
    assert october["total"]["previous_cents"] == 5000
    assert october["total"]["change_cents"] == 900
    assert float(october["total"]["change_pct"]) == 18.0
    assert [(x["label"], x["trend"]["current_cents"]) for x in october["by_product"]] == [("Shake", 900)]
    for first, last in (("2026-10", "2026-10"), ("10-2026", "2026/10")):  # months as people type them
        same = await client.get("/reports/revenue", params={"first_month": first, "last_month": last}, headers=admin)
        assert same.json() == report.json(), (first, last)
    wrong = await client.get("/reports/revenue", params={"first_month": "2026-13", "last_month": "2026-10"},
                             headers=admin)  # fmt: skip
    assert problem(wrong, 422)["errors"][0]["loc"] == ["query", "first_month"]
    assert "expected a month as YYYY-MM" in problem(wrong, 422)["errors"][0]["msg"]
    assert (
        await client.get(
            "/reports/revenue",
            params={"first_month": "2026-10-01", "last_month": "2026-10-31"},
            headers=tokens.headers(studio_id=studio, role="employee"),
        )
    ).status_code == 403

    payment_id = uuid.uuid4()
    await sql(
        "INSERT INTO payment (id, studio_id, member_id, amount_cents, currency, method, status, attempts) "
        "VALUES (:p, :s, :m, 5000, 'EUR', 'sepa_export', 'pending', 1)",
        p=payment_id,
        s=studio,
        m=member_id,
    )
    member = tokens.headers(studio_id=studio, role="member", member_id=member_id)
    assert (await client.get(f"/members/{member_id}/payment-state", headers=member)).json()["state"] == "ok"
    async with EventProbe.for_events(client.kafka, PaymentFailed) as probe:
        answer = await client.post(
            f"/payments/{payment_id}/bank-answer", json={"succeeded": False, "reason": "MD06 refund"}, headers=admin
        )
        assert answer.status_code == 200, answer.text
        events = await probe.wait_for(lambda evs: len(evs) >= 1, settle_s=0.5)
    (failed,) = events
    assert failed.payload["overdue"] is True
    assert failed.payload["may_book"] is False
    state = (await client.get(f"/members/{member_id}/payment-state", headers=member)).json()
    assert (state["state"], state["may_book"]) == ("overdue", False)
    someone_else = tokens.headers(studio_id=studio, role="member", member_id=uuid.uuid4())
    assert (await client.get(f"/members/{member_id}/payment-state", headers=someone_else)).status_code == 404
    again = await client.post(f"/payments/{payment_id}/bank-answer", json={"succeeded": True}, headers=admin)
    assert error_fields(again)[0]["type"] == "payment_settled"
