"""A studio whose bank still takes pain.008.001.02 gets its files in that version, validated against its XSD; a new
mandate (another reference, or one after a bank return ended the old one) is collected FRST, then RCUR; a second
run for the same period collects nothing twice."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

import pytest
from gymloop_billing.domain.collection_dates import earliest_collection_date
from gymloop_billing.domain.sepa_file import pain008_schema
from lxml import etree

pytestmark = pytest.mark.integration

OLD_BANK = {
    "collection_method": "sepa_export",
    "creditor_name": "Sportschool Oud",
    "creditor_iban": "NL91ABNA0417164300",
    "creditor_id": "NL57ZZZ999999999999",
    "creditor_bic": "ABNANL2A",
    "sepa_file_version": "pain.008.001.02",
}
PLAN = {"name": "Unlimited", "kind": "unlimited", "price_cents": 4500, "currency": "EUR", "period": "monthly"}
MANDATE = {"iban": "DE89370400440532013000", "account_holder": "Olga Oud", "signed_on": "2026-01-05"}


async def _run_file(client: Any, admin: dict[str, str], label: str) -> tuple[dict[str, Any], etree._Element | None]:
    body = {"collection_date": earliest_collection_date(date.today()).isoformat(), "period_label": label}
    run = await client.post("/payment-runs", json=body, headers=admin)
    assert run.status_code == 201, run.text
    if run.json()["file_url"] is None:
        return run.json(), None
    xml = await client.get(f"/payment-runs/{run.json()['id']}/file", headers=admin)
    return run.json(), etree.fromstring(xml.content)


def _sequence_types(root: etree._Element) -> list[str]:
    return [node.text or "" for node in root.iter("{*}SeqTp")]


async def test_pain_008_001_02_files_frst_after_a_new_mandate_and_no_charge_twice(
    client: Any, tokens: Any, add_member: Any
) -> None:
    studio = uuid.uuid4()
    admin = tokens.headers(studio_id=studio, role="admin")
    settings = await client.put("/billing-settings", json=OLD_BANK, headers=admin)
    assert settings.status_code == 200, settings.text
    assert settings.json()["sepa_file_version"] == "pain.008.001.02"
    plan_id = (await client.post("/plans", json=PLAN, headers=admin)).json()["id"]
    member_id = await add_member(studio, first_name="Olga", last_name="Oud")
    put = await client.put(f"/members/{member_id}/mandate", json={**MANDATE, "mandate_reference": "GL-OUD-1"},
                           headers=admin)  # fmt: skip
    assert put.status_code == 200, put.text
    started = await client.post(
        "/subscriptions", json={"member_id": str(member_id), "plan_id": plan_id, "start_date": "2026-02-01"},
        headers=admin,
    )  # fmt: skip
    assert started.status_code == 201, started.text

    _, root = await _run_file(client, admin, "2026-02")
    assert root is not None
    assert root.tag == "{urn:iso:std:iso:20022:tech:xsd:pain.008.001.02}Document"
    assert pain008_schema("pain.008.001.02").validate(root)
    assert not pain008_schema().validate(root)  # not a .08 file
    assert _sequence_types(root) == ["FRST"]
    twice, _ = await _run_file(client, admin, "2026-02 again")
    assert (twice["item_count"], twice["total_cents"], twice["file_url"]) == (0, 0, None)

    mandate = (await client.get(f"/members/{member_id}/mandate", headers=admin)).json()
    assert mandate["next_sequence_type"] == "RCUR"
    renewed = await client.put(f"/members/{member_id}/mandate", json={**MANDATE, "mandate_reference": "GL-OUD-2"},
                               headers=admin)  # fmt: skip
    assert renewed.json()["next_sequence_type"] == "FRST"  # same IBAN, new mandate: a first collection again

    wrong = await client.put("/billing-settings", json={**OLD_BANK, "sepa_file_version": "pain.008.001.01"},
                             headers=admin)  # fmt: skip
    assert wrong.status_code == 422
    no_bic = await client.put("/billing-settings", json={**OLD_BANK, "creditor_bic": None}, headers=admin)
    assert no_bic.status_code == 422
    assert no_bic.json()["code"] == "creditor_bic_required"
    assert (await client.get("/billing-settings", headers=admin)).json()["sepa_file_version"] == "pain.008.001.02"
