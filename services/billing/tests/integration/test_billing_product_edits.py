"""Shop products can be changed and deactivated: a change applies from then on (past purchases keep the name and
price they were bought at), a deactivated product is no longer sold, bad input changes nothing, and another
studio's product is not found."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from gymloop_devstack.testing import error_fields, problem

pytestmark = pytest.mark.integration


async def _product(client: Any, admin: dict[str, str]) -> dict[str, Any]:
    created = await client.post(
        "/products", json={"name": "Shake", "price_cents": 350, "description": "Whey, 30 g"}, headers=admin
    )
    assert created.status_code == 201, created.text
    assert created.json()["description"] == "Whey, 30 g"
    product: dict[str, Any] = created.json()
    return product


async def _buy(client: Any, admin: dict[str, str], member_id: uuid.UUID, product_id: str) -> Any:
    body = {"member_id": str(member_id), "product_id": product_id, "purchased_on": "2026-10-07"}
    return await client.post("/purchases", json=body, headers=admin)


async def test_a_changed_product_sells_at_its_new_price_and_past_purchases_keep_theirs(
    client: Any, tokens: Any, add_member: Any, sql: Any
) -> None:
    studio = uuid.uuid4()
    admin = tokens.headers(studio_id=studio, role="admin")
    member_id = await add_member(studio)
    product = await _product(client, admin)
    first = await _buy(client, admin, member_id, product["id"])
    assert first.status_code == 201, first.text

    changed = await client.put(
        f"/products/{product['id']}",
        json={"name": "Protein shake", "price_cents": 400, "description": "Whey or vegan, 30 g"},
        headers=admin,
    )

    assert changed.status_code == 200, changed.text
    assert changed.json() | {"id": None} == {
        "id": None,
        "name": "Protein shake",
        "price_cents": 400,
        "currency": "EUR",
        "active": True,
        "description": "Whey or vegan, 30 g",
    }
    listed = (await client.get("/products", headers=admin)).json()
    assert [(p["name"], p["price_cents"], p["description"]) for p in listed] == [
        ("Protein shake", 400, "Whey or vegan, 30 g")
    ]
    second = await _buy(client, admin, member_id, product["id"])
    assert (second.json()["product_name"], second.json()["unit_price_cents"]) == ("Protein shake", 400)
    assert await sql(
        "SELECT product_name, unit_price_cents FROM purchase WHERE studio_id = :s ORDER BY unit_price_cents", s=studio
    ) == [("Shake", 350), ("Protein shake", 400)]


async def test_a_deactivated_product_is_no_longer_sold_and_its_purchases_stay(
    client: Any, tokens: Any, add_member: Any, sql: Any
) -> None:
    studio = uuid.uuid4()
    admin = tokens.headers(studio_id=studio, role="admin")
    member_id = await add_member(studio)
    product = await _product(client, admin)
    assert (await _buy(client, admin, member_id, product["id"])).status_code == 201

    off = await client.put(f"/products/{product['id']}/active", json={"active": False}, headers=admin)

    assert off.status_code == 200, off.text
    assert off.json()["active"] is False
    refused = await _buy(client, admin, member_id, product["id"])
    assert problem(refused, 422)["code"] == "product_inactive"
    assert error_fields(refused)[0]["loc"] == ["body", "product_id"]
    assert await sql("SELECT product_name, unit_price_cents FROM purchase WHERE studio_id = :s", s=studio) == [
        ("Shake", 350)
    ]
    on = await client.put(f"/products/{product['id']}/active", json={"active": True}, headers=admin)
    assert on.json()["active"] is True
    assert (await _buy(client, admin, member_id, product["id"])).status_code == 201


async def test_a_bad_change_is_a_field_error_and_changes_nothing(client: Any, tokens: Any) -> None:
    studio = uuid.uuid4()
    admin = tokens.headers(studio_id=studio, role="admin")
    product = await _product(client, admin)
    url = f"/products/{product['id']}"

    cases = [
        ({"name": "  ", "price_cents": 400}, "name", "product_name_required"),
        ({"name": "Shake", "price_cents": -1}, "price_cents", "amount_negative"),
        ({"name": "Shake", "price_cents": 400, "description": "x" * 2001}, "description", None),
    ]
    for body, field, code in cases:
        answer = await client.put(url, json=body, headers=admin)
        (error,) = error_fields(answer)
        assert answer.status_code == 422, answer.text
        assert error["loc"] == ["body", field], answer.text
        if code is not None:
            assert error["type"] == code
    assert (await client.get("/products", headers=admin)).json() == [product]


async def test_another_studios_product_is_not_found_and_staff_below_admin_may_not_change_it(
    client: Any, tokens: Any
) -> None:
    admin_a = tokens.headers(studio_id=uuid.uuid4(), role="admin")
    studio_b = uuid.uuid4()
    product = await _product(client, admin_a)
    change = {"name": "Mine now", "price_cents": 1}

    admin_b = tokens.headers(studio_id=studio_b, role="admin")
    edit = await client.put(f"/products/{product['id']}", json=change, headers=admin_b)
    assert problem(edit, 404)["code"] == "product_unknown"
    deactivate = await client.put(f"/products/{product['id']}/active", json={"active": False}, headers=admin_b)
    assert problem(deactivate, 404)["code"] == "product_unknown"
    employee = tokens.headers(studio_id=uuid.uuid4(), role="employee")
    assert (await client.put(f"/products/{product['id']}", json=change, headers=employee)).status_code == 403
    assert (await client.get("/products", headers=admin_a)).json() == [product]
