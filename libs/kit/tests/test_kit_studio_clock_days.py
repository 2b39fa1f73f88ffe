"""The studio clock's pure rules: one parser, one default, a studio's day at an instant, month steps."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from gymloop_kit.studio_clock import (
    DEFAULT_TIME_ZONE,
    UnknownTimeZone,
    ZoneFollowed,
    add_months,
    default_zone,
    effective_zone,
    latest_local_day,
    local_day,
    parse_time_zone,
)
from hypothesis import given, settings
from hypothesis import strategies as st

pytestmark = pytest.mark.unit

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
NEW_YORK = ZoneInfo("America/New_York")
KIRITIMATI = ZoneInfo("Pacific/Kiritimati")  # UTC+14: the furthest ahead


def test_half_past_eleven_utc_on_31_january_is_1_february_in_amsterdam_but_31_january_in_new_york() -> None:
    now = datetime(2027, 1, 31, 23, 30, tzinfo=UTC)
    assert local_day(now, AMSTERDAM) == date(2027, 2, 1)
    assert local_day(now, NEW_YORK) == date(2027, 1, 31)


@pytest.mark.parametrize(
    ("now", "amsterdam_day"),
    [
        (datetime(2027, 1, 31, 22, 59, 59, tzinfo=UTC), date(2027, 1, 31)),  # CET: midnight is 23:00 UTC
        (datetime(2027, 1, 31, 23, 0, tzinfo=UTC), date(2027, 2, 1)),
        (datetime(2027, 7, 31, 21, 59, tzinfo=UTC), date(2027, 7, 31)),  # CEST: midnight is 22:00 UTC
        (datetime(2027, 7, 31, 22, 0, tzinfo=UTC), date(2027, 8, 1)),
    ],
)
def test_local_midnight_follows_daylight_saving_time(now: datetime, amsterdam_day: date) -> None:
    assert local_day(now, AMSTERDAM) == amsterdam_day


def test_the_instant_counts_not_the_offset_it_is_written_in() -> None:
    written_in_tokyo = datetime(2027, 2, 1, 8, 30, tzinfo=timezone(timedelta(hours=9)))  # 23:30 UTC on 31 Jan
    assert local_day(written_in_tokyo, NEW_YORK) == date(2027, 1, 31)


def test_a_naive_instant_is_refused_not_guessed() -> None:
    with pytest.raises(ValueError, match="has no time zone"):
        local_day(datetime(2027, 1, 31, 23, 30), AMSTERDAM)  # no tzinfo: the point of the test


@pytest.mark.parametrize(
    "name",
    ["Europe", "europe/amsterdam", "Mars/Olympus_Mons", "", " Europe/Amsterdam", "../x", "zone.tab", "x" * 300, None],
)
def test_a_name_that_is_not_an_iana_zone_is_refused_with_an_example(name: object) -> None:
    with pytest.raises(UnknownTimeZone) as caught:
        parse_time_zone(name)
    assert caught.value.name == name
    assert "Europe/Amsterdam" in str(caught.value)


def test_an_iana_name_is_its_zone() -> None:
    assert parse_time_zone("Pacific/Kiritimati") == KIRITIMATI
    assert parse_time_zone("UTC").key == "UTC"


def test_the_default_zone_is_one_zone_for_every_service() -> None:
    assert default_zone() == parse_time_zone(DEFAULT_TIME_ZONE) == AMSTERDAM


def test_the_effective_zone_is_the_stored_one_or_the_default() -> None:
    assert effective_zone("Asia/Tokyo") == ZoneInfo("Asia/Tokyo")
    assert effective_zone(None) == AMSTERDAM  # not announced yet
    assert effective_zone("Mars/Olympus_Mons") == AMSTERDAM  # stored once, unreadable by this tz database now


def test_a_followed_zone_says_whether_local_days_moved() -> None:
    assert ZoneFollowed(AMSTERDAM, NEW_YORK).changed
    assert not ZoneFollowed(AMSTERDAM, ZoneInfo("Europe/Amsterdam")).changed


def test_the_latest_local_day_is_never_before_any_studios_day() -> None:
    now = datetime(2027, 1, 31, 10, 30, tzinfo=UTC)
    assert local_day(now, KIRITIMATI) == date(2027, 2, 1)
    assert latest_local_day(now) == date(2027, 2, 1)
    assert latest_local_day(datetime(2027, 1, 31, 9, 59, tzinfo=UTC)) == date(2027, 1, 31)


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (date(2027, 1, 31), 1, date(2027, 2, 28)),
        (date(2028, 1, 31), 1, date(2028, 2, 29)),  # leap year
        (date(2027, 1, 31), 2, date(2027, 3, 31)),  # from the anchor: no drift through February
        (date(2027, 3, 31), -1, date(2027, 2, 28)),
        (date(2027, 1, 15), -1, date(2026, 12, 15)),
        (date(2027, 12, 1), 1, date(2028, 1, 1)),
        (date(2027, 5, 10), 0, date(2027, 5, 10)),
        (date(2027, 5, 10), -24, date(2025, 5, 10)),
    ],
)
def test_add_months_steps_calendar_months_and_clamps_to_the_months_end(
    start: date, months: int, expected: date
) -> None:
    assert add_months(start, months) == expected


@settings(max_examples=200, deadline=None, database=None)
@given(day=st.dates(min_value=date(1900, 1, 1), max_value=date(2200, 12, 31)), months=st.integers(-600, 600))
def test_add_months_lands_in_the_target_month_on_the_same_day_or_its_last(day: date, months: int) -> None:
    result = add_months(day, months)
    assert (result.year * 12 + result.month) - (day.year * 12 + day.month) == months
    assert result.day == day.day or (result.day < day.day and (result + timedelta(days=1)).day == 1)
