"""A member is congratulated on a new benchmark personal best (bookings' PersonalBestSet) only where the studio
turned it on (off by default), once per personal best however often the event arrives, in the app and by e-mail."""

from __future__ import annotations

import uuid

import pytest
from gymloop_contracts import Envelope, wrap
from gymloop_contracts.events.bookings import PersonalBestSet
from gymloop_devstack.testing import eventually
from gymloop_kit.db import Database
from gymloop_notifications.db.models import Member
from sqlalchemy import insert, text

pytestmark = pytest.mark.integration


def _best(member: uuid.UUID, score: str, previous: str | None) -> PersonalBestSet:
    return PersonalBestSet(
        result_id=uuid.uuid4(),
        workout_id=uuid.uuid4(),
        workout_name="Fran",
        member_id=member,
        session_id=uuid.uuid4(),
        scoring="time",
        score=score,
        scaling="rx",
        previous_score=previous,
        lower_is_better=True,
    )


async def test_a_personal_best_is_congratulated_once_where_the_studio_turned_it_on(
    service, tokens, smtp_sink, send_envelope
) -> None:
    keen, quiet = uuid.uuid4(), uuid.uuid4()  # the studio that turned congratulations on, and one that did not
    anna, bram = uuid.uuid4(), uuid.uuid4()
    database = Database(service.database_url)
    try:
        async with database.transaction() as session:
            await session.execute(
                insert(Member),
                [
                    {"studio_id": keen, "member_id": anna, "display_name": "anna", "email": "anna@example.com",
                     "opted_out": []},
                    {"studio_id": quiet, "member_id": bram, "display_name": "bram", "email": "bram@example.com",
                     "opted_out": []},
                ],
            )  # fmt: skip
    finally:
        await database.dispose()
    settings = await service.get("/settings", headers=tokens.headers(studio_id=quiet, role="employee"))
    assert settings.json()["notifications"]["personal_best"] == {"enabled": False}
    turned_on = await service.patch(
        "/settings",
        headers=tokens.headers(studio_id=keen, role="admin"),
        json={"notifications": {"personal_best": {"enabled": True}}},
    )
    assert turned_on.status_code == 200, turned_on.text
    assert turned_on.json()["notifications"]["personal_best"] == {"enabled": True}

    def envelope(studio: uuid.UUID, event: PersonalBestSet) -> Envelope:
        return wrap(event, studio_id=studio, producer="bookings", correlation_id="t", sequence=1)

    unheard = envelope(quiet, _best(bram, "250", None))
    await send_envelope(service.kafka, unheard)
    await send_envelope(service.kafka, envelope(keen, _best(anna, "300", None)), times=2)  # redelivered
    await send_envelope(service.kafka, envelope(keen, _best(anna, "265", "300")))

    async def inbox(studio: uuid.UUID, member: uuid.UUID) -> list[dict]:  # type: ignore[type-arg]
        headers = tokens.headers(studio_id=studio, role="member", member_id=member)
        return list((await service.get("/me/inbox", headers=headers)).json()["items"])

    async def annas() -> list[dict] | None:  # type: ignore[type-arg]
        items = await inbox(keen, anna)
        return items if len(items) >= 2 else None

    async def consumed() -> bool:
        database = Database(service.database_url, pool_size=1)
        try:
            async with database.transaction() as session:
                sql = text("SELECT 1 FROM inbox WHERE consumer = 'notifications' AND event_id = :e")
                return (await session.execute(sql, {"e": unheard.event_id})).first() is not None
        finally:
            await database.dispose()

    messages = await eventually(annas, timeout_s=60, interval_s=0.5)
    assert sorted(m["subject"] for m in messages) == [  # type: ignore[union-attr]
        "A new personal best on Fran: 4:25",
        "A new personal best on Fran: 5:00",
    ]
    (improved,) = [m for m in messages if m["subject"].endswith("4:25")]  # type: ignore[union-attr]
    assert "beats your earlier best of 5:00" in improved["body"]
    assert await eventually(consumed, timeout_s=60, interval_s=0.5)
    assert await inbox(quiet, bram) == []  # the quiet studio's member heard nothing
    assert await eventually(lambda: _mailed_anna(smtp_sink, 2), timeout_s=30, interval_s=0.5)
    mails = [m["To"] for m in smtp_sink.messages if m["To"] in ("anna@example.com", "bram@example.com")]
    assert mails == ["anna@example.com", "anna@example.com"]


async def _mailed_anna(smtp_sink, count: int) -> bool:  # type: ignore[no-untyped-def]
    return sum(m["To"] == "anna@example.com" for m in smtp_sink.messages) >= count
