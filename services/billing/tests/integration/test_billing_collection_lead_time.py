"""A payment run's collection date is at least the studio's lead time (TARGET business days, one by default)
after the run's creation: today is refused with the earliest date, and a refused run writes nothing."""

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
    "creditor_name": "Sportschool Termijn",
    "creditor_iban": "NL91ABNA0417164300",
    "creditor_id": "NL57ZZZ999999999999",
}


async def test_today_is_refused_naming_the_earliest_date_and_the_studio_sets_its_lead_time(
    client: Any, tokens: Any, sql: Any
) -> None:
    studio = uuid.uuid4()
    admin = tokens.headers(studio_id=studio, role="admin")
    settings = await client.put("/billing-settings", json=CREDITOR, headers=admin)
    assert (settings.status_code, settings.json()["collection_lead_business_days"]) == (200, 1), settings.text
    today = date.today()

    refused = await client.post(
        "/payment-runs", json={"collection_date": today.isoformat(), "period_label": "now"}, headers=admin
    )
    body = problem(refused, 422)
    assert body["code"] == "collection_date_too_early"
    assert f"the earliest collection date is {earliest_collection_date(today).isoformat()}" in body["detail"]
    assert await sql("SELECT count(*) FROM payment_run WHERE studio_id = :s", s=studio) == [(0,)]

    slower = await client.put("/billing-settings", json={**CREDITOR, "collection_lead_business_days": 3},
                              headers=admin)  # fmt: skip
    assert (slower.status_code, slower.json()["collection_lead_business_days"]) == (200, 3), slower.text
    one_day = earliest_collection_date(today).isoformat()
    too_early = await client.post(
        "/payment-runs", json={"collection_date": one_day, "period_label": "soon"}, headers=admin
    )
    assert f"is {earliest_collection_date(today, 3).isoformat()}" in problem(too_early, 422)["detail"]
    later = earliest_collection_date(today, 3).isoformat()
    accepted = await client.post("/payment-runs", json={"collection_date": later, "period_label": "ok"}, headers=admin)
    assert accepted.status_code == 201, accepted.text

    for bad in (0, 11):
        invalid = await client.put(
            "/billing-settings", json={**CREDITOR, "collection_lead_business_days": bad}, headers=admin
        )
        assert problem(invalid, 422)["errors"][0]["loc"][-1] == "collection_lead_business_days"
    assert await sql("SELECT collection_lead_business_days FROM studio_billing WHERE studio_id = :s", s=studio) == [
        (3,)
    ]
