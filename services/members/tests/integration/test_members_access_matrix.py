"""Every route under every role: anonymous, the member themself, another member, an employee, an admin.

Each case gets fresh resources (made by the admin), so destructive routes never depend on one another."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import pytest
from gymloop_devstack.testing import error_fields
from members_testkit import add_member, bearer, signup

pytestmark = pytest.mark.integration

PDF = b"%PDF-1.4\n%test\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32

ROLES = ("anonymous", "self", "other_member", "employee", "admin")


@dataclass
class World:
    client: Any
    studio: Any
    tokens: Any
    employee: dict[str, Any]
    other: dict[str, Any]

    @property
    def admin(self) -> dict[str, str]:
        return self.studio.admin

    def headers(self, role: str, target: dict[str, Any]) -> dict[str, str]:
        if role == "anonymous":
            return {}
        if role == "admin":
            return self.admin
        person = {"self": target, "other_member": self.other, "employee": self.employee}[role]
        token = self.tokens(
            studio_id=self.studio.studio_id,
            role="employee" if role == "employee" else "member",
            account_id=uuid.UUID(person["account_id"]),
            member_id=uuid.UUID(person["id"]),
        )
        return bearer(token)

    async def tag(self) -> dict[str, Any]:
        response = await self.client.post("/tags", json={"name": f"t-{uuid.uuid4().hex[:6]}"}, headers=self.admin)
        return dict(response.json())

    async def checklist(self) -> dict[str, Any]:
        response = await self.client.post(
            "/checklists", json={"name": "New member", "actions": ["Intake", "First session"]}, headers=self.admin
        )
        return dict(response.json())


Call = Callable[[World, dict[str, Any], dict[str, str]], Awaitable[Any]]


async def _assigned(w: World, t: dict[str, Any]) -> dict[str, Any]:
    template = await w.checklist()
    response = await w.client.post(
        f"/members/{t['id']}/checklists", json={"template_id": template["id"]}, headers=w.admin
    )
    return dict(response.json())


async def _attachment(w: World, t: dict[str, Any]) -> dict[str, Any]:
    files = {"file": ("card.pdf", PDF, "application/pdf")}
    return dict((await w.client.post(f"/members/{t['id']}/attachments", files=files, headers=w.admin)).json())


async def _with_photo(w: World, t: dict[str, Any]) -> None:
    files = {"file": ("me.png", PNG, "image/png")}
    assert (await w.client.put(f"/members/{t['id']}/photo", files=files, headers=w.admin)).status_code == 200


async def c_list_members(w, t, h):
    return await w.client.get("/members", headers=h)


async def c_create_member(w, t, h):
    body = {"email": f"n-{uuid.uuid4().hex[:6]}@gym.example.com", "first_name": "N", "last_name": "M"}
    return await w.client.post("/members", json=body, headers=h)


async def c_create_employee(w, t, h):
    body = {
        "email": f"e-{uuid.uuid4().hex[:6]}@gym.example.com",
        "first_name": "E",
        "last_name": "M",
        "role": "employee",
    }
    return await w.client.post("/members", json=body, headers=h)


async def c_upsert(w, t, h):
    body = {"email": t["email"], "first_name": "Up", "last_name": "Sert", "start_date": "2026-01-01"}
    return await w.client.post("/members/upsert", json=body, headers=h)


async def c_get_member(w, t, h):
    return await w.client.get(f"/members/{t['id']}", headers=h)


async def c_patch_member(w, t, h):
    return await w.client.patch(f"/members/{t['id']}", json={"phone": "+31 6 0000 0000"}, headers=h)


async def c_change_role(w, t, h):
    return await w.client.put(f"/members/{t['id']}/role", json={"role": "employee"}, headers=h)


async def c_responsible(w, t, h):
    return await w.client.put(
        f"/members/{t['id']}/responsible-employee", json={"employee_id": w.employee["id"]}, headers=h
    )


async def c_archive(w, t, h):
    return await w.client.post(f"/members/{t['id']}/archive", json={}, headers=h)


async def c_unarchive(w, t, h):
    await w.client.post(f"/members/{t['id']}/archive", json={}, headers=w.admin)
    return await w.client.post(f"/members/{t['id']}/unarchive", headers=h)


async def c_list_tags(w, t, h):
    return await w.client.get("/tags", headers=h)


async def c_create_tag(w, t, h):
    return await w.client.post("/tags", json={"name": f"x-{uuid.uuid4().hex[:6]}"}, headers=h)


async def c_update_tag(w, t, h):
    return await w.client.patch(f"/tags/{(await w.tag())['id']}", json={"color": "#112233"}, headers=h)


async def c_delete_tag(w, t, h):
    return await w.client.delete(f"/tags/{(await w.tag())['id']}", headers=h)


async def c_attach_tag(w, t, h):
    return await w.client.put(f"/members/{t['id']}/tags/{(await w.tag())['id']}", headers=h)


async def c_detach_tag(w, t, h):
    tag = await w.tag()
    await w.client.put(f"/members/{t['id']}/tags/{tag['id']}", headers=w.admin)
    return await w.client.delete(f"/members/{t['id']}/tags/{tag['id']}", headers=h)


async def c_list_checklists(w, t, h):
    return await w.client.get("/checklists", headers=h)


async def c_create_checklist(w, t, h):
    return await w.client.post("/checklists", json={"name": "Check-up", "actions": ["Weigh-in"]}, headers=h)


async def c_get_checklist(w, t, h):
    return await w.client.get(f"/checklists/{(await w.checklist())['id']}", headers=h)


async def c_update_checklist(w, t, h):
    template = await w.checklist()
    body = {"name": "New member", "actions": ["Intake", "Goal setting"]}
    return await w.client.put(f"/checklists/{template['id']}", json=body, headers=h)


async def c_delete_checklist(w, t, h):
    return await w.client.delete(f"/checklists/{(await w.checklist())['id']}", headers=h)


async def c_assign_checklist(w, t, h):
    template = await w.checklist()
    return await w.client.post(f"/members/{t['id']}/checklists", json={"template_id": template["id"]}, headers=h)


async def c_member_checklists(w, t, h):
    await _assigned(w, t)
    return await w.client.get(f"/members/{t['id']}/checklists", headers=h)


async def c_tick(w, t, h):
    assigned = await _assigned(w, t)
    item = assigned["items"][0]["id"]
    return await w.client.put(
        f"/members/{t['id']}/checklists/{assigned['id']}/items/{item}", json={"done": True}, headers=h
    )


async def c_list_notes(w, t, h):
    return await w.client.get(f"/members/{t['id']}/notes", headers=h)


async def c_add_note(w, t, h):
    return await w.client.post(f"/members/{t['id']}/notes", json={"body": "Knee injury, no squats"}, headers=h)


async def c_upload(w, t, h):
    return await w.client.post(
        f"/members/{t['id']}/attachments", files={"file": ("c.pdf", PDF, "application/pdf")}, headers=h
    )


async def c_list_attachments(w, t, h):
    await _attachment(w, t)
    return await w.client.get(f"/members/{t['id']}/attachments", headers=h)


async def c_download(w, t, h):
    attachment = await _attachment(w, t)
    return await w.client.get(f"/members/{t['id']}/attachments/{attachment['id']}", headers=h)


async def c_delete_attachment(w, t, h):
    attachment = await _attachment(w, t)
    return await w.client.delete(f"/members/{t['id']}/attachments/{attachment['id']}", headers=h)


async def c_put_photo(w, t, h):
    return await w.client.put(f"/members/{t['id']}/photo", files={"file": ("p.png", PNG, "image/png")}, headers=h)


async def c_get_photo(w, t, h):
    await _with_photo(w, t)
    return await w.client.get(f"/members/{t['id']}/photo", headers=h)


async def c_me(w, t, h):
    return await w.client.get("/me", headers=h)


async def c_current_studio(w, t, h):
    return await w.client.get("/studios/current", headers=h)


async def c_update_studio(w, t, h):
    return await w.client.patch("/studios/current", json={"timezone": "Europe/Brussels"}, headers=h)


async def c_create_studio(w, t, h):
    return await w.client.post("/studios", json={"name": "Second location"}, headers=h)


async def c_switch_studio(w, t, h):
    return await w.client.post("/auth/switch-studio", json={"studio_id": str(w.studio.studio_id)}, headers=h)


async def c_password_reset(w, t, h):
    return await w.client.post("/auth/password-reset", json={"email": t["email"]}, headers=h)


async def c_logout(w, t, h):
    return await w.client.post("/auth/logout", json={"refresh_token": "unknown-token"}, headers=h)


# route -> expected status for (anonymous, self, other_member, employee, admin). Another member's record is
# answered 404 (its existence is not revealed); a staff-only route answers a member 403.
MATRIX: dict[str, tuple[Call, tuple[int, int, int, int, int]]] = {
    "GET /members": (c_list_members, (401, 403, 403, 200, 200)),
    "POST /members": (c_create_member, (401, 403, 403, 201, 201)),
    "POST /members (employee role)": (c_create_employee, (401, 403, 403, 403, 201)),
    "POST /members/upsert": (c_upsert, (401, 403, 403, 200, 200)),
    "GET /members/{id}": (c_get_member, (401, 200, 404, 200, 200)),
    "PATCH /members/{id}": (c_patch_member, (401, 200, 404, 200, 200)),
    "PUT /members/{id}/role": (c_change_role, (401, 403, 403, 403, 200)),
    "PUT /members/{id}/responsible-employee": (c_responsible, (401, 403, 403, 200, 200)),
    "POST /members/{id}/archive": (c_archive, (401, 403, 403, 200, 200)),
    "POST /members/{id}/unarchive": (c_unarchive, (401, 403, 403, 200, 200)),
    "GET /tags": (c_list_tags, (401, 403, 403, 200, 200)),
    "POST /tags": (c_create_tag, (401, 403, 403, 403, 201)),
    "PATCH /tags/{id}": (c_update_tag, (401, 403, 403, 403, 200)),
    "DELETE /tags/{id}": (c_delete_tag, (401, 403, 403, 403, 204)),
    "PUT /members/{id}/tags/{tag}": (c_attach_tag, (401, 403, 403, 200, 200)),
    "DELETE /members/{id}/tags/{tag}": (c_detach_tag, (401, 403, 403, 200, 200)),
    "GET /checklists": (c_list_checklists, (401, 403, 403, 200, 200)),
    "POST /checklists": (c_create_checklist, (401, 403, 403, 403, 201)),
    "GET /checklists/{id}": (c_get_checklist, (401, 403, 403, 200, 200)),
    "PUT /checklists/{id}": (c_update_checklist, (401, 403, 403, 403, 200)),
    "DELETE /checklists/{id}": (c_delete_checklist, (401, 403, 403, 403, 204)),
    "POST /members/{id}/checklists": (c_assign_checklist, (401, 403, 403, 201, 201)),
    "GET /members/{id}/checklists": (c_member_checklists, (401, 403, 403, 200, 200)),
    "PUT /members/{id}/checklists/{c}/items/{i}": (c_tick, (401, 403, 403, 200, 200)),
    "GET /members/{id}/notes": (c_list_notes, (401, 403, 403, 200, 200)),
    "POST /members/{id}/notes": (c_add_note, (401, 403, 403, 201, 201)),
    "POST /members/{id}/attachments": (c_upload, (401, 403, 403, 201, 201)),
    "GET /members/{id}/attachments": (c_list_attachments, (401, 403, 403, 200, 200)),
    "GET /members/{id}/attachments/{a}": (c_download, (401, 403, 403, 200, 200)),
    "DELETE /members/{id}/attachments/{a}": (c_delete_attachment, (401, 403, 403, 204, 204)),
    "PUT /members/{id}/photo": (c_put_photo, (401, 200, 404, 200, 200)),
    "GET /members/{id}/photo": (c_get_photo, (401, 200, 404, 200, 200)),
    "GET /me": (c_me, (401, 200, 200, 200, 200)),
    "GET /studios/current": (c_current_studio, (401, 200, 200, 200, 200)),
    "PATCH /studios/current": (c_update_studio, (401, 403, 403, 403, 200)),
    "POST /studios": (c_create_studio, (401, 201, 201, 201, 201)),
    "POST /auth/switch-studio": (c_switch_studio, (401, 200, 200, 200, 200)),
    "POST /auth/password-reset": (c_password_reset, (202, 202, 202, 202, 202)),
    "POST /auth/logout": (c_logout, (204, 204, 204, 204, 204)),
}


@pytest.mark.parametrize("role", ROLES)
async def test_every_route_answers_each_role_as_designed(client, tokens, role):
    studio = await signup(client, "Matrix Gym")
    world = World(
        client=client,
        studio=studio,
        tokens=tokens,
        employee=await add_member(client, studio.admin, role="employee", is_member=False),
        other=await add_member(client, studio.admin),
    )
    column = ROLES.index(role)
    mismatches = []
    for name, (call, expected) in MATRIX.items():
        target = await add_member(client, studio.admin)
        response = await call(world, target, world.headers(role, target))
        if response.status_code != expected[column]:
            mismatches.append(f"{name}: {response.status_code} != {expected[column]} ({response.text[:200]})")
    assert mismatches == []


async def test_a_member_edits_only_personal_fields_of_their_own_profile(client, tokens):
    studio = await signup(client)
    member = await add_member(client, studio.admin)
    own = bearer(
        tokens(studio_id=studio.studio_id, role="member", account_id=uuid.UUID(member["account_id"]),
               member_id=uuid.UUID(member["id"]))
    )  # fmt: skip
    ok = await client.patch(f"/members/{member['id']}", json={"address": "Damrak 1, Amsterdam"}, headers=own)
    assert ok.status_code == 200
    assert ok.json()["address"] == "Damrak 1, Amsterdam"
    refused = await client.patch(f"/members/{member['id']}", json={"start_date": "2020-01-01"}, headers=own)
    assert refused.status_code == 422
    assert error_fields(refused)[0]["loc"] == ["body", "start_date"]
    role = await client.patch(f"/members/{member['id']}", json={"role": "admin"}, headers=own)
    assert role.status_code == 422  # not a profile field at all
    after = (await client.get(f"/members/{member['id']}", headers=studio.admin)).json()
    assert (after["start_date"], after["role"]) == ("2026-01-05", "member")


async def test_search_filters_by_name_tag_responsible_and_status_with_pages(client):
    studio = await signup(client)
    coach = await add_member(
        client, studio.admin, role="employee", is_member=False, first_name="Coach", last_name="Carla"
    )
    tag = (await client.post("/tags", json={"name": "Injury"}, headers=studio.admin)).json()
    people = [await add_member(client, studio.admin, first_name=f"Anna{i}", last_name="Jansen") for i in range(5)]
    await client.put(f"/members/{people[0]['id']}/tags/{tag['id']}", headers=studio.admin)
    await client.put(
        f"/members/{people[1]['id']}/responsible-employee", json={"employee_id": coach["id"]}, headers=studio.admin
    )
    await client.post(f"/members/{people[2]['id']}/archive", json={}, headers=studio.admin)

    async def ids(**params):
        response = await client.get("/members", params=params, headers=studio.admin)
        assert response.status_code == 200, response.text
        return response.json()

    assert (await ids(q="jans"))["total"] == 5
    assert (await ids(q="anna3 jansen"))["items"][0]["id"] == people[3]["id"]
    assert [m["id"] for m in (await ids(tag_id=tag["id"]))["items"]] == [people[0]["id"]]
    assert [m["id"] for m in (await ids(responsible_employee_id=coach["id"]))["items"]] == [people[1]["id"]]
    assert [m["id"] for m in (await ids(status="archived"))["items"]] == [people[2]["id"]]
    assert [m["id"] for m in (await ids(is_member="false"))["items"]] == sorted(
        [coach["id"], str(studio.admin_member_id)], key=lambda i: {coach["id"]: 0}.get(i, 1)
    )
    page = await ids(q="jansen", limit=2, offset=2)
    assert page["total"] == 5
    assert len(page["items"]) == 2
    assert [m["first_name"] for m in page["items"]] == ["Anna2", "Anna3"]
    assert (await ids(q="%"))["total"] == 0  # wildcards are searched for literally
    bad = await client.get("/members", params={"status": "gone"}, headers=studio.admin)
    assert bad.status_code == 422
