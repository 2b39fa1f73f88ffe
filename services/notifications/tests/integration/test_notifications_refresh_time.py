"""The nightly refresh time is a studio-local wall time: written and documented the same way, an offset refused."""

from __future__ import annotations

import uuid

import jsonschema
import pytest
from gymloop_devstack.testing import error_fields

pytestmark = pytest.mark.integration


async def _documented_refresh_at(service) -> dict:
    document = (await service.get("/openapi.json")).json()
    return document["components"]["schemas"]["SettingsOut"]["properties"]["refresh_at"]


async def test_the_settings_answer_matches_its_own_schema_and_an_offset_is_a_field_error(service, tokens) -> None:
    admin = tokens.headers(studio_id=uuid.uuid4(), role="admin")
    schema = await _documented_refresh_at(service)

    changed = await service.patch("/settings", headers=admin, json={"refresh_at": "04:15"})
    assert changed.status_code == 200, changed.text
    assert changed.json()["refresh_at"] == "04:15:00"
    assert schema.get("format") != "time", "JSON Schema's format time requires an offset, which a wall time never has"
    jsonschema.validate(changed.json()["refresh_at"], schema)

    with_offset = await service.patch("/settings", headers=admin, json={"refresh_at": "04:15+01:00"})
    assert with_offset.status_code == 422, with_offset.text
    assert [error["loc"][-1] for error in error_fields(with_offset)] == ["refresh_at"]
    assert (await service.get("/settings", headers=admin)).json()["refresh_at"] == "04:15:00", "nothing changed"
