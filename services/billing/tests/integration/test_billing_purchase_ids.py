"""A caller-chosen purchase_id already used by another studio is not found for this studio (404, as any id the
studio does not know), never a conflict that would tell it the id exists elsewhere; nothing is written."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from gymloop_devstack.testing import error_fields, problem

pytestmark = pytest.mark.integration


async def test_another_studios_purchase_id_is_not_found(client: Any, tokens: Any, add_member: Any, sql: Any) -> None:
    studio_a, studio_b = uuid.uuid4(), uuid.uuid4()
    admin_a = tokens.headers(studio_id=studio_a, role="admin")
    admin_b = tokens.headers(studio_id=studio_b, role="admin")
    purchase_id = uuid.uuid4()

    async def purchase(admin: dict[str, str], studio: uuid.UUID) -> Any:
        product = await client.post("/products", json={"name": "Shake", "price_cents": 350}, headers=admin)
        assert product.status_code == 201, product.text
        body = {"purchase_id": str(purchase_id), "member_id": str(await add_member(studio))}
        return await client.post("/purchases", json={**body, "product_id": product.json()["id"]}, headers=admin)

    own = await purchase(admin_a, studio_a)
    assert own.status_code == 201, own.text
    before = await sql("SELECT count(*) FROM purchase")

    other = await purchase(admin_b, studio_b)

    body = problem(other, 404)
    assert body["code"] == "purchase_not_found"
    assert error_fields(other)[0]["loc"] == ["body", "purchase_id"]
    assert await sql("SELECT count(*) FROM purchase") == before
    assert await sql("SELECT count(*) FROM purchase WHERE studio_id = :s", s=studio_b) == [(0,)]
