from __future__ import annotations

import uuid
from datetime import date
from typing import Any

import pytest
from gymloop_contracts.events.billing import PlanPublished, SubscriptionActivated
from gymloop_devstack.testing import EventProbe, error_fields

pytestmark = pytest.mark.integration

PLAN = {
    "name": "Unlimited",
    "kind": "unlimited",
    "price_cents": 5900,
    "currency": "EUR",
    "period": "monthly",
    "weekly_limit": 3,
}
ONE_OFF_PACK = {"kind": "session_pack", "weekly_limit": None, "period": "one_off"}


async def test_health_and_ready(client: Any) -> None:
    assert (await client.get("/health")).status_code == 200
    ready = await client.get("/ready")
    assert ready.status_code == 200, ready.text


async def test_plan_created_published_and_isolated(client: Any, tokens: Any) -> None:
    studio, other = uuid.uuid4(), uuid.uuid4()
    admin = tokens.headers(studio_id=studio, role="admin")
    async with EventProbe.for_events(client.kafka, PlanPublished) as probe:
        created = await client.post("/plans", json=PLAN, headers=admin)
        assert created.status_code == 201, created.text
        plan_id = created.json()["id"]
        events = await probe.wait_for(lambda evs: len(evs) >= 1, settle_s=0.5)
    assert len(events) == 1
    assert events[0].payload["plan_id"] == plan_id
    assert events[0].payload["kind"] == "unlimited"
    assert events[0].payload["weekly_limit"] == 3
    assert events[0].studio_id == studio
    other_admin = tokens.headers(studio_id=other, role="admin")
    assert (await client.get(f"/plans/{plan_id}", headers=other_admin)).status_code == 404
    assert (await client.get("/plans", headers=other_admin)).json() == []
    changed = await client.put(f"/plans/{plan_id}", json={**PLAN, "price_cents": 6100}, headers=other_admin)
    assert changed.status_code == 404


async def test_member_sees_only_visible_plans_and_cannot_create(client: Any, tokens: Any) -> None:
    studio = uuid.uuid4()
    admin = tokens.headers(studio_id=studio, role="admin")
    await client.post("/plans", json=PLAN, headers=admin)
    staff_plan = {**PLAN, "name": "Staff", "price_cents": 0, "free": True, "visible": False, "weekly_limit": None}
    assert (await client.post("/plans", json=staff_plan, headers=admin)).status_code == 201
    member = tokens.headers(studio_id=studio, role="member", member_id=uuid.uuid4())
    assert [p["name"] for p in (await client.get("/plans", headers=member)).json()] == ["Unlimited"]
    assert sorted(p["name"] for p in (await client.get("/plans", headers=admin)).json()) == ["Staff", "Unlimited"]
    assert (await client.post("/plans", json=PLAN, headers=member)).status_code == 403
    employee = tokens.headers(studio_id=studio, role="employee")
    assert (await client.post("/plans", json=PLAN, headers=employee)).status_code == 403


@pytest.mark.parametrize(
    ("override", "field", "code"),
    [
        ({"price_cents": -100}, "price_cents", "amount_negative"),
        ({"free": True}, "price_cents", "free_plan_with_price"),
        (
            {"kind": "session_pack", "weekly_limit": None, "period": "one_off", "valid_days": 30},
            "sessions",
            "pack_without_credits",
        ),
        ({"currency": "euro"}, "currency", "currency_invalid"),
        ({"name": "Gold\x01"}, "name", "plan_name_control_character"),
        ({"name": "Gold\u2028evening"}, "name", "plan_name_control_character"),
        ({"price_cents": 2**31}, "price_cents", "less_than_equal"),
        ({"weekly_limit": 2**31}, "weekly_limit", "less_than_equal"),
        ({**ONE_OFF_PACK, "sessions": 2**31}, "sessions", "less_than_equal"),
        ({**ONE_OFF_PACK, "sessions": 5, "valid_days": 10**6}, "valid_days", "less_than_equal"),
    ],
)
async def test_bad_plans_rejected_and_nothing_written(
    client: Any, tokens: Any, sql: Any, override: dict[str, Any], field: str, code: str
) -> None:
    studio = uuid.uuid4()
    response = await client.post(
        "/plans", json={**PLAN, **override}, headers=tokens.headers(studio_id=studio, role="admin")
    )
    assert response.status_code == 422
    (detail,) = error_fields(response)
    assert detail["loc"] == ["body", field]
    assert detail["type"] == code
    assert detail["msg"]
    assert await sql("SELECT count(*) FROM plan WHERE studio_id = :s", s=studio) == [(0,)]


async def test_subscription_start_checks_plan_and_member_start(
    client: Any, tokens: Any, sql: Any, add_member: Any
) -> None:
    studio = uuid.uuid4()
    admin = tokens.headers(studio_id=studio, role="admin")
    plan_id = (await client.post("/plans", json=PLAN, headers=admin)).json()["id"]
    member_id = await add_member(studio, start_date=date(2027, 1, 1))
    unknown = await client.post(
        "/subscriptions",
        json={"member_id": str(member_id), "plan_id": str(uuid.uuid4()), "start_date": "2027-01-10"},
        headers=admin,
    )
    assert unknown.status_code == 422
    assert error_fields(unknown)[0]["type"] == "plan_unknown"
    early = await client.post(
        "/subscriptions",
        json={"member_id": str(member_id), "plan_id": plan_id, "start_date": "2026-12-31"},
        headers=admin,
    )
    assert early.status_code == 422
    assert error_fields(early)[0] == {
        "loc": ["body", "start_date"],
        "msg": error_fields(early)[0]["msg"],
        "type": "subscription_before_member_start",
    }
    assert "2027-01-01" in error_fields(early)[0]["msg"]
    assert await sql("SELECT count(*) FROM subscription WHERE studio_id = :s", s=studio) == [(0,)]
    assert await sql("SELECT count(*) FROM charge WHERE studio_id = :s", s=studio) == [(0,)]
    async with EventProbe.for_events(client.kafka, SubscriptionActivated) as probe:
        ok = await client.post(
            "/subscriptions",
            json={"member_id": str(member_id), "plan_id": plan_id, "start_date": "2027-01-10"},
            headers=admin,
        )
        assert ok.status_code == 201, ok.text
        events = await probe.wait_for(lambda evs: len(evs) >= 1, settle_s=0.5)
    assert len(events) == 1
    payload = events[0].payload
    assert payload["valid_until"] == "2027-02-09"
    assert payload["weekly_limit"] == 3
    assert payload["member_id"] == str(member_id)
    assert events[0].partition_key == str(member_id)


async def test_public_plans_show_what_a_member_could_choose_without_a_login(client: Any, tokens: Any) -> None:
    studio = uuid.uuid4()
    admin = tokens.headers(studio_id=studio, role="admin")
    await client.post("/plans", json=PLAN, headers=admin)
    pack = {**PLAN, **ONE_OFF_PACK, "name": "Ten sessions", "price_cents": 12000, "sessions": 10, "valid_days": 90}
    assert (await client.post("/plans", json=pack, headers=admin)).status_code == 201
    hidden = {**PLAN, "name": "Staff", "price_cents": 0, "free": True, "visible": False, "weekly_limit": None}
    assert (await client.post("/plans", json=hidden, headers=admin)).status_code == 201
    withdrawn = (await client.post("/plans", json={**PLAN, "name": "Old"}, headers=admin)).json()["id"]
    assert (await client.put(f"/plans/{withdrawn}/active", json={"active": False}, headers=admin)).status_code == 200

    public = await client.get(f"/public/studios/{studio}/plans")  # no token
    assert public.status_code == 200, public.text
    assert [(p["name"], p["price_cents"], p["sessions"], p["valid_days"]) for p in public.json()] == [
        ("Ten sessions", 12000, 10, 90),
        ("Unlimited", 5900, None, None),
    ]
    assert not {"visible", "active"} & set(public.json()[0])
    assert (await client.get(f"/public/studios/{uuid.uuid4()}/plans")).json() == []
