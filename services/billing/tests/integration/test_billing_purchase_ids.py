"""A caller-chosen purchase_id is a key within the caller's studio: one another studio already used is as new
here as any other (201, a purchase of this studio), so no answer tells that it exists elsewhere; the other
studio's purchase is untouched. The same purchase_id again in the same studio is still one purchase."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

pytestmark = pytest.mark.integration


async def test_a_purchase_id_another_studio_used_answers_like_a_new_one(
    client: Any, tokens: Any, add_member: Any, sql: Any
) -> None:
    studio_a, studio_b = uuid.uuid4(), uuid.uuid4()
    admin_a = tokens.headers(studio_id=studio_a, role="admin")
    admin_b = tokens.headers(studio_id=studio_b, role="admin")
    used_by_a, never_used = uuid.uuid4(), uuid.uuid4()
    product_b = await client.post("/products", json={"name": "Shake", "price_cents": 350}, headers=admin_b)
    member_b = str(await add_member(studio_b))

    async def purchase(admin: dict[str, str], purchase_id: uuid.UUID, member: str, product: str) -> Any:
        body = {"purchase_id": str(purchase_id), "member_id": member, "product_id": product}
        return await client.post("/purchases", json=body, headers=admin)

    product_a = await client.post("/products", json={"name": "Bar", "price_cents": 250}, headers=admin_a)
    own = await purchase(admin_a, used_by_a, str(await add_member(studio_a)), product_a.json()["id"])
    assert own.status_code == 201, own.text
    a_before = await sql("SELECT id, member_id, product_id FROM purchase WHERE studio_id = :s", s=studio_a)

    reused = await purchase(admin_b, used_by_a, member_b, product_b.json()["id"])
    fresh = await purchase(admin_b, never_used, member_b, product_b.json()["id"])

    assert (reused.status_code, fresh.status_code) == (201, 201), reused.text
    assert reused.json().keys() == fresh.json().keys()
    assert reused.json()["id"] != own.json()["id"]
    assert await sql("SELECT count(*) FROM purchase WHERE studio_id = :s", s=studio_b) == [(2,)]
    assert await sql("SELECT id, member_id, product_id FROM purchase WHERE studio_id = :s", s=studio_a) == a_before
    again = await purchase(admin_b, used_by_a, member_b, product_b.json()["id"])
    assert (again.status_code, again.json()["id"]) == (201, reused.json()["id"])  # a retry: the same purchase
    assert await sql("SELECT count(*) FROM purchase WHERE studio_id = :s", s=studio_b) == [(2,)]
