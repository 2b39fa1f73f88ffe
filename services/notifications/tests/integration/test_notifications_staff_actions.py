"""Custom notifications, snooze and done through the API; the nightly job refreshes a studio that is due."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
from gymloop_contracts.events.notifications import NotificationRaised
from gymloop_devstack.testing import EventProbe, error_fields
from gymloop_kit.db import Database
from gymloop_notifications.db.models import Member, StudioSettings
from gymloop_notifications.service.scheduler import run_due_refreshes
from sqlalchemy import insert, select, update

pytestmark = pytest.mark.integration


async def _member(database_url: str, studio: uuid.UUID, coach: uuid.UUID, **values: object) -> uuid.UUID:
    member_id = uuid.uuid4()
    database = Database(database_url)
    try:
        async with database.transaction() as session:
            row = {
                "studio_id": studio,
                "member_id": member_id,
                "display_name": "Kim",
                "start_date": date(2025, 1, 6),
                "responsible_employee_id": coach,
                **values,
            }
            await session.execute(insert(Member), [row])
    finally:
        await database.dispose()
    return member_id


async def test_custom_notification_snooze_and_done(service, tokens) -> None:
    studio, coach = uuid.uuid4(), uuid.uuid4()
    member_id = await _member(service.database_url, studio, coach)
    colleague = await _member(service.database_url, studio, coach, is_member=False)
    elsewhere = await _member(service.database_url, uuid.uuid4(), coach, is_member=False)
    staff = tokens.headers(studio_id=studio, role="employee", member_id=coach)
    today = datetime.now(UTC).date()

    async with EventProbe.for_events(service.kafka, NotificationRaised) as probe:
        created = await service.post(
            f"/members/{member_id}/notifications",
            headers=staff,
            json={"text": "Call about the knee", "due_date": str(today)},
        )
        assert created.status_code == 201, created.text
        assert created.json()["assignee_id"] == str(coach)
        await probe.wait_for(lambda evs: len(evs) == 1)
        assert probe.received[0].payload["kind"] == "custom"

    for_colleague = await service.post(
        f"/members/{member_id}/notifications",
        headers=staff,
        json={"text": "Plan a workout", "due_date": str(today + timedelta(days=3)), "assignee_id": str(colleague)},
    )
    assert for_colleague.json()["assignee_id"] == str(colleague)
    for assignee in (elsewhere, uuid.uuid4()):  # another studio's employee is answered like an id nobody has
        refused = await service.post(
            f"/members/{member_id}/notifications",
            headers=staff,
            json={"text": "Plan a workout", "due_date": str(today), "assignee_id": str(assignee)},
        )
        assert refused.status_code == 404, refused.text
        assert error_fields(refused)[0]["type"] == "assignee_not_found"
    bad = await service.post(
        f"/members/{member_id}/notifications", headers=staff, json={"text": " ", "due_date": "2000-01-01"}
    )
    assert bad.status_code == 422
    assert {tuple(d["loc"]) for d in error_fields(bad)} == {("body", "text"), ("body", "due_date")}

    notification_id = created.json()["notification_id"]
    snoozed = await service.post(
        f"/notifications/{notification_id}/snooze", headers=staff, json={"until": str(today + timedelta(days=2))}
    )
    assert snoozed.status_code == 200
    assert (await service.get("/dashboard", headers=staff)).json()["items"] == []
    past = await service.post(f"/notifications/{notification_id}/snooze", headers=staff, json={"until": str(today)})
    assert past.status_code == 422
    assert error_fields(past)[0]["type"] == "snooze_not_in_future"

    done = await service.post(f"/notifications/{notification_id}/done", headers=staff)
    assert done.json()["status"] == "done"
    assert done.json()["done_by"] == str(coach)
    overview = (await service.get(f"/members/{member_id}/notifications", headers=staff)).json()["items"]
    assert [n["status"] for n in overview] == ["open", "done"]


async def test_nightly_job_refreshes_due_studios_and_schedules_the_next_night(service, tokens) -> None:
    studio, coach = uuid.uuid4(), uuid.uuid4()
    staff = tokens.headers(studio_id=studio, role="employee", member_id=coach)
    assert (await service.get("/settings", headers=staff)).status_code == 200  # the studio now exists
    member_id = await _member(service.database_url, studio, coach, start_date=date(2025, 1, 6))
    archived_id = await _member(service.database_url, studio, coach, archived=True)
    database = Database(service.database_url)
    try:
        async with database.transaction() as session:
            await session.execute(
                update(StudioSettings)
                .where(StudioSettings.studio_id == studio)
                .values(next_refresh_at=datetime.now(UTC) - timedelta(minutes=1))
            )
        assert await run_due_refreshes(service.runtime) >= 1
        async with database.transaction() as session:
            row = (await session.execute(select(StudioSettings).where(StudioSettings.studio_id == studio))).scalar_one()
            assert row.next_refresh_at > datetime.now(UTC)
            assert row.last_refreshed_at is not None
    finally:
        await database.dispose()
    kinds = {
        n["kind"] for n in (await service.get(f"/members/{member_id}/notifications", headers=staff)).json()["items"]
    }
    assert "absence" in kinds  # never attended since January 2025
    assert (await service.get(f"/members/{archived_id}/notifications", headers=staff)).json()["items"] == []
