"""Billing's side of the import saga on the real broker: the importer's row and members' confirmation, in
either order and redelivered, make one subscription, one mandate and one SubscriptionActivated carrying the
row's import_ref; the same file imported again creates nothing; a refused row is kept with its reason."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

import pytest
from gymloop_contracts import Envelope
from gymloop_contracts.events.billing import SubscriptionActivated
from gymloop_contracts.events.common import ImportRef
from gymloop_contracts.events.importer import ImportedSubscription, MemberImportRequested
from gymloop_contracts.events.members import MemberRegistered, MemberUpdated
from gymloop_devstack.testing import EventProbe, eventually, publish
from gymloop_kit.messaging.kafka import create_producer

pytestmark = pytest.mark.integration

CREDITOR = {
    "collection_method": "sepa_export",
    "creditor_name": "Sportschool Zoe",
    "creditor_iban": "NL91ABNA0417164300",
    "creditor_id": "NL57ZZZ999999999999",
}
PACK = {
    "name": "10 sessions",
    "kind": "session_pack",
    "sessions": 10,
    "price_cents": 9000,
    "currency": "EUR",
    "period": "one_off",
    "valid_days": 90,
}
IBAN = "NL91 ABNA 0417 1643 00"


class Studio:
    def __init__(self, client: Any, tokens: Any, sql: Any) -> None:
        self.client = client
        self.kafka: str = client.kafka
        self.sql = sql
        self.id = uuid.uuid4()
        self.admin = tokens.headers(studio_id=self.id, role="admin")
        self.plan_id = uuid.UUID(int=0)

    async def setup(self, *, sepa: bool = True) -> Studio:
        if sepa:
            answer = await self.client.put("/billing-settings", json=CREDITOR, headers=self.admin)
            assert answer.status_code == 200, answer.text
        created = await self.client.post("/plans", json=PACK, headers=self.admin)
        assert created.status_code == 201, created.text
        self.plan_id = uuid.UUID(created.json()["id"])
        return self

    def request(self, job: uuid.UUID, row: int, email: str, *, iban: str = IBAN, plan: bool = True) -> Any:
        subscription = (
            ImportedSubscription(
                plan_id=self.plan_id,
                plan_name=PACK["name"],
                start_date=date(2027, 2, 1),
                iban=iban,
                account_holder="J. Jansen",
            )
            if plan
            else None
        )
        return MemberImportRequested(
            row_id=f"{job}:{row}",
            import_job_id=job,
            row_number=row,
            email=email,
            first_name="Jan",
            last_name="Jansen",
            start_date=date(2027, 1, 1),
            subscription=subscription,
        )

    def member(self, member_id: uuid.UUID, job: uuid.UUID, row: int, email: str, *, created: bool = True) -> Any:
        model = MemberRegistered if created else MemberUpdated
        return model(
            member_id=member_id,
            account_id=uuid.uuid4(),
            first_name="Jan",
            last_name="Jansen",
            email=email,
            start_date=date(2027, 1, 1),
            import_ref=ImportRef(import_job_id=job, row_number=row),
        )

    async def send(self, payload: Any, sequence: int = 1) -> Envelope:
        return await publish(self.kafka, payload, studio_id=self.id, sequence=sequence)

    async def rows(self, job: uuid.UUID) -> list[dict[str, Any]]:
        answer = await self.client.get(f"/imports/{job}/rows", headers=self.admin)
        if answer.status_code == 404:  # no row of the import has reached billing yet
            return []
        assert answer.status_code == 200, answer.text
        rows: list[dict[str, Any]] = answer.json()["items"]
        return rows

    async def count(self, table: str, member_id: uuid.UUID) -> int:
        rows = await self.sql(f"SELECT count(*) FROM {table} WHERE member_id = :m", m=member_id)  # noqa: S608
        return int(rows[0][0])


async def redeliver(bootstrap: str, envelope: Envelope) -> None:
    """The very same message again (same event id), as after a consumer crash before its commit."""
    producer = create_producer(bootstrap, "test-redeliver")
    await producer.start()
    try:
        await producer.send_and_wait(
            envelope.topic, envelope.model_dump_json().encode(), key=envelope.partition_key.encode()
        )
    finally:
        await producer.stop()


def activations(probe: EventProbe) -> list[tuple[Envelope, SubscriptionActivated]]:
    return [(e, SubscriptionActivated.model_validate(e.payload)) for e in probe.of_type(SubscriptionActivated)]


async def _settled(studio: Studio, job: uuid.UUID, status: str) -> None:
    async def done() -> bool:
        return [row["status"] for row in await studio.rows(job)] == [status]

    await eventually(done, timeout_s=30)


@pytest.mark.parametrize("member_first", [False, True], ids=["request-first", "member-first"])
async def test_either_order_creates_one_subscription_and_mandate_and_confirms_the_row(
    consuming_client: Any, tokens: Any, sql: Any, member_first: bool
) -> None:
    studio = await Studio(consuming_client, tokens, sql).setup()
    job, member_id, email = uuid.uuid4(), uuid.uuid4(), "jan@example.org"
    async with EventProbe.for_events(studio.kafka, SubscriptionActivated) as probe:
        if member_first:
            await studio.send(studio.member(member_id, job, 2, email))
            await _settled(studio, job, "waiting")  # the member alone is not enough
            assert await studio.count("subscription", member_id) == 0
            request = await studio.send(studio.request(job, 2, email))
        else:
            request = await studio.send(studio.request(job, 2, email))
            await _settled(studio, job, "waiting")
            await studio.send(studio.member(member_id, job, 2, email))
        await probe.wait_for(lambda events: len(events) >= 1, timeout_s=30, settle_s=1.0)

    ((envelope, activated),) = activations(probe)
    assert activated.import_ref == ImportRef(import_job_id=job, row_number=2)
    assert activated.member_id == member_id
    assert activated.plan_id == studio.plan_id
    assert (activated.plan_kind, activated.credits, activated.valid_from) == ("pack", 10, date(2027, 2, 1))
    assert activated.collection_method == "sepa_export"
    assert envelope.studio_id == studio.id
    (row,) = await studio.rows(job)
    assert row["status"] == "activated"
    assert row["subscription_id"] == str(activated.subscription_id)
    assert row["member_id"] == str(member_id)

    subscriptions = (await consuming_client.get(f"/members/{member_id}/subscriptions", headers=studio.admin)).json()
    assert [(s["id"], s["plan_id"], s["credits"]) for s in subscriptions] == [
        (str(activated.subscription_id), str(studio.plan_id), 10)
    ]
    mandate = (await consuming_client.get(f"/members/{member_id}/mandate", headers=studio.admin)).json()
    assert mandate["mandate_reference"] == f"GL-{member_id.hex.upper()}"
    assert mandate["iban"] == "NL91ABNA0417164300"
    assert mandate["account_holder"] == "J. Jansen"
    assert mandate["signed_on"] == request.occurred_at.date().isoformat()  # the import day
    assert mandate["next_sequence_type"] == "FRST"
    # the first fee is due like any subscription started by staff
    assert await sql("SELECT amount_cents FROM charge WHERE member_id = :m", m=member_id) == [(9000,)]


async def test_redelivered_and_repeated_events_create_nothing_twice(
    consuming_client: Any, tokens: Any, sql: Any
) -> None:
    studio = await Studio(consuming_client, tokens, sql).setup()
    job, member_id, email = uuid.uuid4(), uuid.uuid4(), "piet@example.org"
    async with EventProbe.for_events(studio.kafka, SubscriptionActivated) as probe:
        request = await studio.send(studio.request(job, 3, email))
        member = await studio.send(studio.member(member_id, job, 3, email))
        await probe.wait_for(lambda events: len(events) >= 1, timeout_s=30)
        await redeliver(studio.kafka, request)
        await redeliver(studio.kafka, member)
        # The same row sent again as new messages (new event ids): the import ref still makes it one.
        await studio.send(studio.request(job, 3, email))
        await studio.send(studio.member(member_id, job, 3, email, created=False), sequence=2)
        # Markers behind the repeats on each topic and key (rows 4 and 5 ask for no subscription): once they
        # are applied, everything sent before them on their partitions has been consumed.
        await studio.send(studio.request(job, 4, email, plan=False))
        await studio.send(studio.member(member_id, job, 4, email), sequence=3)
        await studio.send(studio.request(job, 5, email, plan=False))
        await studio.send(studio.member(member_id, job, 5, email, created=False), sequence=4)

        async def all_consumed() -> bool:
            rows = await studio.rows(job)
            markers = [(r["row_number"], r["status"], r["member_id"]) for r in rows[1:]]
            return markers == [(4, "no_subscription", str(member_id)), (5, "no_subscription", str(member_id))]

        await eventually(all_consumed, timeout_s=30)
        await probe.wait_for(lambda events: True, settle_s=2.0)

    assert len(activations(probe)) == 1
    assert await studio.count("subscription", member_id) == 1
    assert await studio.count("mandate", member_id) == 1
    assert await studio.count("charge", member_id) == 1
    assert [r["status"] for r in await studio.rows(job)] == ["activated", "no_subscription", "no_subscription"]


async def test_the_same_file_imported_again_keeps_the_subscription_and_repeats_its_activation(
    consuming_client: Any, tokens: Any, sql: Any
) -> None:
    studio = await Studio(consuming_client, tokens, sql).setup()
    first_job, second_job, member_id, email = uuid.uuid4(), uuid.uuid4(), uuid.uuid4(), "kees@example.org"
    async with EventProbe.for_events(studio.kafka, SubscriptionActivated) as probe:
        await studio.send(studio.request(first_job, 2, email))
        await studio.send(studio.member(member_id, first_job, 2, email))
        await probe.wait_for(lambda events: len(events) >= 1, timeout_s=30)
        # The second import: members overwrites the person (MemberUpdated), the row asks for the same plan.
        await studio.send(studio.member(member_id, second_job, 2, email, created=False), sequence=2)
        await studio.send(studio.request(second_job, 2, email))
        await probe.wait_for(lambda events: len(events) >= 2, timeout_s=30, settle_s=1.0)

    (first_envelope, first), (second_envelope, second) = activations(probe)
    assert first.import_ref == ImportRef(import_job_id=first_job, row_number=2)
    assert second.import_ref == ImportRef(import_job_id=second_job, row_number=2)
    assert second.subscription_id == first.subscription_id
    # The same fact under the same sequence: bookings (grants per sequence) gives no credits twice.
    assert second_envelope.sequence == first_envelope.sequence
    assert second_envelope.event_id != first_envelope.event_id
    assert (second.credits, second.valid_until) == (first.credits, first.valid_until)
    assert await studio.count("subscription", member_id) == 1
    assert await studio.count("mandate", member_id) == 1
    assert await studio.count("charge", member_id) == 1
    (kept,) = await studio.rows(second_job)
    assert (kept["status"], kept["subscription_id"]) == ("kept", str(first.subscription_id))


async def test_refused_rows_are_kept_with_their_reason_and_nothing_is_created(
    consuming_client: Any, tokens: Any, sql: Any
) -> None:
    offline = await Studio(consuming_client, tokens, sql).setup(sepa=False)
    sepa = await Studio(consuming_client, tokens, sql).setup()
    job, no_sepa_member, bad_iban_member, free_member = uuid.uuid4(), uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    async with EventProbe.for_events(sepa.kafka, SubscriptionActivated) as probe:
        await offline.send(offline.request(job, 2, "a@example.org"))
        await offline.send(offline.member(no_sepa_member, job, 2, "a@example.org"))
        await sepa.send(sepa.request(job, 2, "b@example.org", iban="NL91ABNA0417164301"))
        await sepa.send(sepa.member(bad_iban_member, job, 2, "b@example.org"))
        await sepa.send(sepa.request(job, 3, "c@example.org", plan=False))
        await sepa.send(sepa.member(free_member, job, 3, "c@example.org"))

        async def settled() -> bool:
            return [r["status"] for r in await offline.rows(job)] == ["refused"] and [
                r["status"] for r in await sepa.rows(job)
            ] == ["refused", "no_subscription"]

        await eventually(settled, timeout_s=30)
        await probe.wait_for(lambda events: True, settle_s=1.5)

    assert probe.of_type(SubscriptionActivated) == []
    (not_sepa,) = await offline.rows(job)
    assert not_sepa["reason_code"] == "subscription_import_needs_sepa_export"
    assert "SEPA Direct Debit Export" in not_sepa["reason"]
    assert "offline" in not_sepa["reason"]
    bad_iban, without_plan = await sepa.rows(job)
    assert bad_iban["reason_code"] == "iban_checksum"
    assert "NL91ABNA0417164301" in bad_iban["reason"]
    assert without_plan["reason_code"] is None
    for member_id in (no_sepa_member, bad_iban_member, free_member):
        assert await sepa.count("subscription", member_id) == 0
        assert await sepa.count("mandate", member_id) == 0
    # another studio sees none of these rows
    other = tokens.headers(studio_id=uuid.uuid4(), role="admin")
    not_theirs = await consuming_client.get(f"/imports/{job}/rows", headers=other)
    assert (not_theirs.status_code, not_theirs.json()["code"]) == (404, "import_not_found")
