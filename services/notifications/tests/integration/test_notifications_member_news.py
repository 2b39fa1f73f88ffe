"""A member hears of their own news once per event, in the app and by e-mail: a place from the waitlist, a failed
payment, a pack about to expire with credits left, and the receipt of their cancellation, which is sent even to a
member who opted out of e-mail (it is the legal confirmation of the cancellation)."""

from __future__ import annotations

import uuid
from collections import Counter
from datetime import UTC, date, datetime

import pytest
from gymloop_contracts import wrap
from gymloop_contracts.events.billing import PaymentFailed, SubscriptionCancelled
from gymloop_contracts.events.bookings import PackExpiringSoon, WaitlistPromoted
from gymloop_devstack.testing import eventually
from gymloop_kit.db import Database
from gymloop_notifications.db.models import Member
from sqlalchemy import insert

pytestmark = pytest.mark.integration


async def test_promotion_failed_payment_and_cancellation_receipt(service, tokens, smtp_sink, send_envelope) -> None:
    studio, anna, bram = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    database = Database(service.database_url)
    try:
        async with database.transaction() as session:
            await session.execute(
                insert(Member),
                [
                    {"studio_id": studio, "member_id": anna, "display_name": "anna", "email": "anna@example.com",
                     "opted_out": ["email"]},
                    {"studio_id": studio, "member_id": bram, "display_name": "bram", "email": "bram@example.com",
                     "opted_out": []},
                ],
            )  # fmt: skip
    finally:
        await database.dispose()

    def envelope(event, producer: str):  # type: ignore[no-untyped-def]
        return wrap(event, studio_id=studio, producer=producer, correlation_id="t", sequence=1)

    promoted = WaitlistPromoted(
        booking_id=uuid.uuid4(),
        session_id=uuid.uuid4(),
        member_id=bram,
        starts_at=datetime(2026, 12, 8, 17, 0, tzinfo=UTC),
        credits_charged=1,
    )
    failed = PaymentFailed(
        payment_id=uuid.uuid4(),
        member_id=bram,
        amount_cents=5900,
        currency="EUR",
        method="stripe_card",
        reason="card declined",
        next_retry_on=date(2026, 12, 11),
    )
    receipt = SubscriptionCancelled(
        subscription_id=uuid.uuid4(),
        member_id=anna,
        plan_name="Unlimited",
        requested_on=date(2026, 12, 3),
        end_date=date(2027, 1, 31),
        cancelled_by="member",
    )
    await send_envelope(service.kafka, envelope(promoted, "bookings"), times=2)  # a redelivery keeps the event id
    await send_envelope(service.kafka, envelope(failed, "billing"))
    expiring = PackExpiringSoon(subscription_id=uuid.uuid4(), member_id=bram, valid_until=date(2026, 12, 6),
                                credits_left=4)  # fmt: skip
    await send_envelope(service.kafka, envelope(expiring, "bookings"))
    await send_envelope(service.kafka, envelope(receipt, "billing"), times=2)

    async def inbox(member: uuid.UUID, count: int) -> list[dict] | None:  # type: ignore[type-arg]
        headers = tokens.headers(studio_id=studio, role="member", member_id=member)
        items = list((await service.get("/me/inbox", headers=headers)).json()["items"])
        return items if len(items) >= count else None

    brams = await eventually(lambda: inbox(bram, 3), timeout_s=60, interval_s=0.5)
    (annas,) = await eventually(lambda: inbox(anna, 1), timeout_s=60, interval_s=0.5)  # type: ignore[misc]
    subjects = sorted(m["subject"] for m in brams)  # type: ignore[union-attr]
    assert subjects == [
        "You have a place in the session of Tue 08-12-2026 18:00",
        "Your pack expires on 06-12-2026",
        "Your payment of EUR 59,00 did not go through",
    ]
    (expiry,) = [m for m in brams if m["subject"].startswith("Your pack")]  # type: ignore[union-attr]
    assert "You still have 4 credits in your pack" in expiry["body"]
    assert annas["subject"] == "Your cancellation of Unlimited is confirmed"
    assert "on 03-12-2026" in annas["body"]
    assert "ends on 31-01-2027" in annas["body"]

    async def mails() -> Counter[str] | None:
        received = Counter(m["To"] for m in smtp_sink.messages if m["To"] in ("anna@example.com", "bram@example.com"))
        return received if sum(received.values()) >= 4 else None

    # the receipt reaches anna although she opted out of e-mail; a redelivered event sends nothing twice
    assert await eventually(mails, timeout_s=60, interval_s=0.5) == Counter(
        {"bram@example.com": 3, "anna@example.com": 1}
    )
    (mail,) = [m for m in smtp_sink.messages if m["To"] == "anna@example.com"]
    assert mail["Subject"] == "Your cancellation of Unlimited is confirmed"
