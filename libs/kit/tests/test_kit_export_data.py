"""The studio export's datasets: one studio's rows only, listed columns only, values as JSON carries them."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from gymloop_kit.db import Database
from gymloop_kit.errors import NotFound
from gymloop_kit.export_data import Column, Dataset, export_page, exportable, find_dataset
from gymloop_kit.http.export_routes import catalogue_of
from gymloop_kit.http.pagination import PageParams
from kit_fixtures import effects
from sqlalchemy import insert

EFFECTS = Dataset(
    name="effects",
    description="What the consumer did",
    studio_id=effects.c.studio_id,
    order_by=(effects.c.reason, effects.c.id),
    columns=(
        Column("event_id", effects.c.event_id, "the event"),
        Column("reason", effects.c.reason, "why"),
    ),
)


@pytest.mark.unit
def test_values_become_json_text_where_json_has_no_type():
    member = uuid.uuid4()
    at = datetime(2026, 11, 3, 9, 30, tzinfo=UTC)
    assert exportable(member) == str(member)
    assert exportable(at) == "2026-11-03T09:30:00+00:00"
    assert exportable(date(2026, 11, 3)) == "2026-11-03"
    assert exportable(Decimal("12.50")) == "12.50"
    assert exportable({"pauses": [{"start": date(2026, 1, 1)}]}) == {"pauses": [{"start": "2026-01-01"}]}
    assert exportable(7) == 7
    assert exportable(None) is None


@pytest.mark.unit
def test_an_unknown_dataset_is_not_found_and_names_the_known_ones():
    assert find_dataset([EFFECTS], "effects") is EFFECTS
    with pytest.raises(NotFound, match="known: effects"):
        find_dataset([EFFECTS], "passwords")


@pytest.mark.unit
def test_the_catalogue_describes_every_column():
    catalogue = catalogue_of([EFFECTS]).model_dump()
    assert catalogue == {
        "datasets": [
            {
                "name": "effects",
                "description": "What the consumer did",
                "columns": [{"name": "event_id", "description": "the event"}, {"name": "reason", "description": "why"}],
            }
        ]
    }


@pytest.mark.integration
async def test_a_page_holds_one_studios_rows_with_the_listed_columns_only(kit_database):
    studio, other = uuid.uuid4(), uuid.uuid4()
    events = [uuid.uuid4() for _ in range(3)]
    database = Database(kit_database)
    try:
        async with database.transaction() as session:
            rows = [{"event_id": event, "studio_id": studio, "reason": f"r{i}"} for i, event in enumerate(events)]
            elsewhere = {"event_id": uuid.uuid4(), "studio_id": other, "reason": "r0"}
            await session.execute(insert(effects), [*rows, elsewhere])
        async with database.transaction() as session:
            first, total = await export_page(session, EFFECTS, studio, PageParams(limit=2))
            rest, _ = await export_page(session, EFFECTS, studio, PageParams(limit=2, offset=2))
        assert total == 3
        assert first + rest == [{"event_id": str(event), "reason": f"r{i}"} for i, event in enumerate(events)]
    finally:
        await database.dispose()
