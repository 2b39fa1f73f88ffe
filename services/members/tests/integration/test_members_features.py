"""Checklists, notes, attachments and the photo through the API; the mail outbox surviving an SMTP outage;
concurrent sign-ups of one e-mail."""

import asyncio
import uuid

import pytest
from aiosmtpd.controller import Controller
from gymloop_devstack.testing import eventually, service_client
from gymloop_members.app import create_app
from members_testkit import (
    MIGRATIONS,
    PASSWORD,
    MailSink,
    add_member,
    bearer,
    counts,
    db_execute,
    db_fetch,
    free_port,
    signup,
)

pytestmark = pytest.mark.integration

PDF = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(64))
JPEG = b"\xff\xd8\xff\xe0" + bytes(range(64))


async def test_checklist_progress_records_who_ticked_and_when(client, tokens):
    studio = await signup(client)
    coach = await add_member(client, studio.admin, role="employee", is_member=False)
    member = await add_member(client, studio.admin)
    template = await client.post(
        "/checklists", json={"name": "New member", "actions": ["Intake talk", "First session", "Check-up"]},
        headers=studio.admin,
    )  # fmt: skip
    assert template.status_code == 201
    assert [a["title"] for a in template.json()["actions"]] == ["Intake talk", "First session", "Check-up"]
    coach_headers = bearer(
        tokens(studio_id=studio.studio_id, role="employee", account_id=uuid.UUID(coach["account_id"]),
               member_id=uuid.UUID(coach["id"]))
    )  # fmt: skip
    assigned = await client.post(
        f"/members/{member['id']}/checklists", json={"template_id": template.json()["id"]}, headers=coach_headers
    )
    assert assigned.status_code == 201
    checklist = assigned.json()
    assert (checklist["done"], checklist["total"]) == (0, 3)
    first = checklist["items"][0]["id"]
    ticked = await client.put(
        f"/members/{member['id']}/checklists/{checklist['id']}/items/{first}",
        json={"done": True},
        headers=coach_headers,
    )
    item = ticked.json()["items"][0]
    assert item["done_by_member_id"] == coach["id"]
    assert item["done_by_account_id"] == coach["account_id"]
    assert item["done_at"] is not None
    assert ticked.json()["done"] == 1
    # editing the template later leaves the member's copy alone; unticking clears who and when
    untick = await client.put(
        f"/members/{member['id']}/checklists/{checklist['id']}/items/{first}",
        json={"done": False},
        headers=studio.admin,
    )
    assert untick.json()["items"][0]["done_at"] is None
    listed = (await client.get(f"/members/{member['id']}/checklists", headers=studio.admin)).json()["items"]
    assert [c["id"] for c in listed] == [checklist["id"]]


async def test_notes_keep_author_and_time_newest_first(client):
    studio = await signup(client)
    member = await add_member(client, studio.admin)
    for body in ("Knee injury", "Back after holiday"):
        note = await client.post(f"/members/{member['id']}/notes", json={"body": body}, headers=studio.admin)
        assert note.status_code == 201
        assert note.json()["author_member_id"] == str(studio.admin_member_id)
    notes = (await client.get(f"/members/{member['id']}/notes", headers=studio.admin)).json()["items"]
    assert [n["body"] for n in notes] == ["Back after holiday", "Knee injury"]
    assert notes[0]["created_at"] >= notes[1]["created_at"]
    empty = await client.post(f"/members/{member['id']}/notes", json={"body": "   "}, headers=studio.admin)
    assert empty.status_code == 422


async def test_attachments_round_trip_and_the_photo_is_replaced(client, tokens):
    studio = await signup(client)
    member = await add_member(client, studio.admin)
    uploaded = await client.post(
        f"/members/{member['id']}/attachments", files={"file": ("../contract.pdf", PDF, "application/pdf")},
        headers=studio.admin,
    )  # fmt: skip
    assert uploaded.status_code == 201
    assert (uploaded.json()["filename"], uploaded.json()["size"]) == ("contract.pdf", len(PDF))
    download = await client.get(f"/members/{member['id']}/attachments/{uploaded.json()['id']}", headers=studio.admin)
    assert download.content == PDF
    assert download.headers["content-type"] == "application/pdf"
    assert "contract.pdf" in download.headers["content-disposition"]

    own = bearer(
        tokens(studio_id=studio.studio_id, role="member", account_id=uuid.UUID(member["account_id"]),
               member_id=uuid.UUID(member["id"]))
    )  # fmt: skip
    first = await client.put(
        f"/members/{member['id']}/photo", files={"file": ("me.png", PNG, "image/png")}, headers=own
    )
    assert first.status_code == 200
    second = await client.put(
        f"/members/{member['id']}/photo", files={"file": ("me.jpg", JPEG, "image/jpeg")}, headers=own
    )
    assert second.status_code == 200
    photo = await client.get(f"/members/{member['id']}/photo", headers=own)
    assert (photo.content, photo.headers["content-type"]) == (JPEG, "image/jpeg")
    assert (await client.get(f"/members/{member['id']}", headers=own)).json()["has_photo"] is True
    # the old photo is gone; the photo is not listed among the documents
    rows = await db_fetch(client.database_url, "SELECT kind FROM attachment ORDER BY kind")
    assert [r["kind"] for r in rows] == ["document", "photo"]
    listed = (await client.get(f"/members/{member['id']}/attachments", headers=studio.admin)).json()["items"]
    assert [a["filename"] for a in listed] == ["contract.pdf"]
    deleted = await client.delete(f"/members/{member['id']}/attachments/{second.json()['id']}", headers=studio.admin)
    assert deleted.status_code == 204
    assert (await client.get(f"/members/{member['id']}", headers=own)).json()["has_photo"] is False


async def test_a_mail_queued_while_smtp_is_down_is_sent_once_it_is_back(new_database, members_settings):
    port = free_port()  # nothing listens here yet
    url = await new_database(MIGRATIONS, prefix="members")
    settings = members_settings(url, smtp_port=port)
    async with service_client(create_app(settings)) as client:
        studio = await signup(client)
        assert (await client.post("/auth/password-reset", json={"email": studio.admin_email})).status_code == 202

        async def failed_once():
            rows = await db_fetch(url, "SELECT attempts, sent_at FROM mail_outbox")
            return rows and rows[0]["attempts"] >= 1 and rows[0]["sent_at"] is None

        await eventually(failed_once)
        sink = MailSink()
        sink.port = port
        sink._controller = Controller(sink, hostname="127.0.0.1", port=port)
        sink._controller.start()
        try:
            await db_execute(url, "UPDATE mail_outbox SET available_at = now()")  # skip the back-off wait
            await sink.wait_for(studio.admin_email)
            await asyncio.sleep(0.3)
            assert len(sink.to(studio.admin_email)) == 1
            rows = await db_fetch(url, "SELECT sent_at FROM mail_outbox")
            assert rows[0]["sent_at"] is not None
        finally:
            sink.stop()


async def test_concurrent_signups_of_one_email_make_one_login(client):
    email = "race@gym.example.com"
    body = {"studio_name": "Race", "email": email, "password": PASSWORD, "first_name": "R", "last_name": "C"}
    responses = await asyncio.gather(*(client.post("/studios/signup", json=body) for _ in range(5)))
    assert sorted(r.status_code for r in responses) == [201, 409, 409, 409, 409]
    assert (await counts(client.database_url, "account"))["account"] == 1
    assert (await counts(client.database_url, "studio"))["studio"] == 1


async def test_openapi_and_asyncapi_documents(client):
    openapi = (await client.get("/openapi.json")).json()
    assert "/auth/login" in openapi["paths"]
    assert all(op.get("summary") for path in openapi["paths"].values() for op in path.values())
    problem_content = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
    operations = [op for path in openapi["paths"].values() for op in path.values()]
    assert all(op["responses"]["default"]["content"] == problem_content for op in operations)
    assert openapi["paths"]["/auth/login"]["post"]["responses"]["429"]["content"] == problem_content
    assert openapi["paths"]["/auth/login"]["post"]["responses"]["422"]["content"] == problem_content
    assert "HTTPValidationError" not in openapi["components"]["schemas"]
    asyncapi = (await client.get("/asyncapi.json")).json()
    assert "MemberImportRequested" in str(asyncapi)
