"""The billing part of the studio export: every dataset in the catalogue reads on the migrated schema, for admins
only (staff and members get 403)."""

import uuid

import pytest

pytestmark = pytest.mark.integration


async def test_every_dataset_reads_for_an_admin_and_is_refused_to_staff(client, tokens):
    studio = uuid.uuid4()
    admin = tokens.headers(studio_id=studio, role="admin")
    catalogue = (await client.get("/export", headers=admin)).json()
    assert catalogue["datasets"], catalogue
    for dataset in catalogue["datasets"]:
        answer = await client.get(f"/export/{dataset['name']}", headers=admin)
        assert answer.status_code == 200, (dataset["name"], answer.text)
        assert answer.json()["items"] == [], dataset["name"]  # a new studio has nothing yet
    for role in ("employee", "member"):
        refused = await client.get("/export", headers=tokens.headers(studio_id=studio, role=role))
        assert refused.status_code == 403, (role, refused.text)
