"""SEPA export end to end: settings, mandates, subscriptions and purchases -> a validated pain.008 file."""

from __future__ import annotations

import uuid
from datetime import date
from importlib import resources
from typing import Any

import pytest
from gymloop_billing.domain.collection_dates import earliest_collection_date
from gymloop_devstack.testing import error_fields
from lxml import etree

pytestmark = pytest.mark.integration

NS = {"p": "urn:iso:std:iso:20022:tech:xsd:pain.008.001.08"}
CREDITOR = {
    "collection_method": "sepa_export",
    "creditor_name": "Sportschool Zoë & Co",
    "creditor_iban": "NL91ABNA0417164300",
    "creditor_id": "NL57ZZZ999999999999",
}
PLAN = {"name": "Unlimited", "kind": "unlimited", "price_cents": 4500, "currency": "EUR", "period": "monthly"}


def xsd() -> etree.XMLSchema:
    source = resources.files("sepaxml").joinpath("schemas", "pain.008.001.08.xsd").read_bytes()
    return etree.XMLSchema(etree.fromstring(source))


async def test_bad_creditor_and_iban_rejected_nothing_written(
    client: Any, tokens: Any, sql: Any, add_member: Any
) -> None:
    studio = uuid.uuid4()
    admin = tokens.headers(studio_id=studio, role="admin")
    bad_creditor = await client.put(
        "/billing-settings", json={**CREDITOR, "creditor_id": "NL98ZZZ999999999999"}, headers=admin
    )
    assert bad_creditor.status_code == 422
    assert error_fields(bad_creditor)[0]["type"] == "creditor_id_checksum"
    assert error_fields(bad_creditor)[0]["loc"] == ["body", "creditor_id"]
    assert await sql("SELECT count(*) FROM studio_billing WHERE studio_id = :s", s=studio) == [(0,)]
    member_id = await add_member(studio)
    bad_iban = await client.put(
        f"/members/{member_id}/mandate",
        json={
            "mandate_reference": "GL-1",
            "iban": "NL91ABNA0417164301",
            "account_holder": "Anna",
            "signed_on": "2026-01-05",
        },
        headers=admin,
    )
    assert bad_iban.status_code == 422
    assert error_fields(bad_iban)[0]["type"] == "iban_checksum"
    assert "bad checksum" in error_fields(bad_iban)[0]["msg"]
    assert await sql("SELECT count(*) FROM mandate WHERE studio_id = :s", s=studio) == [(0,)]


async def test_payment_run_collects_good_members_and_reports_the_rest(
    client: Any, tokens: Any, sql: Any, add_member: Any
) -> None:
    studio = uuid.uuid4()
    admin = tokens.headers(studio_id=studio, role="admin")
    assert (await client.put("/billing-settings", json=CREDITOR, headers=admin)).status_code == 200
    plan_id = (await client.post("/plans", json=PLAN, headers=admin)).json()["id"]
    product = (await client.post("/products", json={"name": "Shake", "price_cents": 250}, headers=admin)).json()

    async def member_with(name: str, reference: str) -> uuid.UUID:
        member_id = await add_member(studio, first_name=name, last_name="")
        started = await client.post(
            "/subscriptions",
            json={"member_id": str(member_id), "plan_id": plan_id, "start_date": "2026-02-01"},
            headers=admin,
        )
        assert started.status_code == 201, started.text
        mandate = await client.put(
            f"/members/{member_id}/mandate",
            json={
                "mandate_reference": reference,
                "iban": "DE89370400440532013000",
                "account_holder": name,
                "signed_on": "2026-01-05",
            },
            headers=admin,
        )
        assert mandate.status_code == 200, mandate.text
        assert mandate.json()["next_sequence_type"] == "FRST"
        return member_id

    good = await member_with("Zoë Müller", "GL-GOOD")
    ampersand = await member_with("Jansen & Zonen", "GL-AMP")
    bad_iban = await member_with("Legacy Iban", "GL-BADIBAN")
    unsigned = await member_with("No Signature", "GL-NOSIG")
    no_mandate = await add_member(studio, first_name="Bob")
    await client.post(
        "/subscriptions",
        json={"member_id": str(no_mandate), "plan_id": plan_id, "start_date": "2026-02-01"},
        headers=admin,
    )
    # legacy data from an import: an IBAN with a bad checksum and a mandate without signature date
    await sql("UPDATE mandate SET iban = 'NL91ABNA0417164301' WHERE member_id = :m", m=bad_iban)
    await sql("UPDATE mandate SET signed_on = NULL WHERE member_id = :m", m=unsigned)
    bought = await client.post(
        "/purchases",
        json={"member_id": str(good), "product_id": product["id"], "quantity": 2, "purchased_on": "2026-02-10"},
        headers=admin,
    )
    assert bought.status_code == 201
    assert bought.json()["settlement"] == "next_payment"

    collection_date = earliest_collection_date(date.today())
    run = await client.post(
        "/payment-runs", json={"collection_date": collection_date.isoformat(), "period_label": "2026-02"}, headers=admin
    )
    assert run.status_code == 201, run.text
    body = run.json()
    assert body["item_count"] == 2
    assert body["total_cents"] == 4500 + 500 + 4500
    problems = {(p["member_id"], p["code"], p["severity"]) for p in body["problems"]}
    assert problems == {
        (str(bad_iban), "iban_checksum", "error"),
        (str(unsigned), "mandate_signature_missing", "error"),
        (str(no_mandate), "no_mandate", "error"),
        (str(ampersand), "name_ampersand_replaced", "warning"),
    }
    assert all(p["reason"] for p in body["problems"])

    file = await client.get(body["file_url"], headers=admin)  # called directly: the service's own path
    assert file.status_code == 200
    # through the gateway (which sends its prefix), the link is the full public path
    seen = await client.get(f"/payment-runs/{body['id']}", headers={**admin, "X-Forwarded-Prefix": "/api/v1/billing"})
    assert seen.json()["file_url"] == "/api/v1/billing" + body["file_url"]
    root = etree.fromstring(file.content)
    assert xsd().validate(root), xsd().error_log
    names = sorted(n.text for n in root.iterfind(".//p:Dbtr/p:Nm", NS))
    assert names == ["Jansen + Zonen", "Zoe Muller"]
    assert b"Legacy Iban" not in file.content
    assert b"No Signature" not in file.content
    assert [s.text for s in root.iterfind(".//p:PmtTpInf/p:SeqTp", NS)] == ["FRST"]
    assert root.findtext(".//p:GrpHdr/p:CtrlSum", namespaces=NS) == "95.00"

    # collected members' charges are closed and their mandates are RCUR next; problem members stay open
    open_charges = await sql("SELECT member_id FROM charge WHERE studio_id = :s AND payment_run_id IS NULL", s=studio)
    assert {row[0] for row in open_charges} == {bad_iban, unsigned, no_mandate}
    run_id = uuid.UUID(body["id"])
    payments = await sql(
        "SELECT member_id, amount_cents, currency, method, status, attempts FROM payment WHERE payment_run_id = :r",
        r=run_id,
    )
    assert sorted(payments) == sorted(
        [(good, 5000, "EUR", "sepa_export", "pending", 1), (ampersand, 4500, "EUR", "sepa_export", "pending", 1)]
    )
    assert await sql("SELECT payment_run_id FROM purchase WHERE member_id = :m", m=good) == [(run_id,)]
    rcur = await sql("SELECT member_id FROM mandate WHERE studio_id = :s AND last_collected_iban = iban", s=studio)
    assert {row[0] for row in rcur} == {good, ampersand}
    # a second run finds only the problem members' charges: the collected ones were closed by the first
    again = await client.post(
        "/payment-runs", json={"collection_date": collection_date.isoformat(), "period_label": "2026-02"}, headers=admin
    )
    assert again.status_code == 201, again.text
    assert (again.json()["item_count"], again.json()["total_cents"], again.json()["file_url"]) == (0, 0, None)
    assert {(p["member_id"], p["code"]) for p in again.json()["problems"]} == {
        (str(bad_iban), "iban_checksum"),
        (str(unsigned), "mandate_signature_missing"),
        (str(no_mandate), "no_mandate"),
    }
    mandate = await client.put(
        f"/members/{good}/mandate",
        json={
            "mandate_reference": "GL-GOOD",
            "iban": "DE89370400440532013000",
            "account_holder": "Zoë Müller",
            "signed_on": "2026-01-05",
        },
        headers=admin,
    )
    assert mandate.json()["next_sequence_type"] == "RCUR"
    employee = tokens.headers(studio_id=studio, role="employee")
    assert (await client.get(body["file_url"], headers=employee)).status_code == 403
    other = tokens.headers(studio_id=uuid.uuid4(), role="admin")
    assert (await client.get(body["file_url"], headers=other)).status_code == 404
    assert (await client.get(f"/payment-runs/{body['id']}", headers=other)).status_code == 404


async def test_payment_run_refuses_holiday_and_offline_studio(client: Any, tokens: Any) -> None:
    studio = uuid.uuid4()
    admin = tokens.headers(studio_id=studio, role="admin")
    offline = await client.post(
        "/payment-runs", json={"collection_date": "2027-04-01", "period_label": "x"}, headers=admin
    )
    assert offline.status_code == 422
    assert error_fields(offline)[0]["type"] == "not_sepa_export"
    await client.put("/billing-settings", json=CREDITOR, headers=admin)
    holiday = await client.post(
        "/payment-runs", json={"collection_date": "2027-03-29", "period_label": "x"}, headers=admin
    )
    assert holiday.status_code == 422
    assert error_fields(holiday)[0]["type"] == "collection_date_not_business_day"
