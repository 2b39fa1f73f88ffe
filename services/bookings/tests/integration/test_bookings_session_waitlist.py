"""A session's waitlist as staff see it, through HTTP on real PostgreSQL: in line order with places from 1 and the
members' names, paged, following who leaves; staff only, and another studio's session is not found."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from gymloop_devstack.testing import problem

pytestmark = pytest.mark.integration


async def test_staff_read_a_sessions_waitlist_in_line_order_a_page_at_a_time(make_studio, client):
    studio = await make_studio()
    session_id = await studio.session(starts_in=timedelta(days=2), capacity=1)
    booker, first, second, third = (uuid.uuid4() for _ in range(4))
    for member in (booker, first, second, third):
        await studio.grant(member, credits=3)
    await studio.person(first, "Fenna", "Bos", role="member")
    assert (await studio.sign_up(session_id, booker)).status_code == 201
    for member in (first, second, third):
        assert (await studio.sign_up(session_id, member)).status_code == 202

    async def waitlist(**page: int) -> dict:  # type: ignore[type-arg]
        answer = await client.get(f"/sessions/{session_id}/waitlist", params=page, headers=studio.staff)
        assert answer.status_code == 200, answer.text
        return answer.json()

    whole = await waitlist()
    assert [(w["member_id"], w["position"]) for w in whole["items"]] == [
        (str(first), 1), (str(second), 2), (str(third), 3),
    ]  # fmt: skip
    assert whole["total"] == 3
    assert [w["name"] for w in whole["items"]] == ["Fenna Bos", "", ""]  # bookings knows Fenna's name only
    second_page = await waitlist(limit=2, offset=2)
    assert [(w["member_id"], w["position"]) for w in second_page["items"]] == [(str(third), 3)]
    assert (second_page["total"], second_page["limit"], second_page["offset"]) == (3, 2, 2)

    left = await client.delete(f"/sessions/{session_id}/waitlist/{first}", headers=studio.member(first))
    assert left.status_code == 204, left.text
    assert [(w["member_id"], w["position"]) for w in (await waitlist())["items"]] == [
        (str(second), 1), (str(third), 2),
    ]  # fmt: skip

    as_member = await client.get(f"/sessions/{session_id}/waitlist", headers=studio.member(second))
    problem(as_member, 403)
    other = await make_studio()
    problem(await client.get(f"/sessions/{session_id}/waitlist", headers=other.staff), 404)
    problem(await client.get(f"/sessions/{uuid.uuid4()}/waitlist", headers=studio.staff), 404)
