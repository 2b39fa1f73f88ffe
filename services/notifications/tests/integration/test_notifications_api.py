"""The service boots on the kit, answers health checks, and guards settings by role and studio."""

from __future__ import annotations

import uuid

import pytest
from gymloop_devstack.testing import error_fields

pytestmark = pytest.mark.integration


async def test_health_and_ready(service) -> None:
    assert (await service.get("/health")).status_code == 200
    ready = await service.get("/ready")
    assert ready.status_code == 200, ready.text


async def test_settings_defaults_then_partial_update(service, tokens) -> None:
    studio = uuid.uuid4()
    staff = tokens.headers(studio_id=studio, role="employee")
    admin = tokens.headers(studio_id=studio, role="admin")
    got = await service.get("/settings", headers=staff)
    assert got.status_code == 200, got.text
    assert got.json()["notifications"]["downward_trend"] == {"enabled": True, "percent": 30, "days": 21}
    assert got.json()["time_zone"] == "Europe/Amsterdam"

    changed = await service.patch("/settings", headers=admin, json={"notifications": {"absence": {"days": 21}}})
    assert changed.status_code == 200, changed.text
    assert changed.json()["notifications"]["absence"] == {"enabled": True, "days": 21}
    assert changed.json()["time_zone"] == "Europe/Amsterdam", "the zone comes from members' StudioUpdated only"


async def test_bad_settings_name_every_field_and_change_nothing(service, tokens) -> None:
    studio = uuid.uuid4()
    admin = tokens.headers(studio_id=studio, role="admin")
    bad = await service.patch(
        "/settings",
        headers=admin,
        json={"notifications": {"absence": {"days": 0}, "upward_trend": {"percent": "lots"}}},
    )
    assert bad.status_code == 422
    locs = {tuple(d["loc"]) for d in error_fields(bad)}
    assert locs == {("body", "absence", "days"), ("body", "upward_trend", "percent")}
    for sent in ("Europe/London", None):
        zone_sent = await service.patch(
            "/settings", headers=admin, json={"time_zone": sent, "notifications": {"absence": {"days": 30}}}
        )
        assert zone_sent.status_code == 422, zone_sent.text
        [detail] = error_fields(zone_sent)
        assert (detail["loc"], detail["type"]) == (["body", "time_zone"], "time_zone_set_in_members")
        assert "PATCH /api/members/studios/current" in detail["msg"]
    after = await service.get("/settings", headers=admin)
    assert after.json()["notifications"]["absence"]["days"] == 14
    assert after.json()["time_zone"] == "Europe/Amsterdam"


async def test_only_admins_change_settings_and_members_see_no_dashboard(service, tokens) -> None:
    studio = uuid.uuid4()
    employee = tokens.headers(studio_id=studio, role="employee")
    member = tokens.headers(studio_id=studio, role="member", member_id=uuid.uuid4())
    assert (await service.patch("/settings", headers=employee, json={})).status_code == 403
    assert (await service.get("/dashboard", headers=member)).status_code == 403
    assert (await service.get("/settings")).status_code == 401


async def test_delete_all_open_needs_confirmation(service, tokens) -> None:
    admin = tokens.headers(studio_id=uuid.uuid4(), role="admin")
    refused = await service.delete("/notifications", headers=admin)
    assert refused.status_code == 422
    assert error_fields(refused)[0]["type"] == "confirmation_required"
    confirmed = await service.delete("/notifications", headers=admin, params={"confirm": "true"})
    assert confirmed.status_code == 200
    assert confirmed.json() == {"deleted": 0}
