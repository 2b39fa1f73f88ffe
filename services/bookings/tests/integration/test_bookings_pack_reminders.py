"""A pack about to expire with credits left: the housekeeping reminds the member once per end date (PackExpiringSoon,
which notifications turns into a message); a pack with time left, or one whose credits are used, gets nothing."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
from gymloop_bookings.service.pack_reminders import remind_expiring_packs
from gymloop_contracts.events.billing import SubscriptionActivated, SubscriptionPaused
from gymloop_contracts.events.bookings import PackExpiringSoon
from gymloop_contracts.events.common import DateRange
from gymloop_devstack.testing import EventProbe, eventually, publish

pytestmark = pytest.mark.integration


def _pack(member: uuid.UUID, subscription: uuid.UUID, valid_until: date) -> SubscriptionActivated:
    return SubscriptionActivated(
        subscription_id=subscription, member_id=member, plan_id=uuid.uuid4(), plan_name="10 sessions",
        plan_kind="pack", credits=10, valid_from=date.today() - timedelta(days=60), valid_until=valid_until,
        collection_method="offline",
    )  # fmt: skip


async def test_an_expiring_pack_with_credits_is_reminded_once_per_end_date(studio) -> None:
    bootstrap = studio.http.bootstrap
    today = datetime.now(UTC).date()
    soon, later = uuid.uuid4(), uuid.uuid4()
    soon_pack, later_pack = uuid.uuid4(), uuid.uuid4()
    await publish(bootstrap, _pack(soon, soon_pack, today + timedelta(days=2)), studio_id=studio.studio_id, sequence=1)
    await publish(bootstrap, _pack(later, later_pack, today + timedelta(days=20)), studio_id=studio.studio_id,
                  sequence=1)  # fmt: skip

    async def granted() -> bool:
        for member in (soon, later):
            answer = await studio.http.get(f"/members/{member}/account", headers=studio.staff)
            if answer.status_code != 200 or answer.json()["credits_left"] != 10:
                return False
        return True

    await eventually(granted, timeout_s=30)
    database = studio.http.app.state.runtime.database
    async with EventProbe.for_events(bootstrap, PackExpiringSoon) as probe:
        first = await remind_expiring_packs(database, datetime.now(UTC))
        again = await remind_expiring_packs(database, datetime.now(UTC))  # the next pass: nothing new
        await probe.wait_for(lambda evs: any(e.studio_id == studio.studio_id for e in evs), timeout_s=30, settle_s=1)
    assert (first, again) == (1, 0)
    (reminder,) = [e for e in probe.received if e.studio_id == studio.studio_id]
    assert reminder.payload == {
        "subscription_id": str(soon_pack), "member_id": str(soon),
        "valid_until": (today + timedelta(days=2)).isoformat(), "credits_left": 10,
    }  # fmt: skip

    # a pause moves the end date: the member is reminded again before the new one
    paused = SubscriptionPaused(
        subscription_id=soon_pack, member_id=soon, pause=DateRange(start=today, end=today),
        valid_until=today + timedelta(days=3), paused_periods=[DateRange(start=today, end=today)],
    )  # fmt: skip
    await publish(bootstrap, paused, studio_id=studio.studio_id, sequence=2)

    async def moved() -> bool:
        account = (await studio.http.get(f"/members/{soon}/account", headers=studio.staff)).json()
        return account["entitlements"][0]["valid_until"] == (today + timedelta(days=3)).isoformat()

    await eventually(moved, timeout_s=30)
    assert await remind_expiring_packs(database, datetime.now(UTC)) == 1
