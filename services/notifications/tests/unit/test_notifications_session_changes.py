"""The text a member gets when a session they booked moves: in the studio's local time, naming what changed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from gymloop_notifications.domain.audience import Channel
from gymloop_notifications.domain.messages import compose_message
from gymloop_notifications.domain.session_changes import SessionMove, cancelled_message, moved_message

pytestmark = pytest.mark.unit

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
BEFORE = datetime(2026, 12, 8, 17, 0, tzinfo=UTC)


def _move(**changes: object) -> SessionMove:
    values: dict[str, object] = {
        "session_type_name": "Yoga",
        "previous_starts_at": BEFORE,
        "starts_at": BEFORE,
        "ends_at": BEFORE + timedelta(hours=1),
        "location_name": "Zaal 2",
        "location_changed": False,
        "coach_changed": False,
        **changes,
    }
    return SessionMove(**values)  # type: ignore[arg-type]


def test_a_new_time_is_told_in_the_studios_zone_and_only_what_changed_is_named():
    subject, body = moved_message(
        _move(starts_at=BEFORE + timedelta(days=1), ends_at=BEFORE + timedelta(days=1, hours=1)), AMSTERDAM
    )
    assert subject == "Your Yoga of Tue 08-12-2026 18:00 has changed"
    assert "New time: Wed 09-12-2026 18:00 to 19:00." in body
    assert "location" not in body
    assert "coach" not in body


def test_a_new_coach_or_location_alone_names_no_new_time():
    _, body = moved_message(_move(location_changed=True, coach_changed=True), AMSTERDAM)
    assert "New time" not in body
    assert "New location: Zaal 2." in body
    assert "Another coach gives it." in body


def test_the_message_passes_the_checks_of_both_channels():
    subject, body = moved_message(_move(session_type_name="", location_changed=True, location_name=""), AMSTERDAM)
    assert subject.startswith("Your session of ")
    for channel in Channel:
        assert compose_message(channel, subject, body).subject == subject


def test_a_cancellation_names_the_session_its_reason_and_the_credit_back():
    subject, body = cancelled_message("Yoga", BEFORE, "  coach ill ", AMSTERDAM)
    assert subject == "Your Yoga of Tue 08-12-2026 18:00 is cancelled"
    assert "Reason: coach ill" in body
    assert "you have it back" in body
    assert "Reason" not in cancelled_message("Yoga", BEFORE, None, AMSTERDAM)[1]
