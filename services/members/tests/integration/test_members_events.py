"""Every write emits its event once, seen on the real broker; the importer's rows are upserted by e-mail."""

import asyncio
import uuid
from datetime import date

import pytest
from gymloop_contracts.events.importer import MemberImportRequested
from gymloop_contracts.events.members import (
    MemberArchived,
    MemberRegistered,
    MemberUnarchived,
    MemberUpdated,
    ResponsibleEmployeeAssigned,
)
from gymloop_devstack.testing import EventProbe, eventually, publish
from members_testkit import add_member, counts, signup

pytestmark = pytest.mark.integration


@pytest.fixture
def consumer_enabled() -> bool:
    return True  # the importer's rows arrive through the consumer


MEMBER_EVENTS = (MemberRegistered, MemberUpdated, ResponsibleEmployeeAssigned, MemberArchived, MemberUnarchived)


def of(probe, model, member_id):
    return [e for e in probe.of_type(model) if e.payload["member_id"] == str(member_id)]


async def test_every_write_emits_its_event_once(client, private_kafka):
    async with EventProbe.for_events(private_kafka.bootstrap_servers, *MEMBER_EVENTS) as probe:
        studio = await signup(client)
        employee = await add_member(client, studio.admin, role="employee", is_member=False, first_name="Eve")
        member = await add_member(client, studio.admin, first_name="Max")
        mid = member["id"]

        assert (
            await client.patch(f"/members/{mid}", json={"phone": "+31 6 1234 5678"}, headers=studio.admin)
        ).status_code == 200
        responsible = await client.put(
            f"/members/{mid}/responsible-employee", json={"employee_id": employee["id"]}, headers=studio.admin
        )
        assert responsible.status_code == 200
        tag = (await client.post("/tags", json={"name": "Injury"}, headers=studio.admin)).json()
        assert (await client.put(f"/members/{mid}/tags/{tag['id']}", headers=studio.admin)).status_code == 200
        # putting the same tag again changes nothing and emits nothing
        assert (await client.put(f"/members/{mid}/tags/{tag['id']}", headers=studio.admin)).status_code == 200
        assert (
            await client.post(f"/members/{mid}/archive", json={"reason": "moved"}, headers=studio.admin)
        ).status_code == 200
        assert (await client.post(f"/members/{mid}/unarchive", headers=studio.admin)).status_code == 200
        role = await client.put(f"/members/{employee['id']}/role", json={"role": "admin"}, headers=studio.admin)
        assert role.status_code == 200
        upsert_existing = await client.post(
            "/members/upsert",
            json={"email": member["email"], "first_name": "Maxime", "last_name": "Member", "start_date": "2026-02-01"},
            headers=studio.admin,
        )
        assert upsert_existing.json()["created"] is False
        upsert_new = await client.post(
            "/members/upsert",
            json={
                "email": "fresh@gym.example.com",
                "first_name": "Fay",
                "last_name": "Fresh",
                "start_date": "2026-02-01",
            },
            headers=studio.admin,
        )
        assert upsert_new.json()["created"] is True

        await probe.wait_for(lambda evs: len(evs) >= 14, settle_s=1.5)
        assert len(probe.received) == 14  # nothing more arrives: no write emitted twice

        assert len(probe.of_type(MemberRegistered)) == 4  # admin, employee, member, fresh
        registered = {e.payload["member_id"]: e for e in probe.of_type(MemberRegistered)}
        assert registered[str(studio.admin_member_id)].payload["source"] == "self"
        assert registered[employee["id"]].payload["role"] == "employee"
        assert registered[employee["id"]].payload["is_member"] is False

        updates = of(probe, MemberUpdated, mid)
        # phone, responsible, tag, archive, unarchive, upsert: six state changes, six full states
        assert len(updates) == 6
        assert [u.payload["status"] for u in updates] == ["active", "active", "active", "archived", "active", "active"]
        assert updates[2].payload["tags"] == ["Injury"]
        assert updates[-1].payload["first_name"] == "Maxime"
        assert updates[1].payload["responsible_employee_id"] == employee["id"]

        assigned = of(probe, ResponsibleEmployeeAssigned, mid)
        assert len(assigned) == 1
        assert assigned[0].payload["employee_id"] == employee["id"]
        assert assigned[0].payload["previous_employee_id"] is None
        assert len(of(probe, MemberArchived, mid)) == 1
        assert of(probe, MemberArchived, mid)[0].payload["reason"] == "moved"
        assert len(of(probe, MemberUnarchived, mid)) == 1
        assert [u.payload["role"] for u in of(probe, MemberUpdated, employee["id"])] == ["admin"]

        # one event id each, studio-scoped, and a per-member sequence without gaps
        assert len({e.event_id for e in probe.received}) == len(probe.received)
        assert {e.studio_id for e in probe.received} == {studio.studio_id}
        sequences = sorted(e.sequence for e in probe.received if e.aggregate_id == mid)
        assert sequences == list(range(1, len(sequences) + 1))


async def test_tag_rename_and_delete_update_every_tagged_member(client, private_kafka):
    studio = await signup(client)
    first = await add_member(client, studio.admin)
    second = await add_member(client, studio.admin)
    tag = (await client.post("/tags", json={"name": "Birthday"}, headers=studio.admin)).json()
    for member in (first, second):
        await client.put(f"/members/{member['id']}/tags/{tag['id']}", headers=studio.admin)
    async with EventProbe.for_events(private_kafka.bootstrap_servers, MemberUpdated) as probe:
        await probe.wait_for(lambda evs: len(evs) >= 2)
        await client.patch(f"/tags/{tag['id']}", json={"name": "Jarig"}, headers=studio.admin)
        await client.delete(f"/tags/{tag['id']}", headers=studio.admin)
        await probe.wait_for(lambda evs: len(evs) >= 6, settle_s=1.0)
    for member in (first, second):
        states = [u.payload["tags"] for u in of(probe, MemberUpdated, member["id"])]
        assert states == [["Birthday"], ["Jarig"], []]


async def test_import_rows_are_upserted_by_email_without_mail_and_carry_import_ref(client, private_kafka, mail_sink):
    studio = await signup(client)
    employee = await add_member(client, studio.admin, role="employee", is_member=False, email="coach@gym.example.com")
    existing = await add_member(client, studio.admin, email="known@gym.example.com", phone="+31 20 555 0101")
    job = uuid.uuid4()
    rows = [
        MemberImportRequested(
            row_id=f"{job}:2", import_job_id=job, row_number=2, email="New.Person@Gym.Example.com",
            first_name="Nina", last_name="New", start_date=date(2026, 3, 1), tags=["Injury", "first session"],
            responsible_employee_email="coach@gym.example.com",
        ),
        MemberImportRequested(
            row_id=f"{job}:3", import_job_id=job, row_number=3, email="known@gym.example.com",
            first_name="Karel", last_name="Known", start_date=date(2025, 9, 1),
        ),
        MemberImportRequested(
            row_id=f"{job}:4", import_job_id=job, row_number=4, email="staff.only@gym.example.com",
            first_name="Sam", last_name="Staff", start_date=date(2026, 3, 1), is_employee=True,
        ),
    ]  # fmt: skip
    async with EventProbe.for_events(private_kafka.bootstrap_servers, MemberRegistered, MemberUpdated) as probe:
        for row in rows:
            await publish(private_kafka.bootstrap_servers, row, studio_id=studio.studio_id)
        await probe.wait_for(
            lambda evs: sum(1 for e in evs if e.payload.get("import_ref")) >= 3, timeout_s=30, settle_s=1.0
        )
    imported = {e.payload["import_ref"]["row_number"]: e for e in probe.received if e.payload.get("import_ref")}
    assert imported[2].event_type == "MemberRegistered"
    assert imported[2].payload["source"] == "import"
    assert imported[2].payload["import_ref"]["import_job_id"] == str(job)
    assert imported[2].payload["email"] == "new.person@gym.example.com"
    assert imported[2].payload["tags"] == ["first session", "Injury"]
    assert imported[2].payload["responsible_employee_id"] == employee["id"]
    assert imported[3].event_type == "MemberUpdated"
    assert imported[3].payload["member_id"] == existing["id"]
    assert imported[4].payload["role"] == "employee"

    known = (await client.get(f"/members/{existing['id']}", headers=studio.admin)).json()
    assert (known["first_name"], known["last_name"], known["start_date"]) == ("Karel", "Known", "2025-09-01")
    assert known["phone"] == "+31 20 555 0101"  # an empty import cell keeps what was stored

    # the same row again (the saga retrying) overwrites again and creates nobody new
    before = await counts(client.database_url, "membership", "account")
    await publish(private_kafka.bootstrap_servers, rows[1], studio_id=studio.studio_id)

    async def applied_twice() -> bool:
        found = await client.get("/members", params={"q": "karel"}, headers=studio.admin)
        return found.json()["total"] == 1 and len(await _inbox(client)) == 4

    await eventually(applied_twice)
    assert await counts(client.database_url, "membership", "account") == before

    # no e-mail to anybody: imported people get theirs at their first login
    await asyncio.sleep(0.5)
    assert mail_sink.messages == []
    assert (await counts(client.database_url, "mail_outbox"))["mail_outbox"] == 0


async def _inbox(client):
    from members_testkit import db_fetch

    return await db_fetch(client.database_url, "SELECT event_id FROM inbox")


async def test_a_members_gender_is_kept_and_carried_in_the_member_events(client, private_kafka):
    async with EventProbe.for_events(private_kafka.bootstrap_servers, MemberRegistered, MemberUpdated) as probe:
        studio = await signup(client)
        member = await add_member(client, studio.admin, first_name="Gea", gender="female")
        assert member["gender"] == "female"
        changed = await client.patch(f"/members/{member['id']}", json={"gender": "other"}, headers=studio.admin)
        assert changed.status_code == 200, changed.text
        assert changed.json()["gender"] == "other"
        bad = await client.patch(f"/members/{member['id']}", json={"gender": "unicorn"}, headers=studio.admin)
        assert bad.status_code == 422
        assert [e["loc"][-1] for e in bad.json()["errors"]] == ["gender"]
        await probe.wait_for(lambda evs: len(of(probe, MemberUpdated, member["id"])) >= 1, settle_s=0.5)
    (registered,) = of(probe, MemberRegistered, member["id"])
    (updated,) = of(probe, MemberUpdated, member["id"])
    assert (registered.payload["gender"], updated.payload["gender"]) == ("female", "other")
    again = await client.get(f"/members/{member['id']}", headers=studio.admin)
    assert again.json()["gender"] == "other"  # the refused change changed nothing
