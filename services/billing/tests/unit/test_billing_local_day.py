"""The studio's local day: pure zone arithmetic, no I/O."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from gymloop_billing.domain.errors import DomainError
from gymloop_billing.domain.local_day import latest_local_date, local_date, zone_named

pytestmark = pytest.mark.unit

AMSTERDAM = zone_named("Europe/Amsterdam")
NEW_YORK = zone_named("America/New_York")


def test_half_past_eleven_utc_on_31_january_is_1_february_in_amsterdam_but_31_january_in_new_york() -> None:
    now = datetime(2027, 1, 31, 23, 30, tzinfo=UTC)
    assert local_date(now, AMSTERDAM) == date(2027, 2, 1)
    assert local_date(now, NEW_YORK) == date(2027, 1, 31)
    assert local_date(now, None) == date(2027, 1, 31)  # zone unknown: the UTC day


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
    assert local_date(now, AMSTERDAM) == amsterdam_day


def test_new_york_turns_the_day_five_hours_after_utc_in_winter() -> None:
    assert local_date(datetime(2027, 2, 1, 4, 59, tzinfo=UTC), NEW_YORK) == date(2027, 1, 31)
    assert local_date(datetime(2027, 2, 1, 5, 0, tzinfo=UTC), NEW_YORK) == date(2027, 2, 1)


def test_the_instant_counts_not_the_offset_it_is_written_in() -> None:
    written_in_tokyo = datetime(2027, 2, 1, 8, 30, tzinfo=timezone(timedelta(hours=9)))  # 23:30 UTC on 31 Jan
    assert local_date(written_in_tokyo, NEW_YORK) == date(2027, 1, 31)
    assert local_date(written_in_tokyo, None) == date(2027, 1, 31)


def test_a_naive_datetime_is_refused() -> None:
    with pytest.raises(DomainError) as caught:
        local_date(datetime(2027, 1, 31, 23, 30), AMSTERDAM)  # no tzinfo: the point of the test
    assert (caught.value.code, caught.value.field) == ("naive_datetime", "now")


@pytest.mark.parametrize("name", ["Europe", "europe/amsterdam", "Mars/Olympus_Mons", "", " Europe/Amsterdam", "../x"])
def test_unknown_zone_names_are_refused_with_an_example(name: str) -> None:
    with pytest.raises(DomainError) as caught:
        zone_named(name)
    assert (caught.value.code, caught.value.field) == ("time_zone_unknown", "time_zone")
    assert "Europe/Amsterdam" in caught.value.message


def test_latest_local_date_is_never_before_any_studios_day() -> None:
    now = datetime(2027, 1, 31, 10, 30, tzinfo=UTC)
    kiritimati = local_date(now, zone_named("Pacific/Kiritimati"))  # UTC+14, the furthest ahead
    assert kiritimati == date(2027, 2, 1)
    assert latest_local_date(now) == kiritimati
    assert latest_local_date(datetime(2027, 1, 31, 9, 59, tzinfo=UTC)) == date(2027, 1, 31)
