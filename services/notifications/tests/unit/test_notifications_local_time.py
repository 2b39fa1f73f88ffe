from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from gymloop_notifications.domain.errors import DomainError
from gymloop_notifications.domain.local_time import (
    attendance_local_dates,
    local_date,
    next_nightly_run,
    today_in_zone,
)
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

pytestmark = pytest.mark.unit

AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def test_late_evening_attendance_counts_for_the_local_day() -> None:
    # 23:30 local on 31 January (CET, UTC+1) is 22:30 UTC on the 31st ...
    assert local_date(datetime(2026, 1, 31, 22, 30, tzinfo=UTC), AMSTERDAM) == date(2026, 1, 31)
    # ... and 00:30 local on 1 August (CEST, UTC+2) is still 31 July in UTC.
    assert local_date(datetime(2026, 7, 31, 22, 30, tzinfo=UTC), AMSTERDAM) == date(2026, 8, 1)


def test_today_in_zone_differs_from_utc_near_midnight() -> None:
    now = datetime(2026, 3, 31, 22, 30, tzinfo=UTC)  # 00:30 on 1 April in Amsterdam (summer time)
    assert now.date() == date(2026, 3, 31)
    assert today_in_zone(now, AMSTERDAM) == date(2026, 4, 1)


def test_attendance_local_dates_keeps_one_entry_per_session() -> None:
    sessions = [
        datetime(2026, 5, 2, 6, 0, tzinfo=UTC),
        datetime(2026, 5, 1, 22, 30, tzinfo=UTC),  # 00:30 local on 2 May
        datetime(2026, 5, 1, 8, 0, tzinfo=UTC),
    ]
    assert attendance_local_dates(sessions, AMSTERDAM) == [date(2026, 5, 1), date(2026, 5, 2), date(2026, 5, 2)]


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(DomainError) as raised:
        local_date(datetime(2026, 5, 1, 8, 0), AMSTERDAM)
    assert raised.value.code == "datetime_naive"


def test_next_run_is_tonight_at_three_local() -> None:
    now = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)  # 13:00 in Amsterdam
    assert next_nightly_run(now, AMSTERDAM) == datetime(2026, 1, 16, 2, 0, tzinfo=UTC)


def test_next_run_is_today_when_three_has_not_passed_yet() -> None:
    now = datetime(2026, 7, 15, 0, 30, tzinfo=UTC)  # 02:30 summer time
    assert next_nightly_run(now, AMSTERDAM) == datetime(2026, 7, 15, 1, 0, tzinfo=UTC)


def test_exactly_at_the_run_time_schedules_the_next_day() -> None:
    now = datetime(2026, 7, 15, 1, 0, tzinfo=UTC)
    assert next_nightly_run(now, AMSTERDAM) == datetime(2026, 7, 16, 1, 0, tzinfo=UTC)


def test_spring_forward_night_still_runs_once_at_three_local() -> None:
    # 29 March 2026: clocks jump from 02:00 CET to 03:00 CEST; 03:00 local is 01:00 UTC.
    now = datetime(2026, 3, 28, 12, 0, tzinfo=UTC)
    run = next_nightly_run(now, AMSTERDAM)
    assert run == datetime(2026, 3, 29, 1, 0, tzinfo=UTC)
    assert run.astimezone(AMSTERDAM).time() == time(3, 0)


def test_run_time_inside_the_spring_gap_moves_forward_by_the_gap() -> None:
    now = datetime(2026, 3, 28, 12, 0, tzinfo=UTC)
    run = next_nightly_run(now, AMSTERDAM, run_at=time(2, 30))
    assert run.astimezone(AMSTERDAM).replace(tzinfo=None) == datetime(2026, 3, 29, 3, 30)
    following = next_nightly_run(run, AMSTERDAM, run_at=time(2, 30))
    assert following.astimezone(AMSTERDAM).replace(tzinfo=None) == datetime(2026, 3, 30, 2, 30)


def test_ambiguous_fall_back_time_runs_once_at_its_first_occurrence() -> None:
    # 25 October 2026: 02:00-03:00 happens twice in Amsterdam.
    now = datetime(2026, 10, 24, 12, 0, tzinfo=UTC)
    run = next_nightly_run(now, AMSTERDAM, run_at=time(2, 30))
    assert run == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)  # 02:30 CEST (UTC+2)
    following = next_nightly_run(run, AMSTERDAM, run_at=time(2, 30))
    assert following.astimezone(AMSTERDAM).date() == date(2026, 10, 26), "no second run at 02:30 CET"


def test_runs_are_one_local_day_apart_across_a_whole_year() -> None:
    run = datetime(2026, 1, 1, tzinfo=UTC)
    previous_day = None
    for _ in range(366):
        run = next_nightly_run(run, AMSTERDAM)
        local = run.astimezone(AMSTERDAM)
        assert local.time() == time(3, 0)
        if previous_day is not None:
            assert local.date() == previous_day + timedelta(days=1)
        previous_day = local.date()


def test_run_at_must_be_a_wall_time() -> None:
    with pytest.raises(DomainError) as raised:
        next_nightly_run(datetime(2026, 1, 1, tzinfo=UTC), AMSTERDAM, run_at=time(3, 0, tzinfo=UTC))
    assert raised.value.field == "run_at"


@hypothesis_settings(max_examples=80, deadline=None)
@given(
    now=st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2040, 1, 1), timezones=st.just(UTC)),
    zone_name=st.sampled_from(["Europe/Amsterdam", "America/New_York", "Australia/Sydney", "Asia/Kolkata"]),
    run_at=st.times(),
)
def test_next_run_is_after_now_within_a_day_and_on_the_wall_clock(now: datetime, zone_name: str, run_at: time) -> None:
    zone = ZoneInfo(zone_name)
    run = next_nightly_run(now, zone, run_at)
    assert now < run <= now + timedelta(hours=26)
    local = run.astimezone(zone)
    if local.replace(tzinfo=None).time() != run_at:
        # Only a wall time skipped by a DST gap may move, and then by at most the gap (1 hour).
        wall = datetime.combine(local.date(), run_at)
        assert wall < local.replace(tzinfo=None) <= wall + timedelta(hours=1)
