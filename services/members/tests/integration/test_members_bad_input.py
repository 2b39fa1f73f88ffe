"""Bad input is answered 422 or 409 naming the field, and nothing is written."""

import pytest
from gymloop_devstack.testing import error_fields
from members_testkit import add_member, counts, signup

pytestmark = pytest.mark.integration

TABLES = ("account", "membership", "outbox", "attachment", "tag", "member_tag", "checklist_template", "studio")


def field_of(response):
    return error_fields(response)[0]["loc"][-1]


@pytest.fixture
async def studio_and_member(client):
    studio = await signup(client)
    member = await add_member(client, studio.admin, email="taken@gym.example.com")
    return studio, member


def member_body(**overrides):
    return {"email": "new@gym.example.com", "first_name": "New", "last_name": "Person", **overrides}


CASES = [
    ("invalid e-mail", "POST", "/members", {"json": member_body(email="not-an-email")}, 422, "email", "email_invalid"),
    ("duplicate e-mail", "POST", "/members", {"json": member_body(email="Taken@Gym.example.com")}, 409, "email",
     "email_taken"),
    ("birth date in the future", "POST", "/members", {"json": member_body(birth_date="2999-01-01")}, 422,
     "birth_date", "birth_date_in_future"),
    ("unknown role on create", "POST", "/members", {"json": member_body(role="owner")}, 422, "role", "literal_error"),
    ("unknown role", "PUT", "/members/{m}/role", {"json": {"role": "superuser"}}, 422, "role", "literal_error"),
    ("future birth date on edit", "PATCH", "/members/{m}", {"json": {"birth_date": "2999-01-01"}}, 422,
     "birth_date", "birth_date_in_future"),
    ("invalid e-mail on edit", "PATCH", "/members/{m}", {"json": {"email": "a@@b"}}, 422, "email", "email_invalid"),
    ("empty name", "PATCH", "/members/{m}", {"json": {"first_name": "  "}}, 422, "first_name", "name_empty"),
    ("oversized attachment", "POST", "/members/{m}/attachments",
     {"files": {"file": ("big.pdf", b"%PDF-" + b"0" * (5 * 1024 * 1024), "application/pdf")}}, 422, "file",
     "file_too_large"),
    ("wrong attachment type", "POST", "/members/{m}/attachments",
     {"files": {"file": ("run.exe", b"MZ\x90\x00", "application/x-msdownload")}}, 422, "file", "file_type_not_allowed"),
    ("disguised attachment", "POST", "/members/{m}/attachments",
     {"files": {"file": ("fake.pdf", b"<html>hi</html>", "application/pdf")}}, 422, "file", "file_content_mismatch"),
    ("pdf as photo", "PUT", "/members/{m}/photo",
     {"files": {"file": ("me.pdf", b"%PDF-1.4", "application/pdf")}}, 422, "file", "file_type_not_allowed"),
    ("duplicate tag", "POST", "/tags", {"json": {"name": "VIP"}}, 409, "name", "tag_exists"),
    ("checklist without actions", "POST", "/checklists", {"json": {"name": "Empty", "actions": []}}, 422, "actions",
     "checklist_no_actions"),
    ("unknown tag on create", "POST", "/members",
     {"json": member_body(tag_ids=["00000000-0000-0000-0000-000000000001"])}, 422, "tag_ids", "tag_unknown"),
    ("weak password on sign-up", "POST", "/studios/signup",
     {"json": {"studio_name": "S", "email": "o@gym.example.com", "password": "abcdefghijkl", "first_name": "O",
               "last_name": "W"}}, 422, "password", "password_one_kind"),
    ("short password on sign-up", "POST", "/studios/signup",
     {"json": {"studio_name": "S", "email": "o@gym.example.com", "password": "Ab1!", "first_name": "O",
               "last_name": "W"}}, 422, "password", "password_too_short"),
    ("unknown time zone", "POST", "/studios/signup",
     {"json": {"studio_name": "S", "email": "o@gym.example.com", "password": "Strong-Pass-2026", "first_name": "O",
               "last_name": "W", "timezone": "Mars/Olympus"}}, 422, "timezone", "timezone_unknown"),
    ("sign-up with a taken login", "POST", "/studios/signup",
     {"json": {"studio_name": "S", "email": "taken@gym.example.com", "password": "Strong-Pass-2026",
               "first_name": "O", "last_name": "W"}}, 409, "email", "email_taken"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("method", "path", "kwargs", "status", "field", "code"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
async def test_bad_input_names_the_field_and_writes_nothing(
    client, studio_and_member, method, path, kwargs, status, field, code
):
    studio, member = studio_and_member
    await client.post("/tags", json={"name": "vip"}, headers=studio.admin)
    before = await counts(client.database_url, *TABLES)
    profile_before = (await client.get(f"/members/{member['id']}", headers=studio.admin)).json()

    response = await client.request(method, path.format(m=member["id"]), headers=studio.admin, **kwargs)

    assert response.status_code == status, response.text
    assert field_of(response) == field
    assert error_fields(response)[0]["type"] == code
    assert error_fields(response)[0]["msg"]
    assert await counts(client.database_url, *TABLES) == before
    assert (await client.get(f"/members/{member['id']}", headers=studio.admin)).json() == profile_before


async def test_the_last_admin_cannot_be_demoted_or_archived(client):
    studio = await signup(client)
    demote = await client.put(
        f"/members/{studio.admin_member_id}/role", json={"role": "employee"}, headers=studio.admin
    )
    assert demote.status_code == 409
    assert field_of(demote) == "role"
    archive = await client.post(f"/members/{studio.admin_member_id}/archive", json={}, headers=studio.admin)
    assert archive.status_code == 409
    again = await client.post(f"/members/{studio.admin_member_id}/unarchive", headers=studio.admin)
    assert again.status_code == 409
    assert field_of(again) == "status"
