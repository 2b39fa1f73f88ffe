"""A user of studio A gets 404 for every studio-B resource, by id and by search, and changes nothing in B."""

import uuid

import pytest
from gymloop_devstack.testing import error_fields
from members_testkit import add_member, bearer, signup

pytestmark = pytest.mark.integration

PDF = b"%PDF-1.4\n%b\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 16


async def test_studio_a_cannot_see_or_touch_studio_b(client, tokens):
    a = await signup(client, "Studio A")
    b = await signup(client, "Studio B")
    a_member = await add_member(client, a.admin, first_name="Alice")
    a_employee = await add_member(client, a.admin, role="employee", is_member=False)
    b_employee = await add_member(
        client, b.admin, role="employee", is_member=False, first_name="Bob", last_name="Coach"
    )
    b_member = await add_member(
        client, b.admin, first_name="Berta", last_name="Bravo", responsible_employee_id=b_employee["id"]
    )
    b_tag = (await client.post("/tags", json={"name": "B-only"}, headers=b.admin)).json()
    await client.put(f"/members/{b_member['id']}/tags/{b_tag['id']}", headers=b.admin)
    b_template = (await client.post("/checklists", json={"name": "B", "actions": ["x"]}, headers=b.admin)).json()
    b_assigned = (
        await client.post(
            f"/members/{b_member['id']}/checklists", json={"template_id": b_template["id"]}, headers=b.admin
        )
    ).json()
    b_item = b_assigned["items"][0]["id"]
    await client.post(f"/members/{b_member['id']}/notes", json={"body": "secret"}, headers=b.admin)
    b_file = (
        await client.post(
            f"/members/{b_member['id']}/attachments", files={"file": ("b.pdf", PDF, "application/pdf")}, headers=b.admin
        )
    ).json()
    await client.put(f"/members/{b_member['id']}/photo", files={"file": ("b.png", PNG, "image/png")}, headers=b.admin)
    before = (await client.get(f"/members/{b_member['id']}", headers=b.admin)).json()

    bm, bt = b_member["id"], b_tag["id"]
    a_employee_headers = bearer(
        tokens(studio_id=a.studio_id, role="employee", account_id=uuid.UUID(a_employee["account_id"]),
               member_id=uuid.UUID(a_employee["id"]))
    )  # fmt: skip
    a_member_headers = bearer(
        tokens(studio_id=a.studio_id, role="member", account_id=uuid.UUID(a_member["account_id"]),
               member_id=uuid.UUID(a_member["id"]))
    )  # fmt: skip
    pdf = {"file": ("a.pdf", PDF, "application/pdf")}
    png = {"file": ("a.png", PNG, "image/png")}
    # (method, path, request kwargs, who may call the route at all); a caller below that role is refused 403
    # before any lookup, everyone else gets 404: B's resources do not exist for A.
    requests = [
        ("GET", f"/members/{bm}", {}, "member"),
        ("PATCH", f"/members/{bm}", {"json": {"first_name": "Hacked"}}, "member"),
        ("PUT", f"/members/{bm}/role", {"json": {"role": "admin"}}, "admin"),
        ("PUT", f"/members/{bm}/responsible-employee", {"json": {"employee_id": None}}, "employee"),
        ("POST", f"/members/{bm}/archive", {"json": {}}, "employee"),
        ("POST", f"/members/{bm}/unarchive", {}, "employee"),
        ("PUT", f"/members/{bm}/tags/{bt}", {}, "employee"),
        ("DELETE", f"/members/{bm}/tags/{bt}", {}, "employee"),
        ("PUT", f"/members/{a_member['id']}/tags/{bt}", {}, "employee"),
        ("PATCH", f"/tags/{bt}", {"json": {"name": "Mine"}}, "admin"),
        ("DELETE", f"/tags/{bt}", {}, "admin"),
        ("GET", f"/checklists/{b_template['id']}", {}, "employee"),
        ("PUT", f"/checklists/{b_template['id']}", {"json": {"name": "A", "actions": ["y"]}}, "admin"),
        ("DELETE", f"/checklists/{b_template['id']}", {}, "admin"),
        ("POST", f"/members/{a_member['id']}/checklists", {"json": {"template_id": b_template["id"]}}, "employee"),
        ("POST", f"/members/{bm}/checklists", {"json": {"template_id": b_template["id"]}}, "employee"),
        ("GET", f"/members/{bm}/checklists", {}, "employee"),
        ("PUT", f"/members/{bm}/checklists/{b_assigned['id']}/items/{b_item}", {"json": {"done": True}}, "employee"),
        ("PUT", f"/members/{a_member['id']}/checklists/{b_assigned['id']}/items/{b_item}", {"json": {"done": True}},
         "employee"),
        ("GET", f"/members/{bm}/notes", {}, "employee"),
        ("POST", f"/members/{bm}/notes", {"json": {"body": "x"}}, "employee"),
        ("GET", f"/members/{bm}/attachments", {}, "employee"),
        ("POST", f"/members/{bm}/attachments", {"files": pdf}, "employee"),
        ("GET", f"/members/{bm}/attachments/{b_file['id']}", {}, "employee"),
        ("GET", f"/members/{a_member['id']}/attachments/{b_file['id']}", {}, "employee"),
        ("DELETE", f"/members/{bm}/attachments/{b_file['id']}", {}, "employee"),
        ("PUT", f"/members/{bm}/photo", {"files": png}, "member"),
        ("GET", f"/members/{bm}/photo", {}, "member"),
        ("POST", "/auth/switch-studio", {"json": {"studio_id": str(b.studio_id)}}, "member"),
    ]  # fmt: skip
    rank = {"member": 1, "employee": 2, "admin": 3}
    for who, headers in (("admin", a.admin), ("employee", a_employee_headers), ("member", a_member_headers)):
        for method, path, kwargs, minimum in requests:
            response = await client.request(method, path, headers=headers, **kwargs)
            expected = 403 if rank[who] < rank[minimum] else 404
            assert response.status_code == expected, f"{who} {method} {path}: {response.status_code} {response.text}"

    # by search: B's people, tags and employees are invisible from A
    for params in ({"q": "berta"}, {"q": "bravo"}, {"q": b_member["email"]}, {"tag_id": bt},
                   {"responsible_employee_id": b_employee["id"]}):  # fmt: skip
        found = await client.get("/members", params=params, headers=a.admin)
        assert found.status_code == 200
        assert found.json()["total"] == 0, params
    assert bt not in [t["id"] for t in (await client.get("/tags", headers=a.admin)).json()]
    assert b_template["id"] not in [c["id"] for c in (await client.get("/checklists", headers=a.admin)).json()]
    # B's employee cannot be made responsible for an A member
    cross = await client.put(
        f"/members/{a_member['id']}/responsible-employee", json={"employee_id": b_employee["id"]}, headers=a.admin
    )
    assert cross.status_code == 422
    assert error_fields(cross)[0]["loc"] == ["body", "responsible_employee_id"]

    # and B is exactly as it was
    after = (await client.get(f"/members/{b_member['id']}", headers=b.admin)).json()
    assert after == before
    assert (await client.get(f"/members/{bm}/notes", headers=b.admin)).json()["total"] == 1
    assert (await client.get(f"/members/{bm}/attachments", headers=b.admin)).json()["total"] == 1
    checklist = (await client.get(f"/members/{bm}/checklists", headers=b.admin)).json()["items"][0]
    assert checklist["done"] == 0
    assert (await client.get("/tags", headers=b.admin)).json()[0]["name"] == "B-only"
