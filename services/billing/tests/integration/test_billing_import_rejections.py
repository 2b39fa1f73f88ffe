"""SubscriptionImportRejected on the broker: a row billing refuses (the plan was withdrawn, or the studio stopped
collecting by SEPA export after the import was planned) is told to the importer exactly once, with the importer's
row id and the reason, however often the row's events are redelivered; nothing else is written."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from gymloop_contracts import Envelope
from gymloop_contracts.events.billing import (
    BillingSettingsChanged,
    SubscriptionActivated,
    SubscriptionImportRejected,
)
from gymloop_contracts.events.common import ImportRef
from gymloop_contracts.events.members import MemberImportRejected
from gymloop_devstack.testing import EventProbe, eventually

from .test_billing_import_saga import Studio, redeliver

pytestmark = pytest.mark.integration


def rejections(probe: EventProbe) -> list[tuple[Envelope, SubscriptionImportRejected]]:
    return [
        (e, SubscriptionImportRejected.model_validate(e.payload)) for e in probe.of_type(SubscriptionImportRejected)
    ]


async def test_a_withdrawn_plan_is_rejected_once_with_the_importers_row_id(
    consuming_client: Any, tokens: Any, sql: Any
) -> None:
    studio = await Studio(consuming_client, tokens, sql).setup()
    withdrawn = await consuming_client.put(
        f"/plans/{studio.plan_id}/active", json={"active": False}, headers=studio.admin
    )
    assert withdrawn.status_code == 200, withdrawn.text
    job, member_id, email = uuid.uuid4(), uuid.uuid4(), "jan@example.org"
    async with EventProbe.for_events(studio.kafka, SubscriptionImportRejected, SubscriptionActivated) as probe:
        request = await studio.send(studio.request(job, 7, email))
        member = await studio.send(studio.member(member_id, job, 7, email))
        await probe.wait_for(lambda events: len(events) >= 1, timeout_s=30)
        # The same messages again (a consumer crash before its commit), and the row sent again as new messages.
        await redeliver(studio.kafka, request)
        await redeliver(studio.kafka, member)
        await studio.send(studio.request(job, 7, email))
        await studio.send(studio.member(member_id, job, 7, email, created=False), sequence=2)
        # Markers behind the repeats on each topic and key: once applied, everything before them was consumed.
        await studio.send(studio.request(job, 8, email, plan=False))
        await studio.send(studio.member(member_id, job, 8, email, created=False), sequence=3)

        async def all_consumed() -> bool:
            rows = await studio.rows(job)
            return [(r["row_number"], r["status"]) for r in rows] == [(7, "refused"), (8, "no_subscription")]

        await eventually(all_consumed, timeout_s=30)
        await probe.wait_for(lambda events: True, settle_s=2.0)

    ((envelope, rejected),) = rejections(probe)
    assert rejected.row_id == request.payload["row_id"] == f"{job}:7"  # the importer's own row id
    assert rejected.import_ref == ImportRef(import_job_id=job, row_number=7)
    assert (rejected.email, rejected.code, rejected.field) == (email, "plan_inactive", "subscription")
    assert "'10 sessions' is no longer offered" in rejected.message
    assert envelope.studio_id == studio.id
    assert (envelope.aggregate_type, envelope.aggregate_id, envelope.sequence) == ("import_row", f"{job}:7", 1)
    assert probe.of_type(SubscriptionActivated) == []
    (row, _) = await studio.rows(job)
    assert (row["reason_code"], row["reason"]) == ("plan_inactive", rejected.message)
    for table in ("subscription", "mandate", "charge"):
        assert await studio.count(table, member_id) == 0


async def test_a_studio_that_stopped_collecting_by_sepa_rejects_the_row_it_planned(
    consuming_client: Any, tokens: Any, sql: Any
) -> None:
    studio = await Studio(consuming_client, tokens, sql).setup()  # SEPA export when the import was planned
    job, member_id, email = uuid.uuid4(), uuid.uuid4(), "els@example.org"
    async with EventProbe.for_events(studio.kafka, SubscriptionImportRejected, BillingSettingsChanged) as probe:
        switched = await consuming_client.put(
            "/billing-settings", json={"collection_method": "stripe"}, headers=studio.admin
        )
        assert switched.status_code == 200, switched.text
        await studio.send(studio.member(member_id, job, 4, email))  # members first this time
        await studio.send(studio.request(job, 4, email))
        await probe.wait_for(lambda events: len(rejections(probe)) >= 1, timeout_s=30, settle_s=1.5)

    ((_, rejected),) = rejections(probe)
    assert (rejected.row_id, rejected.email) == (f"{job}:4", email)
    assert (rejected.code, rejected.field) == ("subscription_import_needs_sepa_export", "subscription")
    assert "collects by stripe" in rejected.message
    methods = [
        BillingSettingsChanged.model_validate(e.payload).collection_method
        for e in probe.of_type(BillingSettingsChanged)
    ]
    assert methods == ["sepa_export", "stripe"]  # the importer could follow the switch
    assert [r["status"] for r in await studio.rows(job)] == ["refused"]
    assert await studio.count("subscription", member_id) == 0


@pytest.mark.parametrize("refusal_first", [True, False], ids=["refusal-first", "request-first"])
async def test_a_row_members_refused_ends_in_billing_and_billing_adds_nothing(
    consuming_client: Any, tokens: Any, sql: Any, refusal_first: bool
) -> None:
    """Members refused the person, so no member id will ever come: billing's row must not wait for ever, and
    billing tells the importer nothing more (members' refusal already fails the row there)."""
    studio = await Studio(consuming_client, tokens, sql).setup()
    job, email = uuid.uuid4(), "owner@example.org"
    refusal = MemberImportRejected(
        row_id=f"{job}:3",
        import_ref=ImportRef(import_job_id=job, row_number=3),
        email=email,
        code="import_overwrites_admin",
        field="email",
        message="Row 3: owner@example.org is an admin of this studio; an import never overwrites an admin.",
    )
    async with EventProbe.for_events(studio.kafka, SubscriptionImportRejected, SubscriptionActivated) as probe:
        request = studio.request(job, 3, email)
        for payload in (refusal, request) if refusal_first else (request, refusal):
            await studio.send(payload)
        await studio.send(refusal)  # a second delivery (members re-sent it) changes nothing

        async def ended() -> bool:
            return [(r["row_number"], r["status"]) for r in await studio.rows(job)] == [(3, "member_refused")]

        await eventually(ended, timeout_s=30)
        await probe.wait_for(lambda events: True, settle_s=2.0)

    assert probe.received == []
    (row,) = await studio.rows(job)
    assert (row["reason_code"], row["reason"]) == ("import_overwrites_admin", refusal.message)
    for table in ("subscription", "mandate"):
        rows = await sql(f"SELECT count(*) FROM {table} WHERE studio_id = :s", s=studio.id)  # noqa: S608
        assert rows[0][0] == 0
