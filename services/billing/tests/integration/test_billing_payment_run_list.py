"""The list of a studio's payment runs: newest first, paged in the kit's one envelope, staff only, never another
studio's runs."""

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
    "creditor_name": "Sportschool Lijst",
    "creditor_iban": "NL91ABNA0417164300",
    "creditor_id": "NL57ZZZ999999999999",
}


async def test_runs_are_listed_newest_first_and_paged(client: Any, tokens: Any) -> None:
    studio, other = uuid.uuid4(), uuid.uuid4()
    admin = tokens.headers(studio_id=studio, role="admin")
    assert (await client.put("/billing-settings", json=CREDITOR, headers=admin)).status_code == 200
    collection_date = earliest_collection_date(date.today()).isoformat()
    made = []
    for label in ("2026-01", "2026-02", "2026-03"):
        run = await client.post(
            "/payment-runs", json={"collection_date": collection_date, "period_label": label}, headers=admin
        )
        assert run.status_code == 201, run.text
        made.append(run.json()["id"])

    staff = tokens.headers(studio_id=studio, role="employee")
    listed = await client.get("/payment-runs", params={"limit": 2}, headers=staff)
    assert listed.status_code == 200, listed.text
    body = listed.json()
    assert (body["total"], body["limit"], body["offset"]) == (3, 2, 0)
    assert [r["id"] for r in body["items"]] == [made[2], made[1]]
    assert body["items"][0]["period_label"] == "2026-03"
    rest = (await client.get("/payment-runs", params={"limit": 2, "offset": 2}, headers=staff)).json()
    assert [r["id"] for r in rest["items"]] == [made[0]]

    elsewhere = await client.get("/payment-runs", headers=tokens.headers(studio_id=other, role="admin"))
    assert (elsewhere.status_code, elsewhere.json()["total"], elsewhere.json()["items"]) == (200, 0, [])
    member = tokens.headers(studio_id=studio, role="member", member_id=uuid.uuid4())
    assert problem(await client.get("/payment-runs", headers=member), 403)


async def test_a_problem_names_the_member_links_to_them_and_says_what_to_do(
    client: Any, tokens: Any, add_member: Any
) -> None:
    studio = uuid.uuid4()
    admin = tokens.headers(studio_id=studio, role="admin")
    assert (await client.put("/billing-settings", json=CREDITOR, headers=admin)).status_code == 200
    plan = {"name": "Unlimited", "kind": "unlimited", "price_cents": 4500, "currency": "EUR", "period": "monthly"}
    plan_id = (await client.post("/plans", json=plan, headers=admin)).json()["id"]
    member_id = await add_member(studio, first_name="Bob", last_name="Zonder")
    started = await client.post(
        "/subscriptions", json={"member_id": str(member_id), "plan_id": plan_id, "start_date": "2026-02-01"},
        headers=admin,
    )  # fmt: skip
    assert started.status_code == 201, started.text
    run = {"collection_date": earliest_collection_date(date.today()).isoformat(), "period_label": "2026-02"}
    through_gateway = {**admin, "X-Forwarded-Prefix": "/api/v1/billing"}
    made = await client.post("/payment-runs", json=run, headers=through_gateway)
    assert made.status_code == 201, made.text
    (problem_out,) = made.json()["problems"]
    assert problem_out["code"] == "no_mandate"
    assert (problem_out["member_id"], problem_out["member_name"]) == (str(member_id), "Bob Zonder")
    assert problem_out["member_url"] == f"/api/v1/members/members/{member_id}"
    assert f"PUT /members/{member_id}/mandate" in problem_out["what_to_do"]
    assert problem_out["reason"]
    direct = (await client.get(f"/payment-runs/{made.json()['id']}", headers=admin)).json()["problems"][0]
    assert direct["member_url"] == f"/api/v1/members/members/{member_id}"  # no prefix: the canonical path
