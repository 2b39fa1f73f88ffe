"""Must show: a group message to 1,000 members reaches each once, in-app and through SMTP, with delivery status;
members' opt-outs are respected; a member reads it in their inbox."""

from __future__ import annotations

import uuid
from collections import Counter
from datetime import date

import pytest
from gymloop_devstack.testing import error_fields, eventually
from gymloop_kit.db import Database
from gymloop_notifications.db.models import Member
from sqlalchemy import insert, text

pytestmark = pytest.mark.integration

MEMBERS = 1000


async def _seed_members(database_url: str, studio: uuid.UUID) -> list[dict]:
    rows = [
        {
            "studio_id": studio,
            "member_id": uuid.uuid4(),
            "display_name": f"Member {i}",
            "email": f"member{i}@example.com",
            "start_date": date(2025, 1, 1),
            "tags": ["injury"] if i % 10 == 0 else [],
            # Members 0-9 do not want e-mail, members 10-14 not in-app messages.
            "opted_out": ["email"] if i < 10 else ["in_app"] if i < 15 else [],
        }
        for i in range(MEMBERS)
    ]
    database = Database(database_url)
    try:
        async with database.transaction() as session:
            await session.execute(insert(Member), rows)
    finally:
        await database.dispose()
    return rows


async def test_group_message_reaches_each_member_once_in_app_and_by_email(service, tokens, smtp_sink) -> None:
    studio = uuid.uuid4()
    members = await _seed_members(service.database_url, studio)
    staff = tokens.headers(studio_id=studio, role="employee")
    sent = await service.post(
        "/messages",
        headers=staff,
        json={
            "subject": "New summer schedule",
            "body": "Dear members,\n\nFrom July we open at 6:00.",
            "channels": ["in_app", "email"],
            "audience": {"type": "all"},
        },
    )
    assert sent.status_code == 201, sent.text
    message_id = sent.json()["message_id"]
    assert sent.json()["counts"]["in_app"] == {"delivered": MEMBERS - 5, "opted_out": 5}
    assert sent.json()["counts"]["email"] == {"pending": MEMBERS - 10, "opted_out": 10}

    async def all_sent() -> dict:
        params = {"include_deliveries": "false"}
        body = (await service.get(f"/messages/{message_id}", headers=staff, params=params)).json()
        return body if body["counts"]["email"].get("sent") == MEMBERS - 10 else {}

    await eventually(all_sent, timeout_s=90, interval_s=1.0)
    status = (await service.get(f"/messages/{message_id}", headers=staff)).json()
    assert status["counts"]["email"] == {"sent": MEMBERS - 10, "opted_out": 10}
    per_recipient = Counter((d["member_id"], d["channel"]) for d in status["deliveries"])
    assert len(per_recipient) == 2 * MEMBERS
    assert set(per_recipient.values()) == {1}

    # The sink got exactly one e-mail per reachable, not opted-out member.
    received = Counter(m["To"] for m in smtp_sink.messages)
    expected = {f"member{i}@example.com" for i in range(10, MEMBERS)}
    assert set(received) == expected
    assert set(received.values()) == {1}
    assert all(m["Subject"] == "New summer schedule" for m in smtp_sink.messages)

    # A member finds it in the inbox and marks it read; an in-app opt-out has nothing.
    reader = tokens.headers(studio_id=studio, role="member", member_id=members[20]["member_id"])
    inbox = (await service.get("/me/inbox", headers=reader)).json()["items"]
    assert [item["message_id"] for item in inbox] == [message_id]
    assert inbox[0]["read_at"] is None
    assert (await service.post(f"/me/inbox/{message_id}/read", headers=reader)).status_code == 204
    assert (await service.get("/me/inbox", headers=reader)).json()["items"][0]["read_at"] is not None
    quiet = tokens.headers(studio_id=studio, role="member", member_id=members[12]["member_id"])
    assert (await service.get("/me/inbox", headers=quiet)).json()["items"] == []


async def test_group_by_tag_and_single_member_and_validation(service, tokens) -> None:
    studio = uuid.uuid4()
    members = await _seed_members(service.database_url, studio)
    staff = tokens.headers(studio_id=studio, role="employee")
    tagged = await service.post(
        "/messages",
        headers=staff,
        json={"subject": "Physio", "body": "Free check", "audience": {"type": "tag", "tag": "Injury"}},
    )
    assert tagged.status_code == 201, tagged.text
    # Every tenth member is tagged; 10-14 include member 10, who opted out of in-app messages.
    assert tagged.json()["counts"]["in_app"] == {"delivered": MEMBERS // 10 - 1, "opted_out": 1}

    one = await service.post(
        "/messages",
        headers=staff,
        json={
            "subject": "Hi",
            "body": "See you",
            "audience": {"type": "member", "member_id": str(members[500]["member_id"])},
        },
    )
    assert one.json()["counts"]["in_app"] == {"delivered": 1}

    bad = await service.post(
        "/messages", headers=staff, json={"subject": "Hi\nBcc: x", "body": "", "audience": {"type": "all"}}
    )
    assert bad.status_code == 422
    assert {tuple(d["loc"]) for d in error_fields(bad)} == {("body", "subject"), ("body", "body")}

    sent = (await service.get("/messages", headers=staff, params={"limit": 1})).json()
    assert (sent["total"], [m["subject"] for m in sent["items"]]) == (2, ["Hi"])  # newest first; the bad one not sent
    assert (sent["items"][0]["counts"], sent["items"][0]["deliveries"]) == ({"in_app": {"delivered": 1}}, None)
    older = (await service.get("/messages", headers=staff, params={"offset": 1})).json()["items"]
    assert [(m["subject"], m["counts"]["in_app"]["delivered"]) for m in older] == [("Physio", MEMBERS // 10 - 1)]
    member = tokens.headers(studio_id=studio, role="member", member_id=members[500]["member_id"])
    assert (await service.get("/messages", headers=member)).status_code == 403

    stranger = tokens.headers(studio_id=studio, role="employee")
    other_studio = tokens.headers(studio_id=uuid.uuid4(), role="admin")
    assert (await service.get("/messages", headers=other_studio)).json()["total"] == 0
    assert (await service.get(f"/messages/{one.json()['message_id']}", headers=other_studio)).status_code == 404
    assert (await service.get(f"/messages/{one.json()['message_id']}", headers=stranger)).status_code == 200
    missing = await service.post(
        "/messages",
        headers=other_studio,
        json={"subject": "Hi", "body": "x", "audience": {"type": "member", "member_id": str(members[1]["member_id"])}},
    )
    assert missing.status_code == 422
    assert error_fields(missing)[0]["type"] == "member_not_found"


@pytest.mark.parametrize("separator", ["\u2028", "\u2029"])
async def test_a_subject_with_a_line_or_paragraph_separator_is_refused_and_nothing_is_queued(
    service, tokens, separator
) -> None:
    # Accepted, it made building the e-mail fail (a header with a line break), for every mail of the batch.
    studio = uuid.uuid4()
    await _seed_members(service.database_url, studio)
    refused = await service.post(
        "/messages",
        headers=tokens.headers(studio_id=studio, role="employee"),
        json={"subject": f"Hi{separator}Bcc: x", "body": "See you", "channels": ["email"], "audience": {"type": "all"}},
    )
    assert refused.status_code == 422, refused.text
    refusals = [(e["loc"], e["type"]) for e in error_fields(refused)]
    assert refusals == [(["body", "subject"], "subject_control_character")]
    database = Database(service.database_url)
    try:
        async with database.transaction() as session:
            stored = await session.execute(text("SELECT count(*) FROM message WHERE studio_id = :s"), {"s": studio})
            assert stored.scalar_one() == 0
    finally:
        await database.dispose()
