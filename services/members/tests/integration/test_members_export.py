"""The members part of the studio export: admins read every dataset of their own studio only; staff and members
get 403."""

import uuid

import pytest
from members_testkit import add_member, bearer, signup

pytestmark = pytest.mark.integration

PDF = b"%PDF-1.4\n%b\n"


async def test_an_admin_exports_every_dataset_of_the_own_studio_only(client):
    a = await signup(client, "Studio A")
    b = await signup(client, "Studio B")
    member = await add_member(client, a.admin, first_name="Alice", phone="=1+2")
    await add_member(client, b.admin, first_name="Berta")
    tag = (await client.post("/tags", json={"name": "Injury"}, headers=a.admin)).json()
    await client.put(f"/members/{member['id']}/tags/{tag['id']}", headers=a.admin)
    await client.post("/tags", json={"name": "B-only"}, headers=b.admin)
    await client.post(f"/members/{member['id']}/notes", json={"body": "knee"}, headers=a.admin)
    template = (await client.post("/checklists", json={"name": "Trial", "actions": ["Call"]}, headers=a.admin)).json()
    await client.post(f"/members/{member['id']}/checklists", json={"template_id": template["id"]}, headers=a.admin)
    files = {"file": ("a.pdf", PDF, "application/pdf")}
    await client.post(f"/members/{member['id']}/attachments", files=files, headers=a.admin)

    catalogue = (await client.get("/export", headers=a.admin)).json()
    names = [dataset["name"] for dataset in catalogue["datasets"]]
    records = {}
    for name in names:
        answer = await client.get(f"/export/{name}", params={"limit": 500}, headers=a.admin)
        assert answer.status_code == 200, answer.text
        records[name] = answer.json()["items"]

    people = {person["member_id"]: person for person in records["people"]}
    assert set(people) == {str(a.admin_member_id), member["id"]}
    assert people[member["id"]]["first_name"] == "Alice"
    assert people[str(a.admin_member_id)]["role"] == "admin"
    assert all("password_hash" not in person for person in people.values())
    assert [t["name"] for t in records["tags"]] == ["Injury"]
    assert records["member_tags"] == [{"member_id": member["id"], "tag_id": tag["id"]}]
    assert [note["body"] for note in records["notes"]] == ["knee"]
    assert [item["title"] for item in records["member_checklist_items"]] == ["Call"]
    assert [file["filename"] for file in records["attachments"]] == ["a.pdf"]


async def test_staff_and_members_get_403_and_an_unknown_dataset_404(client, tokens):
    studio = await signup(client, "Studio")
    employee = await add_member(client, studio.admin, role="employee", is_member=False)
    member = await add_member(client, studio.admin)
    for person, role in ((employee, "employee"), (member, "member")):
        token = tokens(
            studio_id=studio.studio_id,
            role=role,
            account_id=uuid.UUID(person["account_id"]),
            member_id=uuid.UUID(person["id"]),
        )
        for path in ("/export", "/export/people"):
            answer = await client.get(path, headers=bearer(token))
            assert answer.status_code == 403, (role, path, answer.text)
    unknown = await client.get("/export/passwords", headers=studio.admin)
    assert (unknown.status_code, unknown.json()["code"]) == (404, "dataset_not_found")
