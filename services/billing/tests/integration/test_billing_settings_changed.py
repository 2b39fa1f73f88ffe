"""BillingSettingsChanged on the broker: on the first configuration and when the collection method, currency or
overdue rule changes; not on a no-op, not for creditor details alone, not for refused input (nothing changed);
once for concurrent first configurations."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import pytest
from gymloop_contracts import Envelope
from gymloop_contracts.events.billing import BillingSettingsChanged
from gymloop_devstack.testing import EventProbe, error_fields

pytestmark = pytest.mark.integration

CREDITOR = {
    "creditor_name": "Sportschool Zoe",
    "creditor_iban": "NL91ABNA0417164300",
    "creditor_id": "NL57ZZZ999999999999",
}


def announced(probe: EventProbe, studio_id: uuid.UUID) -> list[tuple[Envelope, BillingSettingsChanged]]:
    return [
        (envelope, BillingSettingsChanged.model_validate(envelope.payload))
        for envelope in probe.of_type(BillingSettingsChanged)
        if envelope.studio_id == studio_id
    ]


async def test_settings_changes_are_announced_once_each_and_no_ops_are_not(client: Any, tokens: Any) -> None:
    studio, other = uuid.uuid4(), uuid.uuid4()
    admin = tokens.headers(studio_id=studio, role="admin")

    async def put(body: dict[str, Any], status: int = 200) -> dict[str, Any]:
        answer = await client.put("/billing-settings", json=body, headers=admin)
        assert answer.status_code == status, answer.text
        result: dict[str, Any] = answer.json()
        return result

    async with EventProbe.for_events(client.kafka, BillingSettingsChanged) as probe:
        await put({"collection_method": "stripe"})  # first configuration
        await put({"collection_method": "stripe"})  # the same again: nothing to announce
        await put({"collection_method": "stripe", "overdue_members_may_book": True})
        refused = await put({"collection_method": "stripe", "currency": "euro"}, status=422)
        no_creditor = await put({"collection_method": "sepa_export", "overdue_members_may_book": True}, status=422)
        await put({"collection_method": "sepa_export", "overdue_members_may_book": True, **CREDITOR})
        renamed = {**CREDITOR, "creditor_name": "Zoe Fitness"}  # billing's own detail: not announced
        await put({"collection_method": "sepa_export", "overdue_members_may_book": True, **renamed})
        await put({"collection_method": "offline", "currency": "CHF", "overdue_members_may_book": True})
        other_admin = tokens.headers(studio_id=other, role="admin")
        assert (
            await client.put("/billing-settings", json={"collection_method": "offline"}, headers=other_admin)
        ).is_success
        await probe.wait_for(lambda events: len(events) >= 5, timeout_s=30, settle_s=1.5)

    assert refused["errors"] == [
        {
            "loc": ["body", "currency"],
            "msg": "currency 'euro' is not an ISO 4217 code: use three capital letters such as 'EUR'",
            "type": "currency_invalid",
        }
    ]
    assert no_creditor["errors"][0]["loc"] == ["body", "creditor_name"]
    changes = announced(probe, studio)
    assert [(c.collection_method, c.currency, c.overdue_members_may_book) for _, c in changes] == [
        ("stripe", "EUR", False),
        ("stripe", "EUR", True),
        ("sepa_export", "EUR", True),
        ("offline", "CHF", True),
    ]
    assert all(change.studio_id == studio for _, change in changes)
    assert [envelope.sequence for envelope, _ in changes] == [1, 2, 3, 4]  # one aggregate per studio, in order
    assert [(c.studio_id, c.collection_method) for _, c in announced(probe, other)] == [(other, "offline")]
    final = (await client.get("/billing-settings", headers=admin)).json()
    assert (final["collection_method"], final["currency"], final["creditor_name"]) == ("offline", "CHF", None)


async def test_a_refused_first_configuration_writes_and_announces_nothing(client: Any, tokens: Any, sql: Any) -> None:
    studio = uuid.uuid4()
    admin = tokens.headers(studio_id=studio, role="admin")
    bad = {"collection_method": "sepa_export", **CREDITOR, "creditor_iban": "NL91ABNA0417164301"}
    answer = await client.put("/billing-settings", json=bad, headers=admin)
    assert answer.status_code == 422, answer.text
    assert error_fields(answer)[0]["loc"] == ["body", "creditor_iban"]
    assert await sql("SELECT count(*) FROM studio_billing WHERE studio_id = :s", s=studio) == [(0,)]
    outbox = "SELECT count(*) FROM outbox WHERE envelope->>'studio_id' = :s"
    assert await sql(outbox, s=str(studio)) == [(0,)]


async def test_concurrent_first_configurations_are_announced_once(client: Any, tokens: Any) -> None:
    studio = uuid.uuid4()
    admin = tokens.headers(studio_id=studio, role="admin")
    body = {"collection_method": "stripe", "overdue_members_may_book": True}
    async with EventProbe.for_events(client.kafka, BillingSettingsChanged) as probe:
        answers = await asyncio.gather(*(client.put("/billing-settings", json=body, headers=admin) for _ in range(4)))
        assert [answer.status_code for answer in answers] == [200] * 4
        await probe.wait_for(lambda events: len(events) >= 1, timeout_s=30, settle_s=1.5)
    ((envelope, change),) = announced(probe, studio)
    assert (change.collection_method, change.overdue_members_may_book, envelope.sequence) == ("stripe", True, 1)
