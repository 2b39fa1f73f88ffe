"""Admins edit and delete checklist templates: an edit applies to checklists assigned from then on, a deleted
template leaves each member's checklist readable with its ticks, bad input changes nothing, and another studio's
template is not found."""

import pytest
from gymloop_devstack.testing import error_fields, problem
from members_testkit import add_member, signup

pytestmark = pytest.mark.integration

ACTIONS = ["Intake talk", "First session", "Check-up"]


async def _template(client, admin) -> dict:
    created = await client.post("/checklists", json={"name": "New member", "actions": ACTIONS}, headers=admin)
    assert created.status_code == 201, created.text
    return created.json()


async def _assign_and_tick_first(client, admin, member_id: str, template_id: str) -> dict:
    assigned = await client.post(f"/members/{member_id}/checklists", json={"template_id": template_id}, headers=admin)
    assert assigned.status_code == 201, assigned.text
    checklist = assigned.json()
    first = checklist["items"][0]["id"]
    ticked = await client.put(
        f"/members/{member_id}/checklists/{checklist['id']}/items/{first}", json={"done": True}, headers=admin
    )
    assert ticked.status_code == 200, ticked.text
    return ticked.json()


async def _member_checklists(client, admin, member_id: str) -> list[dict]:
    listed = await client.get(f"/members/{member_id}/checklists", headers=admin)
    assert listed.status_code == 200, listed.text
    return listed.json()["items"]


async def test_an_edited_template_applies_to_new_checklists_and_assigned_ones_keep_theirs(client):
    studio = await signup(client)
    member = await add_member(client, studio.admin)
    template = await _template(client, studio.admin)
    before = await _assign_and_tick_first(client, studio.admin, member["id"], template["id"])

    edited = await client.put(
        f"/checklists/{template['id']}",
        json={"name": " Welcome  path ", "actions": ["Intake talk", "Goal setting"]},
        headers=studio.admin,
    )

    assert edited.status_code == 200, edited.text
    assert edited.json()["name"] == "Welcome path"
    assert [(a["position"], a["title"]) for a in edited.json()["actions"]] == [(1, "Intake talk"), (2, "Goal setting")]
    assert (await client.get(f"/checklists/{template['id']}", headers=studio.admin)).json() == edited.json()
    assert await _member_checklists(client, studio.admin, member["id"]) == [before]
    again = await client.post(
        f"/members/{member['id']}/checklists", json={"template_id": template["id"]}, headers=studio.admin
    )
    assert [item["title"] for item in again.json()["items"]] == ["Intake talk", "Goal setting"]


async def test_a_deleted_template_leaves_members_checklists_readable_with_their_ticks(client):
    studio = await signup(client)
    member = await add_member(client, studio.admin)
    template = await _template(client, studio.admin)
    ticked = await _assign_and_tick_first(client, studio.admin, member["id"], template["id"])

    deleted = await client.delete(f"/checklists/{template['id']}", headers=studio.admin)

    assert deleted.status_code == 204, deleted.text
    (kept,) = await _member_checklists(client, studio.admin, member["id"])
    assert kept == {**ticked, "template_id": None}
    assert kept["items"][0]["done_at"] is not None
    assert kept["items"][0]["title"] == "Intake talk"
    assert (kept["done"], kept["total"]) == (1, 3)
    assert (await client.get("/checklists", headers=studio.admin)).json() == []
    gone = await client.get(f"/checklists/{template['id']}", headers=studio.admin)
    assert problem(gone, 404)["code"] == "checklist_not_found"
    assign = await client.post(
        f"/members/{member['id']}/checklists", json={"template_id": template["id"]}, headers=studio.admin
    )
    assert problem(assign, 404)["code"] == "checklist_not_found"


async def test_a_bad_edit_names_the_field_and_changes_nothing(client):
    studio = await signup(client)
    template = await _template(client, studio.admin)
    url = f"/checklists/{template['id']}"

    cases = [
        ({"name": "  ", "actions": ["One"]}, ["body", "name"], "checklist_name_empty"),
        ({"name": "Welcome", "actions": []}, ["body", "actions"], "checklist_no_actions"),
        ({"name": "Welcome", "actions": ["One", " "]}, ["body", "actions"], "checklist_action_empty"),
        ({"name": "Welcome"}, ["body", "actions"], "missing"),
    ]
    for body, loc, code in cases:
        answer = await client.put(url, json=body, headers=studio.admin)
        assert answer.status_code == 422, answer.text
        assert [(e["loc"], e["type"]) for e in error_fields(answer)] == [(loc, code)]
    assert (await client.get(url, headers=studio.admin)).json() == template


async def test_only_admins_change_templates_and_another_studios_is_not_found(client, tokens):
    studio = await signup(client)
    other = await signup(client, name="Other studio")
    template = await _template(client, studio.admin)
    url = f"/checklists/{template['id']}"
    change = {"name": "Taken over", "actions": ["Nothing"]}
    employee = {"Authorization": f"Bearer {tokens(studio_id=studio.studio_id, role='employee')}"}

    assert (await client.put(url, json=change, headers=employee)).status_code == 403
    assert (await client.delete(url, headers=employee)).status_code == 403
    assert problem(await client.put(url, json=change, headers=other.admin), 404)["code"] == "checklist_not_found"
    assert problem(await client.delete(url, headers=other.admin), 404)["code"] == "checklist_not_found"
    assert (await client.get(url, headers=studio.admin)).json() == template
