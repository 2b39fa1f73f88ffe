"""The studio's "today" is its local calendar day; the UTC day while its zone is unknown."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from gymloop_importer.domain.local_day import known_zone, local_date

pytestmark = pytest.mark.unit

KIRITIMATI = ZoneInfo("Pacific/Kiritimati")  # UTC+14: already the next day from 10:00 UTC
PAGO_PAGO = ZoneInfo("Pacific/Pago_Pago")  # UTC-11: still the previous day until 11:00 UTC


def test_local_date_turns_at_the_studios_midnight_not_at_utc_midnight() -> None:
    just_before = datetime(2026, 3, 10, 9, 59, 59, tzinfo=UTC)
    at_midnight_in_kiritimati = datetime(2026, 3, 10, 10, 0, tzinfo=UTC)

    assert local_date(just_before, KIRITIMATI) == date(2026, 3, 10)
    assert local_date(at_midnight_in_kiritimati, KIRITIMATI) == date(2026, 3, 11)
    assert local_date(datetime(2026, 3, 10, 10, 59, tzinfo=UTC), PAGO_PAGO) == date(2026, 3, 9)
    assert local_date(datetime(2026, 3, 10, 11, 0, tzinfo=UTC), PAGO_PAGO) == date(2026, 3, 10)


def test_local_date_is_the_utc_day_while_the_zone_is_unknown() -> None:
    assert local_date(datetime(2026, 3, 10, 23, 59, tzinfo=UTC), None) == date(2026, 3, 10)
    assert local_date(datetime(2026, 3, 11, 0, 0, tzinfo=UTC), None) == date(2026, 3, 11)


@pytest.mark.parametrize("name", ["Mars/Olympus_Mons", "", "../etc/passwd"])
def test_a_zone_name_the_tz_database_does_not_know_is_no_zone(name: str) -> None:
    assert known_zone(name) is None


def test_known_zone_names_an_iana_zone() -> None:
    assert known_zone("Pacific/Kiritimati") == KIRITIMATI
