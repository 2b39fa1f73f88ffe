"""The importer's "today" is the studio's local day once members has announced the studio's time zone.

The clock is set to 2026-03-10 12:00 UTC: already 2026-03-11 (02:00) in Pacific/Kiritimati (UTC+14)."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

import pytest
from gymloop_contracts.events.members import StudioUpdated
from gymloop_devstack.testing import error_fields, publish
from gymloop_importer.service import studio_state

pytestmark = pytest.mark.integration

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
TOMORROW_IN_UTC = date(2026, 3, 11)  # but today in Kiritimati


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(studio_state, "utc_now", lambda: NOW)


def _born_on(importer, birth_date: date) -> bytes:
    return importer.template([["Ann", "Andersen", "ann@example.com", date(2026, 1, 1), None, birth_date]])


async def _announce_zone(importer, time_zone: str, sequence: int) -> None:
    event = StudioUpdated(studio_id=importer.studio_id, name="Island Gym", time_zone=time_zone)
    await importer.consumed(await publish(importer.bootstrap, event, studio_id=importer.studio_id, sequence=sequence))


def _error_codes(response) -> list[str]:
    return [entry["type"] for entry in error_fields(response)]


async def test_a_birth_date_of_tomorrow_in_utc_is_accepted_once_the_studio_is_in_kiritimati(importer, clock) -> None:
    data = _born_on(importer, TOMORROW_IN_UTC)

    before = await importer.http.post("/imports/dry-run", headers=importer.staff(), **importer.upload(data))
    assert before.status_code == 422, before.text
    assert _error_codes(before) == ["birth_date_in_future"]

    await _announce_zone(importer, "Pacific/Kiritimati", sequence=1)

    dry_run = await importer.http.post("/imports/dry-run", headers=importer.staff(), **importer.upload(data))
    assert dry_run.status_code == 200, dry_run.text
    assert [m["email"] for m in dry_run.json()["to_create"]] == ["ann@example.com"]
    assert (await importer.import_file(data))["status"] == "running"
    assert await importer.scalar("SELECT time_zone FROM studio_zone") == "Pacific/Kiritimati"


async def test_the_newest_studio_update_wins_and_an_unknown_zone_is_ignored(importer, clock) -> None:
    data = _born_on(importer, TOMORROW_IN_UTC)
    await _announce_zone(importer, "Europe/Amsterdam", sequence=2)
    await _announce_zone(importer, "Pacific/Kiritimati", sequence=1)  # older, arrives late: changes nothing
    await _announce_zone(importer, "Mars/Olympus_Mons", sequence=3)  # newest, but no zone: keeps Amsterdam

    assert await importer.scalar("SELECT time_zone FROM studio_zone") == "Europe/Amsterdam"
    response = await importer.http.post("/imports/dry-run", headers=importer.staff(), **importer.upload(data))
    assert response.status_code == 422, response.text
    assert _error_codes(response) == ["birth_date_in_future"]


async def test_another_studios_zone_does_not_move_this_studios_day(importer, clock) -> None:
    other_id = uuid.uuid4()
    other = StudioUpdated(studio_id=other_id, name="Other", time_zone="Pacific/Kiritimati")
    await importer.consumed(await publish(importer.bootstrap, other, studio_id=other_id))

    data = _born_on(importer, TOMORROW_IN_UTC)
    response = await importer.http.post("/imports/dry-run", headers=importer.staff(), **importer.upload(data))
    assert response.status_code == 422, response.text
    assert _error_codes(response) == ["birth_date_in_future"]
