"""Staff edit and delete info posts: an edit keeps the post's place on the page and says it was edited, a bad edit
is a field error naming the post's own field and changes nothing, members may not change posts, and another
studio's post is not found."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from gymloop_devstack.testing import error_fields, problem

pytestmark = pytest.mark.integration


async def _post(service: Any, staff: dict[str, str], title: str) -> dict[str, Any]:
    created = await service.post("/info-posts", json={"title": title, "body": "See you there."}, headers=staff)
    assert created.status_code == 201, created.text
    assert created.json()["edited_at"] is None
    post: dict[str, Any] = created.json()
    return post


async def _page(service: Any, headers: dict[str, str]) -> list[dict[str, Any]]:
    listed = await service.get("/info-posts", headers=headers)
    assert listed.status_code == 200, listed.text
    items: list[dict[str, Any]] = listed.json()["items"]
    return items


async def test_an_edited_post_keeps_its_place_and_says_it_was_edited(service: Any, tokens: Any) -> None:
    studio = uuid.uuid4()
    staff = tokens.headers(studio_id=studio, role="employee")
    member = tokens.headers(studio_id=studio, role="member", member_id=uuid.uuid4())
    older = await _post(service, staff, "Summer hours")
    newer = await _post(service, staff, "New rower")

    edited = await service.put(
        f"/info-posts/{older['post_id']}",
        json={"title": "  Summer hours (updated) ", "body": "Closed on Sundays in August."},
        headers=staff,
    )

    assert edited.status_code == 200, edited.text
    assert edited.json()["title"] == "Summer hours (updated)"
    assert edited.json()["body"] == "Closed on Sundays in August."
    assert edited.json()["published_at"] == older["published_at"]
    assert edited.json()["edited_at"] is not None
    seen = await _page(service, member)
    assert [(p["post_id"], p["title"]) for p in seen] == [
        (newer["post_id"], "New rower"),
        (older["post_id"], "Summer hours (updated)"),
    ]


async def test_a_deleted_post_is_gone_from_the_info_page(service: Any, tokens: Any) -> None:
    studio = uuid.uuid4()
    staff = tokens.headers(studio_id=studio, role="employee")
    kept = await _post(service, staff, "Kept")
    gone = await _post(service, staff, "Gone")

    deleted = await service.delete(f"/info-posts/{gone['post_id']}", headers=staff)

    assert deleted.status_code == 204, deleted.text
    assert [p["post_id"] for p in await _page(service, staff)] == [kept["post_id"]]
    again = await service.delete(f"/info-posts/{gone['post_id']}", headers=staff)
    assert problem(again, 404)["code"] == "info_post_not_found"


async def test_a_bad_edit_names_the_field_and_changes_nothing(service: Any, tokens: Any) -> None:
    studio = uuid.uuid4()
    staff = tokens.headers(studio_id=studio, role="employee")
    post = await _post(service, staff, "Summer hours")
    url = f"/info-posts/{post['post_id']}"

    blank = await service.put(url, json={"title": " ", "body": ""}, headers=staff)
    assert problem(blank, 422)
    assert {(tuple(e["loc"]), e["type"]) for e in error_fields(blank)} == {
        (("body", "title"), "title_empty"),
        (("body", "body"), "body_empty"),
    }
    two_lines = await service.put(url, json={"title": "Summer\u2028hours", "body": "ok"}, headers=staff)
    assert [(e["loc"], e["type"]) for e in error_fields(two_lines)] == [(["body", "title"], "title_control_character")]
    too_long = await service.put(url, json={"title": "Summer", "body": "x" * 2001}, headers=staff)
    assert [e["loc"] for e in error_fields(too_long)] == [["body", "body"]]
    assert await _page(service, staff) == [post]


async def test_members_may_not_change_posts_and_another_studios_post_is_not_found(service: Any, tokens: Any) -> None:
    studio = uuid.uuid4()
    staff = tokens.headers(studio_id=studio, role="employee")
    post = await _post(service, staff, "Summer hours")
    url = f"/info-posts/{post['post_id']}"
    change = {"title": "Hijacked", "body": "..."}
    member = tokens.headers(studio_id=studio, role="member", member_id=uuid.uuid4())
    other_staff = tokens.headers(studio_id=uuid.uuid4(), role="admin")

    assert (await service.put(url, json=change, headers=member)).status_code == 403
    assert (await service.delete(url, headers=member)).status_code == 403
    assert problem(await service.put(url, json=change, headers=other_staff), 404)["code"] == "info_post_not_found"
    assert problem(await service.delete(url, headers=other_staff), 404)["code"] == "info_post_not_found"
    assert await _page(service, staff) == [post]
