"""A member changing their IBAN in the app: a new e-mandate, the old one kept as ended, the next collection FRST;
a bad IBAN or a missing consent changes nothing, and only the member themself may do it."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from gymloop_devstack.testing import error_fields

pytestmark = pytest.mark.integration

SEPA_STUDIO = {"collection_method": "sepa_export", "creditor_name": "Sportschool Wissel",
               "creditor_iban": "NL91ABNA0417164300", "creditor_id": "NL57ZZZ999999999999"}  # fmt: skip
PACK = {"name": "10-session pack", "kind": "session_pack", "price_cents": 9900, "currency": "EUR",
        "period": "one_off", "sessions": 10, "valid_days": 90}  # fmt: skip
BROWSER = {"User-Agent": "Mozilla/5.0 (Linux; Android 14) Mobile"}
FIRST_IBAN = "NL91ABNA0417164300"
NEW_IBAN = "DE89370400440532013000"


async def test_a_new_iban_signs_a_new_e_mandate_ends_the_old_and_makes_the_next_collection_frst(
    client: Any, tokens: Any, add_member: Any, sql: Any
) -> None:
    studio = uuid.uuid4()
    admin = tokens.headers(studio_id=studio, role="admin")
    assert (await client.put("/billing-settings", json=SEPA_STUDIO, headers=admin)).status_code == 200
    plan_id = (await client.post("/plans", json=PACK, headers=admin)).json()["id"]
    member_id = await add_member(studio)
    member = {**tokens.headers(studio_id=studio, role="member", member_id=member_id), **BROWSER}
    other = {**tokens.headers(studio_id=studio, role="member", member_id=await add_member(studio)), **BROWSER}
    version = (await client.get(f"/members/{member_id}/sepa-mandate-text", headers=member)).json()["version"]
    path = f"/members/{member_id}/sepa-mandate"
    change = {"iban": NEW_IBAN, "account_holder": "Anna Wissel", "mandate_accepted": True,
              "mandate_text_version": version}  # fmt: skip

    # nothing to change before the member has a mandate
    none_yet = await client.post(path, json=change, headers=member)
    assert (none_yet.status_code, none_yet.json()["code"]) == (404, "mandate_not_found")

    choice = {"plan_id": plan_id, "iban": FIRST_IBAN, "account_holder": "Anna de Vries", "mandate_accepted": True,
              "mandate_text_version": version}  # fmt: skip
    chosen = await client.post(f"/members/{member_id}/sepa-subscriptions", json=choice, headers=member)
    assert chosen.status_code == 201, chosen.text
    # as if the first collection went out: the mandate is RCUR now
    await sql("UPDATE mandate SET last_collected_iban = iban WHERE member_id = :m", m=member_id)
    assert (await client.get(f"/members/{member_id}/mandate", headers=member)).json()["next_sequence_type"] == "RCUR"

    refusals = {
        "checksum": await client.post(path, json={**change, "iban": "DE89370400440532013001"}, headers=member),
        "not_accepted": await client.post(path, json={**change, "mandate_accepted": False}, headers=member),
        "another_member": await client.post(path, json=change, headers=other),
        "staff": await client.post(path, json=change, headers=admin),
    }
    assert {
        name: (answer.status_code, answer.json()["code"], [e["loc"][-1:] for e in error_fields(answer)])
        for name, answer in refusals.items()
    } == {
        "checksum": (422, "iban_checksum", [["iban"]]),
        "not_accepted": (422, "mandate_not_accepted", [["mandate_accepted"]]),
        "another_member": (404, "member_not_found", [[]]),
        "staff": (404, "member_not_found", [[]]),
    }
    assert await sql("SELECT iban FROM mandate WHERE member_id = :m", m=member_id) == [(FIRST_IBAN,)]
    assert await sql("SELECT count(*) FROM ended_mandate WHERE member_id = :m", m=member_id) == [(0,)]

    changed = await client.post(path, json=change, headers={**member, "Idempotency-Key": str(uuid.uuid4())})
    assert changed.status_code == 200, changed.text
    body = changed.json()
    assert (body["iban"], body["account_holder"], body["next_sequence_type"]) == (NEW_IBAN, "Anna Wissel", "FRST")
    assert body["mandate_text_version"] == version
    mandate = (await client.get(f"/members/{member_id}/mandate", headers=member)).json()
    assert (mandate["iban"], mandate["next_sequence_type"]) == (NEW_IBAN, "FRST")
    ended = await sql(
        "SELECT iban, account_holder, consent_user_agent, mandate_text_version, ended_at IS NOT NULL "
        "FROM ended_mandate WHERE member_id = :m",
        m=member_id,
    )
    assert ended == [(FIRST_IBAN, "Anna de Vries", BROWSER["User-Agent"], version, True)]


async def test_a_stripe_studio_has_no_sepa_mandate_to_change(client: Any, tokens: Any, add_member: Any) -> None:
    studio = uuid.uuid4()
    admin = tokens.headers(studio_id=studio, role="admin")
    assert (
        await client.put("/billing-settings", json={"collection_method": "stripe"}, headers=admin)
    ).status_code == 200
    member_id = await add_member(studio)
    member = {**tokens.headers(studio_id=studio, role="member", member_id=member_id), **BROWSER}
    change = {"iban": NEW_IBAN, "account_holder": "Anna", "mandate_accepted": True, "mandate_text_version": "v1-0"}
    refused = await client.post(f"/members/{member_id}/sepa-mandate", json=change, headers=member)
    assert (refused.status_code, refused.json()["code"]) == (404, "mandate_not_found")
