"""A member may only touch their own data: another member's subscriptions, payment state and mandate are not
found for them (404, as for a member id nobody has), never "forbidden"; the member themself and staff see them."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

pytestmark = pytest.mark.integration

OWN_DATA = ["/members/{id}/subscriptions", "/members/{id}/payment-state"]


@pytest.mark.parametrize("route", OWN_DATA)
async def test_another_members_data_is_not_found_for_a_member(
    client: Any, tokens: Any, add_member: Any, route: str
) -> None:
    studio, other = uuid.uuid4(), uuid.uuid4()
    member = await add_member(studio)
    path = route.format(id=member)
    someone_else = tokens.headers(studio_id=studio, role="member", member_id=other)
    themself = tokens.headers(studio_id=studio, role="member", member_id=member)
    staff = tokens.headers(studio_id=studio, role="employee")

    assert (await client.get(path, headers=someone_else)).status_code == 404
    assert (await client.get(path, headers=themself)).status_code == 200
    assert (await client.get(path, headers=staff)).status_code == 200


async def test_a_member_cannot_start_a_stripe_subscription_for_another_member(client: Any, tokens: Any) -> None:
    studio = uuid.uuid4()
    someone_else = tokens.headers(studio_id=studio, role="member", member_id=uuid.uuid4())
    body = {"member_id": str(uuid.uuid4()), "plan_id": str(uuid.uuid4()), "start_date": "2027-01-01"}
    assert (await client.post("/stripe/subscriptions", json=body, headers=someone_else)).status_code == 404
