"""Billing and members events through the real broker; attendance, agenda, calendar and reports."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
from gymloop_bookings.service.housekeeping import run_once
from gymloop_contracts.events.billing import SubscriptionActivated, SubscriptionEnded
from gymloop_contracts.events.bookings import AttendanceRecorded
from gymloop_contracts.events.members import MemberArchived, MemberRegistered
from gymloop_devstack.testing import EventProbe, error_fields, eventually, publish
from icalendar import Calendar

pytestmark = pytest.mark.integration


@pytest.fixture
def consumer_enabled() -> bool:
    """These tests publish events for the bookings consumer."""
    return True


async def test_billing_events_become_entitlements_and_member_tags_show_on_the_list(studio):
    member, subscription = uuid.uuid4(), uuid.uuid4()
    bootstrap = studio.http.bootstrap
    await publish(
        bootstrap,
        MemberRegistered(
            member_id=member, account_id=uuid.uuid4(), first_name="Peter", last_name="de Vries",
            email="peter@example.org", start_date=date.today(), tags=["first session", "knee injury"],
        ),
        studio_id=studio.studio_id,
    )  # fmt: skip
    activated = SubscriptionActivated(
        subscription_id=subscription, member_id=member, plan_id=uuid.uuid4(), plan_name="6 sessions",
        plan_kind="pack", credits=6, valid_from=date.today(), valid_until=date.today() + timedelta(days=30),
        collection_method="offline",
    )  # fmt: skip
    await publish(bootstrap, activated, studio_id=studio.studio_id, sequence=1)
    await publish(bootstrap, activated, studio_id=studio.studio_id, sequence=1)  # redelivered by billing

    async def has_credits() -> bool:
        answer = await studio.http.get(f"/members/{member}/account", headers=studio.staff)
        return answer.status_code == 200 and answer.json()["credits_left"] == 6

    await eventually(has_credits, timeout_s=30)
    session_id = await studio.session(starts_in=timedelta(days=1))
    assert (await studio.sign_up(session_id, member)).status_code == 201
    lines = (await studio.http.get(f"/sessions/{session_id}/attendance", headers=studio.staff)).json()
    assert lines[0]["name"] == "Peter de Vries"
    assert lines[0]["tags"] == ["first session", "knee injury"]

    ended = SubscriptionEnded(subscription_id=subscription, member_id=member, ended_on=date.today(), reason="stopped")
    await publish(bootstrap, ended, studio_id=studio.studio_id, sequence=2)

    async def expired() -> bool:
        account = (await studio.http.get(f"/members/{member}/account", headers=studio.staff)).json()
        return account["credits_left"] == 0 and account["entitlements"][0]["expired"] == 5

    await eventually(expired, timeout_s=30)
    log = (await studio.http.get(f"/members/{member}/log", headers=studio.staff)).json()["items"]
    assert [e["reason"] for e in log] == ["granted", "signed_up", "expired"]

    await publish(bootstrap, MemberArchived(member_id=member, reason="moved"), studio_id=studio.studio_id, sequence=2)
    later = await studio.session(starts_in=timedelta(days=2))

    async def refused_as_archived() -> bool:
        answer = await studio.sign_up(later, member)
        return answer.status_code == 422 and error_fields(answer)[0]["type"] == "member_archived"

    await eventually(refused_as_archived, timeout_s=30)


async def test_session_end_records_attendance_and_flags_no_shows(make_studio):
    studio = await make_studio(uses_check_in=True)
    came, stayed_home = uuid.uuid4(), uuid.uuid4()
    for member in (came, stayed_home):
        await studio.grant(member, credits=3)
    session_id = await studio.session(starts_in=timedelta(hours=3))
    for member in (came, stayed_home):
        assert (await studio.sign_up(session_id, member)).status_code == 201
    checked = await studio.http.post(
        f"/sessions/{session_id}/check-in", json={"member_id": str(came)}, headers=studio.staff
    )
    assert checked.status_code == 200
    assert checked.json()["checked_in_at"]
    present = await studio.http.post(
        f"/sessions/{session_id}/present", json={"member_id": str(stayed_home)}, headers=studio.staff
    )
    assert present.json()["marked_present"] is True
    assert (await studio.account(stayed_home))["credits_left"] == 2  # the toggle changed nothing else

    async with EventProbe.for_events(studio.http.bootstrap, AttendanceRecorded) as probe:
        ended, _ = await run_once(studio.http.app.state.runtime, now=datetime.now(UTC) + timedelta(hours=5))
        assert ended >= 1
        await probe.wait_for(
            lambda evs: len([e for e in evs if e.payload["session_id"] == str(session_id)]) == 2, settle_s=0.5
        )
        statuses = {
            e.payload["member_id"]: e.payload["status"]
            for e in probe.received
            if e.payload["session_id"] == str(session_id)
        }
    assert statuses == {str(came): "attended", str(stayed_home): "no_show"}
    for member in (came, stayed_home):
        account = await studio.account(member)
        assert (account["credits_left"], account["active_sign_ups"]) == (2, 0)
        assert account["entitlements"][0]["attended"] == 1
    report = await studio.http.get(
        "/reports/sessions", params={"first_day": (date.today() - timedelta(days=1)).isoformat()}, headers=studio.staff
    )
    row = next(r for r in report.json()["items"] if r["session_id"] == str(session_id))
    assert (row["taken"], row["no_shows"]) == (2, 1)
    by_hour = await studio.http.get(
        "/reports/occupancy",
        params={"first_day": (date.today() - timedelta(days=1)).isoformat(), "by": "location"},
        headers=studio.staff,
    )
    assert by_hour.json()[0]["key"] == str(studio.location_id)


async def test_agenda_and_member_calendar(studio):
    member = uuid.uuid4()
    await studio.grant(member)
    session_id = await studio.session(starts_in=timedelta(days=2))
    await studio.sign_up(session_id, member)
    day = (datetime.now(UTC) + timedelta(days=2)).astimezone(__import__("zoneinfo").ZoneInfo("Europe/Amsterdam")).date()
    agenda = await studio.http.get(
        "/agenda", params={"day": day.isoformat(), "week": "true"}, headers=studio.member(member)
    )
    assert agenda.status_code == 200
    days = agenda.json()
    assert len(days) == 7
    assert any(s["id"] == str(session_id) for d in days for s in d["sessions"])
    feed = await studio.http.get(f"/members/{member}/calendar.ics", headers=studio.member(member))
    assert feed.headers["content-type"].startswith("text/calendar")
    events = Calendar.from_ical(feed.content).walk("VEVENT")
    assert [str(e["SUMMARY"]) for e in events] == ["CrossFit"]
