"""Bank return files applied to a payment run: camt.054 and pain.002 made from the run's own pain.008. Every reason
code of the default policy once, an entry matching no payment, the same file twice; then the ledger, the members'
payment state, their mandates and what the next runs collect."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

import pytest
from gymloop_billing.domain.collection_dates import earliest_collection_date
from gymloop_devstack.bank_return_files import Collection, camt054, collections_of, pain002
from gymloop_devstack.testing import problem

pytestmark = pytest.mark.integration

CREDITOR = {
    "collection_method": "sepa_export",
    "creditor_name": "Sportschool Retour",
    "creditor_iban": "NL91ABNA0417164300",
    "creditor_id": "NL57ZZZ999999999999",
}
PLAN = {"name": "Unlimited", "kind": "unlimited", "price_cents": 4500, "currency": "EUR", "period": "monthly"}
RETURN_FEE = 250
NAMES = ("ac04", "ac06", "md01", "md07", "am04", "ms02", "md06", "booked", "ms03")
XML = {"content-type": "application/xml"}


async def _studio_with_members(client: Any, admin: dict[str, str], add_member: Any, studio: uuid.UUID) -> Any:
    assert (await client.put("/billing-settings", json=CREDITOR, headers=admin)).status_code == 200
    policy = {"max_recollections": 1, "return_fee_cents": RETURN_FEE}
    set_policy = await client.put("/return-policy", json=policy, headers=admin)
    assert set_policy.status_code == 200, set_policy.text
    plan_id = (await client.post("/plans", json=PLAN, headers=admin)).json()["id"]
    members: dict[str, uuid.UUID] = {}
    for number, name in enumerate(NAMES):
        member_id = await add_member(studio, first_name=name, last_name="Retour")
        mandate = {"mandate_reference": f"GL-RET-{number}", "iban": "DE89370400440532013000",
                   "account_holder": f"{name} Retour", "signed_on": "2026-01-05"}  # fmt: skip
        assert (await client.put(f"/members/{member_id}/mandate", json=mandate, headers=admin)).status_code == 200
        started = await client.post(
            "/subscriptions", json={"member_id": str(member_id), "plan_id": plan_id, "start_date": "2026-02-01"},
            headers=admin,
        )  # fmt: skip
        assert started.status_code == 201, started.text
        members[name] = member_id
    return members


async def _run(client: Any, admin: dict[str, str], label: str) -> tuple[dict[str, Any], dict[str, Collection]]:
    body = {"collection_date": earliest_collection_date(date.today()).isoformat(), "period_label": label}
    run = await client.post("/payment-runs", json=body, headers=admin)
    assert run.status_code == 201, run.text
    if run.json()["file_url"] is None:
        return run.json(), {}
    xml = await client.get(f"/payment-runs/{run.json()['id']}/file", headers=admin)
    return run.json(), collections_of(xml.content)


async def _ledger(client: Any, admin: dict[str, str], run_id: str) -> dict[str, dict[str, Any]]:
    page = (await client.get("/payments", params={"payment_run_id": run_id, "limit": 100}, headers=admin)).json()
    return {item["member_id"]: item for item in page["items"]}


def _by_member(ledger: dict[str, dict[str, Any]], members: dict[str, uuid.UUID]) -> dict[str, dict[str, Any]]:
    return {name: ledger[str(member_id)] for name, member_id in members.items() if str(member_id) in ledger}


async def test_return_files_apply_the_reason_code_policy_once(
    client: Any, tokens: Any, add_member: Any, sql: Any
) -> None:
    studio = uuid.uuid4()
    admin = tokens.headers(studio_id=studio, role="admin")
    members = await _studio_with_members(client, admin, add_member, studio)
    run, collections = await _run(client, admin, "2026-02")
    assert run["item_count"] == len(NAMES)
    payments = _by_member(await _ledger(client, admin, run["id"]), members)
    e2e = {name: payment["end_to_end_id"] for name, payment in payments.items()}
    assert set(e2e.values()) == set(collections)

    codes = {"ac04": "AC04", "ac06": "AC06", "md01": "MD01", "md07": "MD07", "am04": "AM04", "ms02": "MS02",
             "md06": "MD06"}  # fmt: skip
    stranger = Collection(end_to_end_id="GLnotapaymentofthisrun", mandate_reference="GL-RET-0", amount_cents=4500)
    wrong_amount = Collection(e2e["booked"], collections[e2e["booked"]].mandate_reference, 999)
    notification = camt054(
        booked=[collections[e2e["booked"]], wrong_amount],
        returned={e2e[name]: code for name, code in codes.items()} | {stranger.end_to_end_id: "AM04"},
        collections={**collections, stranger.end_to_end_id: stranger},
        message_id="CAMT-1",
    )
    applied = await client.post(
        f"/payment-runs/{run['id']}/return-files", content=notification, headers={**admin, **XML}
    )
    assert applied.status_code == 201, applied.text
    report = applied.json()
    assert (report["kind"], report["entries"], report["applied"], report["already_applied"]) == (
        "camt.054",
        10,
        8,
        False,
    )
    unmatched = {(entry["end_to_end_id"], entry["detail"]) for entry in report["unmatched"]}
    assert unmatched == {
        (e2e["booked"], "the file names this end-to-end id twice: only the first entry was applied"),
        (stranger.end_to_end_id, f"no payment of this run has end-to-end id {stranger.end_to_end_id}"),
    }
    history_before = await sql("SELECT count(*) FROM payment_status_change WHERE studio_id = :s", s=studio)

    again = await client.post(f"/payment-runs/{run['id']}/return-files", content=notification, headers={**admin, **XML})
    assert again.status_code == 200, again.text
    assert again.json()["already_applied"] is True
    assert again.json()["outcomes"] == report["outcomes"]
    assert await sql("SELECT count(*) FROM payment_status_change WHERE studio_id = :s", s=studio) == history_before

    rejects = pain002({e2e["ms03"]: "MS03", e2e["am04"]: "AM04"}, collections, "PAIN002-1")
    rejected = await client.post(f"/payment-runs/{run['id']}/return-files", content=rejects, headers={**admin, **XML})
    assert rejected.status_code == 201, rejected.text
    outcomes = {entry["end_to_end_id"]: entry for entry in rejected.json()["outcomes"]}
    assert (outcomes[e2e["ms03"]]["result"], outcomes[e2e["ms03"]]["action"]) == ("applied", "recollect")
    assert outcomes[e2e["am04"]]["result"] == "unchanged"  # the camt.054 returned it already

    ledger = _by_member(await _ledger(client, admin, run["id"]), members)
    statuses = {name: (p["status"], p["reason_code"], p["collected_again"]) for name, p in ledger.items()}
    assert statuses == {
        **{name: ("returned", codes[name], True) for name in ("ac04", "ac06", "md01", "md07", "am04", "ms02")},
        "md06": ("refunded", "MD06", False),
        "booked": ("succeeded", None, False),
        "ms03": ("failed", "MS03", True),
    }
    detail = (await client.get(f"/payments/{ledger['am04']['id']}", headers=admin)).json()
    assert [(h["status"], h["reason_code"]) for h in detail["history"]] == [("pending", None), ("returned", "AM04")]

    for name in ("ac04", "ac06", "md01", "md07"):
        mandate = (await client.get(f"/members/{members[name]}/mandate", headers=admin)).json()
        assert mandate["ended_reason"] == f"returned with {codes[name]}", name
    assert (await client.get(f"/members/{members['am04']}/mandate", headers=admin)).json()["ended_reason"] is None
    for name in ("am04", "ms02", "ms03", "md06"):
        state = (await client.get(f"/members/{members[name]}/payment-state", headers=admin)).json()
        assert (state["state"], state["failed_attempts"]) == ("ok", 1), name

    balance = (await client.get(f"/members/{members['am04']}/balance", headers=admin)).json()
    assert (balance["open_charges_cents"], balance["unpaid_cents"]) == (4500 + RETURN_FEE, 0)
    assert balance["outstanding_cents"] == 4500 + RETURN_FEE
    disputed = (await client.get(f"/members/{members['md06']}/balance", headers=admin)).json()
    assert (disputed["unpaid_cents"], disputed["outstanding_cents"]) == (4500, 4500)

    cleared = await client.post(f"/payments/{ledger['ms03']['id']}/paid-by-other-means", headers=admin)
    assert cleared.status_code == 200, cleared.text  # paid at the desk: its reopened fee is taken back

    second, collected_again = await _run(client, admin, "2026-02 again")
    again_by_member = _by_member(await _ledger(client, admin, second["id"]), members)
    assert {name: p["amount_cents"] for name, p in again_by_member.items()} == {
        "am04": 4500 + RETURN_FEE,
        "ms02": 4500 + RETURN_FEE,
        "ms03": RETURN_FEE,  # its fee was paid at the desk; the return fee is a charge of its own
    }
    assert sum(c.amount_cents for c in collected_again.values()) == 2 * (4500 + RETURN_FEE) + RETURN_FEE
    ended = {p["member_id"]: p["code"] for p in second["problems"] if p["severity"] == "error"}
    assert ended == {str(members[name]): "mandate_ended" for name in ("ac04", "ac06", "md01", "md07")}
    fee_charges = "SELECT amount_cents FROM charge WHERE member_id = :m AND description LIKE 'Return fee%'"
    md06_fee = await sql(fee_charges, m=members["md06"])
    assert md06_fee == []  # a dispute is talked through, not charged

    too_late = await client.post(f"/payments/{ledger['ms02']['id']}/paid-by-other-means", headers=admin)
    assert problem(too_late, 422)["code"] == "payment_recollected"

    # a second AM04 with max_recollections 1: overdue, not collected again
    e2e_again = {name: p["end_to_end_id"] for name, p in again_by_member.items()}
    second_return = camt054([], {e2e_again["am04"]: "AM04"}, collected_again, "CAMT-2")
    applied = await client.post(
        f"/payment-runs/{second['id']}/return-files", content=second_return, headers={**admin, **XML}
    )
    assert applied.status_code == 201, applied.text
    state = (await client.get(f"/members/{members['am04']}/payment-state", headers=admin)).json()
    assert (state["state"], state["failed_attempts"], state["may_book"]) == ("overdue", 2, False)
    third, _ = await _run(client, admin, "2026-02 third")
    assert str(members["am04"]) not in await _ledger(client, admin, third["id"])


async def test_a_return_file_is_refused_when_it_is_not_a_bank_file(client: Any, tokens: Any, add_member: Any) -> None:
    studio = uuid.uuid4()
    admin = tokens.headers(studio_id=studio, role="admin")
    members = await _studio_with_members(client, admin, add_member, studio)
    run, _ = await _run(client, admin, "2026-02")
    url = f"/payment-runs/{run['id']}/return-files"
    not_xml = await client.post(url, content=b"AC04;GL123", headers={**admin, **XML})
    assert problem(not_xml, 422)["code"] == "return_file_not_xml"
    other = await client.post(url, content=b"<Document><Other/></Document>", headers={**admin, **XML})
    assert problem(other, 422)["code"] == "return_file_kind"
    as_json = await client.post(url, content=b"{}", headers={**admin, "content-type": "application/json"})
    assert problem(as_json, 422)["code"] == "return_file_media_type"
    staff = tokens.headers(studio_id=studio, role="employee")
    assert problem(await client.post(url, content=b"<a/>", headers={**staff, **XML}), 403)
    member = tokens.headers(studio_id=studio, role="member", member_id=members["am04"])
    mine = await client.get("/payments", headers=member)
    assert [p["member_id"] for p in mine.json()["items"]] == [str(members["am04"])]
    theirs = await client.get("/payments", params={"member_id": str(members["ac04"])}, headers=member)
    assert problem(theirs, 404)["code"] == "member_not_found"
    bad_policy = await client.put("/return-policy", json={"actions": {"AM4": "recollect"}}, headers=admin)
    assert problem(bad_policy, 422)["code"] == "reason_code_invalid"
