"""StudioUpdated: once when a studio is created (sign-up or opening another one), once per real change of its
name or time zone, never for a no-op or refused change. Seen on the real broker."""

import uuid

import pytest
from gymloop_contracts.events.members import StudioUpdated
from gymloop_devstack.testing import EventProbe, error_fields
from members_testkit import counts, signup

pytestmark = pytest.mark.integration


def states(probe: EventProbe, studio_id: uuid.UUID) -> list[dict[str, object]]:
    return [e.payload for e in probe.of_type(StudioUpdated) if e.aggregate_id == str(studio_id)]


async def test_studio_updated_on_creation_and_on_each_real_change(client, private_kafka):
    async with EventProbe.for_events(private_kafka.bootstrap_servers, StudioUpdated) as probe:
        studio = await signup(client, name="Iron Temple")
        await probe.wait_for(lambda evs: len(evs) >= 1, settle_s=1.0)
        assert states(probe, studio.studio_id) == [
            {"studio_id": str(studio.studio_id), "name": "Iron Temple", "time_zone": "Europe/Amsterdam"}
        ]
        first = probe.of_type(StudioUpdated)[0]
        assert (first.studio_id, first.producer, first.sequence) == (studio.studio_id, "members", 1)

        # no-op updates: the same values, the same name spelled with extra spaces, an empty body
        for body in ({"name": "Iron Temple", "timezone": "Europe/Amsterdam"}, {"name": "  Iron   Temple "}, {}):
            response = await client.patch("/studios/current", json=body, headers=studio.admin)
            assert response.status_code == 200, response.text
        # a refused change publishes nothing and changes nothing
        refused = await client.patch("/studios/current", json={"timezone": "Mars/Olympus"}, headers=studio.admin)
        assert refused.status_code == 422
        assert error_fields(refused)[0]["type"] == "timezone_unknown"

        renamed = await client.patch("/studios/current", json={"name": "Iron Temple West"}, headers=studio.admin)
        assert renamed.status_code == 200
        moved = await client.patch("/studios/current", json={"timezone": "America/New_York"}, headers=studio.admin)
        assert moved.json()["timezone"] == "America/New_York"
        both = await client.patch(
            "/studios/current", json={"name": "Iron Temple", "timezone": "Europe/London"}, headers=studio.admin
        )
        assert both.status_code == 200

        await probe.wait_for(lambda evs: len(evs) >= 4, settle_s=1.5)
    assert [(s["name"], s["time_zone"]) for s in states(probe, studio.studio_id)] == [
        ("Iron Temple", "Europe/Amsterdam"),
        ("Iron Temple West", "Europe/Amsterdam"),
        ("Iron Temple West", "America/New_York"),
        ("Iron Temple", "Europe/London"),
    ]
    assert [e.sequence for e in probe.of_type(StudioUpdated)] == [1, 2, 3, 4]
    current = (await client.get("/studios/current", headers=studio.admin)).json()
    assert (current["name"], current["timezone"]) == ("Iron Temple", "Europe/London")


async def test_opening_another_studio_publishes_its_state_once(client, private_kafka):
    studio = await signup(client, name="Downtown")
    async with EventProbe.for_events(private_kafka.bootstrap_servers, StudioUpdated) as probe:
        await probe.wait_for(lambda evs: len(evs) >= 1)
        opened = await client.post(
            "/studios", json={"name": "Uptown", "timezone": "Europe/Berlin"}, headers=studio.admin
        )
        assert opened.status_code == 201, opened.text
        second = uuid.UUID(opened.json()["studio_id"])
        # a refused sign-up (the e-mail has a login already) creates no studio and publishes nothing
        before = await counts(client.database_url, "studio")
        taken = await client.post(
            "/studios/signup",
            json={"studio_name": "Copy", "email": studio.admin_email, "password": "Kettlebell-42-swing",
                  "first_name": "Olga", "last_name": "Owner"},
        )  # fmt: skip
        assert taken.status_code == 409
        assert await counts(client.database_url, "studio") == before
        await probe.wait_for(lambda evs: len(evs) >= 2, settle_s=1.5)
    assert len(probe.received) == 2
    assert states(probe, second) == [{"studio_id": str(second), "name": "Uptown", "time_zone": "Europe/Berlin"}]
    assert probe.of_type(StudioUpdated)[1].studio_id == second
