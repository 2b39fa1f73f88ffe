from __future__ import annotations

from datetime import date
from uuid import uuid4

import pytest
from gymloop_billing.domain.errors import DomainError
from gymloop_billing.domain.shop import Product, Purchase, purchases_by_member, record_purchase

pytestmark = pytest.mark.unit

STUDIO = uuid4()


def product(price: int = 250, active: bool = True) -> Product:
    return Product(product_id=uuid4(), studio_id=STUDIO, name="Protein shake", price_cents=price, active=active)


def test_purchase_copies_the_price_at_the_time() -> None:
    shake = product(price=250)
    member = uuid4()
    purchase = record_purchase(
        purchase_id=uuid4(), product=shake, member_id=member, quantity=3, purchased_on=date(2027, 4, 2)
    )
    assert purchase.unit_price_cents == 250
    assert purchase.total_cents == 750
    assert purchase.product_name == "Protein shake"
    assert purchase.studio_id == STUDIO


def test_inactive_product_cannot_be_sold() -> None:
    with pytest.raises(DomainError) as caught:
        record_purchase(
            purchase_id=uuid4(),
            product=product(active=False),
            member_id=uuid4(),
            quantity=1,
            purchased_on=date(2027, 4, 2),
        )
    assert caught.value.code == "product_inactive"


@pytest.mark.parametrize(
    ("quantity", "code"), [(0, "quantity_invalid"), (-2, "quantity_invalid"), (1001, "quantity_too_large")]
)
def test_quantity_rules(quantity: int, code: str) -> None:
    with pytest.raises(DomainError) as caught:
        record_purchase(
            purchase_id=uuid4(), product=product(), member_id=uuid4(), quantity=quantity, purchased_on=date(2027, 4, 2)
        )
    assert caught.value.code == code
    assert caught.value.field == "quantity"


def test_product_validation() -> None:
    with pytest.raises(DomainError) as caught:
        product(price=-5)
    assert caught.value.field == "price_cents"
    with pytest.raises(DomainError) as caught:
        Product(product_id=uuid4(), studio_id=STUDIO, name=" ", price_cents=100)
    assert caught.value.code == "product_name_required"


def test_free_product_allowed() -> None:
    assert product(price=0).price_cents == 0


def test_purchases_of_the_period_grouped_per_member() -> None:
    anna, bob = uuid4(), uuid4()
    shake = product()

    def buy(member: object, day: date) -> Purchase:
        return record_purchase(purchase_id=uuid4(), product=shake, member_id=member, quantity=1, purchased_on=day)  # type: ignore[arg-type]

    purchases = [
        buy(anna, date(2027, 3, 31)),
        buy(anna, date(2027, 4, 1)),
        buy(anna, date(2027, 4, 30)),
        buy(bob, date(2027, 4, 15)),
        buy(bob, date(2027, 5, 1)),
    ]
    grouped = purchases_by_member(purchases, date(2027, 4, 1), date(2027, 4, 30))
    assert [p.purchased_on for p in grouped[anna]] == [date(2027, 4, 1), date(2027, 4, 30)]
    assert [p.purchased_on for p in grouped[bob]] == [date(2027, 4, 15)]


def test_period_must_not_end_before_start() -> None:
    with pytest.raises(DomainError) as caught:
        purchases_by_member([], date(2027, 4, 30), date(2027, 4, 1))
    assert caught.value.code == "period_invalid"
