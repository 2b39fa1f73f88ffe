"""Import rows members refuses: one MemberImportRejected per row (however often the row arrives), nothing of the
person written, the good rows of the same batch applied; a database fault is no refusal (retry, then DLQ)."""

import uuid
from datetime import date

import pytest
from gymloop_contracts import Envelope, dlq_topic
from gymloop_contracts.events.importer import MemberImportRequested
from gymloop_contracts.events.members import MemberImportRejected, MemberRegistered, MemberUpdated
from gymloop_devstack.testing import EventProbe, eventually
from gymloop_kit.messaging.kafka import ensure_topics
from members_testkit import add_member, counts, db_execute, db_fetch, envelope_of, send_together, signup

pytestmark = pytest.mark.integration

PEOPLE_TABLES = ("account", "membership", "tag", "member_tag")


@pytest.fixture
def consumer_enabled() -> bool:
    return True  # the importer's rows arrive through the consumer


def row(job: uuid.UUID, number: int, email: str, *, first_name: str = "Row", **fields: object) -> MemberImportRequested:
    return MemberImportRequested(
        row_id=f"{job}:{number}", import_job_id=job, row_number=number, email=email,
        first_name=first_name, last_name=f"Number {number}", start_date=date(2026, 3, 1), **fields,
    )  # fmt: skip


def rejections(probe: EventProbe) -> dict[int, Envelope]:
    found: dict[int, Envelope] = {}
    for envelope in probe.of_type(MemberImportRejected):
        number = envelope.payload["import_ref"]["row_number"]
        assert number not in found, f"row {number} rejected twice"
        found[number] = envelope
    return found


async def inbox_size(client) -> int:
    return len(await db_fetch(client.database_url, "SELECT event_id FROM inbox"))


async def profile(client, studio, member_id) -> dict[str, object]:
    return dict((await client.get(f"/members/{member_id}", headers=studio.admin)).json())


async def test_refused_rows_are_rejected_once_and_write_nothing(client, private_kafka):
    bootstrap = private_kafka.bootstrap_servers
    studio = await signup(client)
    coach = await add_member(client, studio.admin, role="employee", is_member=False, email="coach@gym.example.com")
    known = await add_member(client, studio.admin, email="known@gym.example.com", first_name="Karel")
    gone = await add_member(client, studio.admin, email="gone@gym.example.com", first_name="Gina")
    assert (await client.post(f"/members/{gone['id']}/archive", json={}, headers=studio.admin)).status_code == 200
    before_profiles = {m: await profile(client, studio, m) for m in (studio.admin_member_id, coach["id"], gone["id"])}
    before = await counts(client.database_url, *PEOPLE_TABLES)

    job = uuid.uuid4()
    rows = {
        2: row(job, 2, "new.person@gym.example.com", tags=["Morning"], responsible_employee_email=coach["email"]),
        # a 45-character tag passes the importer's 50-character limit but not members' 40
        3: row(job, 3, "long.tag@gym.example.com", tags=["Morning", "x" * 45]),
        4: row(job, 4, studio.admin_email, first_name="Hacked"),
        5: row(job, 5, "gone@gym.example.com", first_name="Back"),
        6: row(job, 6, "coach@gym.example.com", responsible_employee_email="coach@gym.example.com", is_employee=True),
        7: row(job, 7, "long.phone@gym.example.com", phone="+31 " + "6" * 40),
        8: row(job, 8, "known@gym.example.com", first_name="Karolien"),
    }
    envelopes = {number: envelope_of(r, studio.studio_id) for number, r in rows.items()}
    stray = row(job, 9, "stray@gym.example.com")  # for a studio members does not know
    stray_studio = uuid.uuid4()
    watched = (MemberImportRejected, MemberRegistered, MemberUpdated)
    async with EventProbe.for_events(bootstrap, *watched) as probe:
        await probe.wait_for(lambda evs: len(evs) >= 5)  # the set-up's own four registrations and the archive
        set_up = len(probe.received)
        await send_together(bootstrap, [*envelopes.values(), envelope_of(stray, stray_studio)])
        await probe.wait_for(
            lambda evs: len(rejections(probe)) >= 6 and sum(1 for e in evs if e.payload.get("import_ref")) >= 8,
            timeout_s=30,
            settle_s=1.5,
        )
        refused = rejections(probe)
        assert sorted(refused) == [3, 4, 5, 6, 7, 9]
        applied = {
            e.payload["import_ref"]["row_number"]: e.event_type
            for e in probe.received
            if e.event_type in ("MemberRegistered", "MemberUpdated") and e.payload.get("import_ref")
        }
        assert applied == {2: "MemberRegistered", 8: "MemberUpdated"}  # the good rows of the batch are applied

        # the same message delivered again (same event id), and the importer re-sending refused rows
        inbox_before = await inbox_size(client)
        again = [envelopes[3], envelopes[4], envelope_of(rows[4], studio.studio_id)]
        await send_together(bootstrap, again + [envelope_of(rows[6], studio.studio_id)])
        await eventually(lambda: _grew(client, inbox_before, by=2))  # the redeliveries add no inbox row
        await probe.wait_for(lambda evs: True, settle_s=1.5)

    refused = rejections(probe)  # asserts one rejection per row, redeliveries included
    assert sorted(refused) == [3, 4, 5, 6, 7, 9]
    assert len(probe.of_type(MemberImportRejected)) == 6

    expected = {
        3: ("tag_name_too_long", "tags", "column 'Tags' of row 3"),
        4: ("import_overwrites_admin", "email", "remove row 4 from the file"),
        5: ("import_member_archived", "email", "unarchive the member first"),
        6: ("responsible_is_self", "responsible_employee_email", "column 'Responsible employee'"),
        7: ("text_too_long", "phone", "column 'Phone' of row 7"),
        9: ("studio_unknown", None, "logged in to the studio"),
    }
    for number, (code, field, advice) in expected.items():
        envelope = refused[number]
        payload = envelope.payload
        assert (payload["code"], payload["field"]) == (code, field), payload
        assert payload["message"].startswith(f"Row {number}: "), payload
        assert advice in payload["message"], payload
        assert payload["row_id"] == f"{job}:{number}" == envelope.aggregate_id
        assert payload["import_ref"] == {"import_job_id": str(job), "row_number": number}
        assert envelope.producer == "members"
        assert envelope.studio_id == (stray_studio if number == 9 else studio.studio_id)
    assert refused[4].payload["email"] == studio.admin_email

    # nothing of the refused people: only row 2's person, membership, tag link (its tag is new) were added
    after = await counts(client.database_url, *PEOPLE_TABLES)
    assert after == {
        "account": before["account"] + 1,
        "membership": before["membership"] + 1,
        "tag": before["tag"] + 1,  # "Morning", from row 2; row 3's attempt at it was rolled back
        "member_tag": before["member_tag"] + 1,
    }
    emails = {r["email"] for r in await db_fetch(client.database_url, "SELECT email FROM account")}
    assert emails.isdisjoint({"long.tag@gym.example.com", "long.phone@gym.example.com", "stray@gym.example.com"})
    for member_id, seen in before_profiles.items():
        assert await profile(client, studio, member_id) == seen
    refused_members = {str(studio.admin_member_id), coach["id"], gone["id"]}
    assert not [e for e in probe.received[set_up:] if e.payload.get("member_id") in refused_members]
    assert (await profile(client, studio, known["id"]))["first_name"] == "Karolien"
    stored = await db_fetch(client.database_url, "SELECT row_id, code FROM import_row_rejection ORDER BY row_id")
    assert [(r["row_id"], r["code"]) for r in stored] == [(f"{job}:{n}", expected[n][0]) for n in sorted(expected)]


async def _grew(client, before: int, *, by: int) -> bool:
    return await inbox_size(client) == before + by


async def test_a_database_fault_is_retried_and_dead_lettered_not_rejected(client, private_kafka):
    """Only refusals become MemberImportRejected: a failing database is retried, then the row goes to the DLQ
    (the importer's row stays pending until someone replays it), and the good row beside it is applied."""
    bootstrap = private_kafka.bootstrap_servers
    studio = await signup(client)
    # A real fault of the database (not a mock): inserting this one login always fails.
    await db_execute(
        client.database_url,
        """
        CREATE FUNCTION refuse_fault() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF NEW.email = 'fault@gym.example.com' THEN RAISE EXCEPTION 'disk on fire'; END IF;
            RETURN NEW;
        END $$;
        CREATE TRIGGER account_fault BEFORE INSERT ON account FOR EACH ROW EXECUTE FUNCTION refuse_fault();
        """,
    )
    job = uuid.uuid4()
    faulty = envelope_of(row(job, 2, "fault@gym.example.com"), studio.studio_id)
    good = envelope_of(row(job, 3, "fine@gym.example.com"), studio.studio_id)
    await ensure_topics(bootstrap, [dlq_topic(faulty.topic)])
    dead = EventProbe(bootstrap, [dlq_topic(faulty.topic)])
    async with EventProbe.for_events(bootstrap, MemberImportRejected, MemberRegistered) as probe, dead:
        await send_together(bootstrap, [faulty, good])
        await dead.wait_for(lambda evs: len(evs) >= 1, timeout_s=30)
        await probe.wait_for(lambda evs: len(probe.of_type(MemberRegistered)) >= 2, settle_s=1.0)
    assert [e.event_id for e in dead.received] == [faulty.event_id]
    assert probe.of_type(MemberImportRejected) == []
    imported = [e for e in probe.of_type(MemberRegistered) if e.payload.get("import_ref")]
    assert [e.payload["email"] for e in imported] == ["fine@gym.example.com"]
    assert await db_fetch(client.database_url, "SELECT row_id FROM import_row_rejection") == []
    assert await db_fetch(client.database_url, "SELECT id FROM account WHERE email = 'fault@gym.example.com'") == []
