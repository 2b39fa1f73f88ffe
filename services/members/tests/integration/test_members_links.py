"""Links in members' answers are full public paths through the gateway, and the service's own paths direct."""

import pytest
from members_testkit import add_member, signup

pytestmark = pytest.mark.integration

PDF = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(64))
THROUGH_THE_GATEWAY = {"X-Forwarded-Prefix": "/api/v1/members"}  # what the gateway sends every service


async def test_an_attachments_file_url_is_its_public_path_and_downloads_it(client):
    studio = await signup(client)
    member = await add_member(client, studio.admin)
    uploaded = await client.post(
        f"/members/{member['id']}/attachments", files={"file": ("contract.pdf", PDF, "application/pdf")},
        headers={**studio.admin, **THROUGH_THE_GATEWAY},
    )  # fmt: skip
    own_path = f"/members/{member['id']}/attachments/{uploaded.json()['id']}"
    assert uploaded.json()["file_url"] == "/api/v1/members" + own_path
    listed = await client.get(f"/members/{member['id']}/attachments", headers={**studio.admin, **THROUGH_THE_GATEWAY})
    assert [a["file_url"] for a in listed.json()["items"]] == ["/api/v1/members" + own_path]

    direct = await client.get(f"/members/{member['id']}/attachments", headers=studio.admin)
    (attachment,) = direct.json()["items"]
    assert attachment["file_url"] == own_path  # called directly, the link is the service's own path
    assert (await client.get(attachment["file_url"], headers=studio.admin)).content == PDF


async def test_a_photos_file_url_is_the_photo_route(client):
    studio = await signup(client)
    member = await add_member(client, studio.admin)
    photo = await client.put(
        f"/members/{member['id']}/photo", files={"file": ("me.png", PNG, "image/png")},
        headers={**studio.admin, **THROUGH_THE_GATEWAY},
    )  # fmt: skip
    assert photo.json()["file_url"] == f"/api/v1/members/members/{member['id']}/photo"


@pytest.mark.parametrize("prefix", ["https://evil.example/x", "//evil.example", "/api/../x", "/api v1", "/a?b"])
async def test_a_prefix_that_is_no_plain_path_is_not_put_into_links(client, prefix):
    studio = await signup(client)
    member = await add_member(client, studio.admin)
    uploaded = await client.post(
        f"/members/{member['id']}/attachments", files={"file": ("c.pdf", PDF, "application/pdf")},
        headers={**studio.admin, "X-Forwarded-Prefix": prefix},
    )  # fmt: skip
    assert uploaded.json()["file_url"] == f"/members/{member['id']}/attachments/{uploaded.json()['id']}"
