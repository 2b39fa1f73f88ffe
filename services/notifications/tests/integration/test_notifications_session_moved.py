"""A moved session (bookings' SessionMoved) reaches each member booked on it once, in the app and by e-mail, even
when the event is delivered twice; members not booked get nothing and opt-outs are respected. A cancelled session
(SessionCancelled) reaches each refunded member once."""

from __future__ import annotations

import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from gymloop_contracts import wrap
from gymloop_contracts.events.bookings import SessionCancelled, SessionMoved
from gymloop_devstack.testing import eventually
from gymloop_kit.db import Database
from gymloop_notifications.db.models import Member, MessageDelivery, mail_outbox
from sqlalchemy import func, insert, select

pytestmark = pytest.mark.integration


def _moved(session_id: uuid.UUID, members: list[uuid.UUID], starts_at: datetime) -> SessionMoved:
    return SessionMoved(
        session_id=session_id,
        session_type_id=uuid.uuid4(),
        session_type_name="CrossFit",
        starts_at=starts_at + timedelta(hours=2),
        ends_at=starts_at + timedelta(hours=3),
        location_id=uuid.uuid4(),
        location_name="Zaal 3",
        previous_starts_at=starts_at,
        previous_ends_at=starts_at + timedelta(hours=1),
        previous_location_id=uuid.uuid4(),
        booked_member_ids=members,
        moved_by=uuid.uuid4(),
    )


async def test_each_booked_member_is_told_once_of_a_moved_session(service, tokens, smtp_sink, send_envelope) -> None:
    studio, session_id = uuid.uuid4(), uuid.uuid4()
    anna, bram, carla = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    database = Database(service.database_url)
    try:
        async with database.transaction() as session:
            await session.execute(
                insert(Member),
                [
                    {"studio_id": studio, "member_id": m, "display_name": name, "email": f"{name}@example.com",
                     "opted_out": ["email"] if name == "anna" else []}
                    for m, name in ((anna, "anna"), (bram, "bram"), (carla, "carla"))
                ],
            )  # fmt: skip
    finally:
        await database.dispose()
    starts_at = datetime(2026, 12, 8, 17, 0, tzinfo=UTC)
    moved = wrap(
        _moved(session_id, [anna, bram], starts_at),
        studio_id=studio,
        producer="bookings",
        correlation_id="t",
        sequence=1,
    )
    await send_envelope(service.kafka, moved, times=2)  # a redelivery keeps the event id
    # A later move of the same session (same partition) naming carla: once she has it, both copies were consumed.
    later = wrap(
        _moved(session_id, [carla], starts_at + timedelta(hours=2)),
        studio_id=studio,
        producer="bookings",
        correlation_id="t",
        sequence=2,
    )
    await send_envelope(service.kafka, later)

    async def inbox(member: uuid.UUID) -> list[dict]:  # type: ignore[type-arg]
        headers = tokens.headers(studio_id=studio, role="member", member_id=member)
        answer = await service.get("/me/inbox", headers=headers)
        assert answer.status_code == 200, answer.text
        return list(answer.json()["items"])

    await eventually(lambda: inbox(carla), timeout_s=60, interval_s=0.5)
    for member in (anna, bram):
        (message,) = await inbox(member)
        # Amsterdam time: 17:00 UTC is 18:00 there in December, moved two hours later.
        assert message["subject"] == "Your CrossFit of Tue 08-12-2026 18:00 has changed"
        assert "New time: Tue 08-12-2026 20:00 to 21:00." in message["body"]
        assert "New location: Zaal 3." in message["body"]
        assert "sign out without losing your credit" in message["body"]
    (carlas,) = await inbox(carla)
    assert "20:00" in carlas["subject"]

    database = Database(service.database_url)
    try:
        async with database.transaction() as session:
            rows = await session.execute(
                select(MessageDelivery.member_id, MessageDelivery.channel, MessageDelivery.status).where(
                    MessageDelivery.studio_id == studio
                )
            )
            deliveries = Counter((member, channel, status) for member, channel, status in rows.all())
            queued = await session.scalar(
                select(func.count()).select_from(mail_outbox).where(mail_outbox.c.studio_id == studio)
            )
    finally:
        await database.dispose()
    # Two messages (one per event, none for the redelivery): one row per member and channel, one mail per address.
    assert {(m, c) for m, c, _ in deliveries} == {(m, c) for m in (anna, bram, carla) for c in ("in_app", "email")}
    assert set(deliveries.values()) == {1}
    assert deliveries[(anna, "email", "opted_out")] == 1
    assert queued == 2

    async def mails() -> Counter[str]:
        received = Counter(m["To"] for m in smtp_sink.messages)
        return received if sum(received.values()) >= 2 else Counter()

    # E-mail to bram and carla; anna opted out of e-mail. Exactly one each.
    assert await eventually(mails, timeout_s=60, interval_s=0.5) == Counter(
        {"bram@example.com": 1, "carla@example.com": 1}
    )


async def test_each_refunded_member_is_told_once_of_a_cancelled_session(service, tokens, send_envelope) -> None:
    studio, session_id, dana, eva = uuid.uuid4(), uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    database = Database(service.database_url)
    try:
        async with database.transaction() as session:
            rows = [{"studio_id": studio, "member_id": m, "display_name": "x", "email": None} for m in (dana, eva)]
            await session.execute(insert(Member), rows)
    finally:
        await database.dispose()
    cancelled = SessionCancelled(
        session_id=session_id,
        starts_at=datetime(2026, 12, 9, 6, 30, tzinfo=UTC),
        reason="the schedule changed",
        refunded_member_ids=[dana],
        session_type_name="Yoga",
    )
    envelope = wrap(cancelled, studio_id=studio, producer="bookings", correlation_id="t", sequence=1)
    await send_envelope(service.kafka, envelope, times=2)

    async def inbox(member: uuid.UUID) -> list[dict]:  # type: ignore[type-arg]
        headers = tokens.headers(studio_id=studio, role="member", member_id=member)
        return list((await service.get("/me/inbox", headers=headers)).json()["items"])

    (message,) = await eventually(lambda: inbox(dana), timeout_s=60, interval_s=0.5)  # type: ignore[misc]
    assert message["subject"] == "Your Yoga of Wed 09-12-2026 07:30 is cancelled"
    assert "Reason: the schedule changed" in message["body"]
    # A later event on the same partition: once it is applied, the redelivered copy was consumed too.
    marker = wrap(
        cancelled.model_copy(update={"refunded_member_ids": [eva]}),
        studio_id=studio,
        producer="bookings",
        correlation_id="t",
        sequence=2,
    )
    await send_envelope(service.kafka, marker)
    await eventually(lambda: inbox(eva), timeout_s=60, interval_s=0.5)
    assert len(await inbox(dana)) == 1
