"""GET /members/{id}/overview: the profile with tags and role, the responsible employee's name, and for staff the
notes (with their authors' names), attachments and checklists; a member sees their own without those."""

import uuid

import pytest
from members_testkit import add_member, bearer, signup

pytestmark = pytest.mark.integration

PDF = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\n%%EOF\n"


async def test_staff_see_everything_and_a_member_their_own_without_the_staff_parts(client, tokens):
    studio = await signup(client)
    coach = await add_member(
        client, studio.admin, role="employee", is_member=False, first_name="Cas", last_name="Coach"
    )
    tag = await client.post("/tags", json={"name": "Knee injury"}, headers=studio.admin)
    assert tag.status_code == 201, tag.text
    member = await add_member(
        client, studio.admin, first_name="Mia", last_name="Jansen", tag_ids=[tag.json()["id"]],
        responsible_employee_id=coach["id"],
    )  # fmt: skip
    member_id = member["id"]
    note = await client.post(
        f"/members/{member_id}/notes", json={"body": "Wants to train for a 10k"}, headers=studio.admin
    )
    assert note.status_code == 201, note.text
    uploaded = await client.post(
        f"/members/{member_id}/attachments", files={"file": ("contract.pdf", PDF, "application/pdf")},
        headers=studio.admin,
    )  # fmt: skip
    assert uploaded.status_code == 201, uploaded.text
    template = await client.post(
        "/checklists", json={"name": "Intake", "actions": ["Talk", "Test"]}, headers=studio.admin
    )
    assigned = await client.post(
        f"/members/{member_id}/checklists", json={"template_id": template.json()["id"]}, headers=studio.admin
    )
    assert assigned.status_code == 201, assigned.text

    staff_view = await client.get(f"/members/{member_id}/overview", headers=studio.admin)
    assert staff_view.status_code == 200, staff_view.text
    body = staff_view.json()
    assert (body["profile"]["first_name"], body["profile"]["role"]) == ("Mia", "member")
    assert [t["name"] for t in body["profile"]["tags"]] == ["Knee injury"]
    assert body["responsible_employee"] == {"id": coach["id"], "first_name": "Cas", "last_name": "Coach"}
    (written,) = body["notes"]
    assert written["body"] == "Wants to train for a 10k"
    assert written["author"] == {"id": str(studio.admin_member_id), "first_name": "Olga", "last_name": "Owner"}
    assert [a["filename"] for a in body["attachments"]] == ["contract.pdf"]
    (checklist,) = body["checklists"]
    assert (checklist["name"], checklist["done"], checklist["total"]) == ("Intake", 0, 2)

    themself = bearer(
        tokens(studio_id=studio.studio_id, role="member", account_id=uuid.UUID(member["account_id"]),
               member_id=uuid.UUID(member_id))
    )  # fmt: skip
    own = await client.get(f"/members/{member_id}/overview", headers=themself)
    assert own.status_code == 200, own.text
    mine = own.json()
    assert mine["profile"]["id"] == member_id
    assert mine["responsible_employee"]["first_name"] == "Cas"
    assert (mine["notes"], mine["attachments"], mine["checklists"]) == (None, None, None)

    someone_else = bearer(tokens(studio_id=studio.studio_id, role="member", member_id=uuid.uuid4()))
    assert (await client.get(f"/members/{member_id}/overview", headers=someone_else)).status_code == 404
    other_studio = await signup(client)
    assert (await client.get(f"/members/{member_id}/overview", headers=other_studio.admin)).status_code == 404
