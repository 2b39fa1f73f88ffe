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
