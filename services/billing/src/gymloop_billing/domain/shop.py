"""Shop products/services and purchases; a period's purchases go into the member's next charge."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from uuid import UUID

from gymloop_billing.domain.errors import DomainError
from gymloop_billing.domain.money import validate_cents, validate_currency

MAX_QUANTITY = 1000
MAX_TOTAL_CENTS = 2**31 - 1  # a payment's amount is an `integer` column
MAX_NAME_LENGTH = 200
MAX_DESCRIPTION_LENGTH = 2000


@dataclass(frozen=True, slots=True)
class Product:
    product_id: UUID
    studio_id: UUID
    name: str
    price_cents: int
    currency: str = "EUR"
    active: bool = True
    description: str = ""

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name.strip():
            raise DomainError(code="product_name_required", field="name", message="give the product a name")
        if len(self.name) > MAX_NAME_LENGTH:
            raise DomainError(
                code="product_name_too_long",
                field="name",
                message=f"the name has {len(self.name)} characters: shorten it to {MAX_NAME_LENGTH}",
            )
        if len(self.description) > MAX_DESCRIPTION_LENGTH:
            raise DomainError(
                code="product_description_too_long",
                field="description",
                message=f"the description has {len(self.description)} characters: shorten it to "
                f"{MAX_DESCRIPTION_LENGTH}",
            )
        validate_cents(self.price_cents, "price_cents")
        validate_currency(self.currency)


@dataclass(frozen=True, slots=True)
class Purchase:
    """A sale; the unit price is copied from the product at the time, so later price changes
    do not alter what the member owes."""

    purchase_id: UUID
    studio_id: UUID
    member_id: UUID
    product_id: UUID
    product_name: str
    quantity: int
    unit_price_cents: int
    currency: str
    purchased_on: date

    def __post_init__(self) -> None:
        if isinstance(self.quantity, bool) or not isinstance(self.quantity, int) or self.quantity < 1:
            raise DomainError(
                code="quantity_invalid", field="quantity", message="quantity must be a whole number of 1 or more"
            )
        if self.quantity > MAX_QUANTITY:
            raise DomainError(
                code="quantity_too_large",
                field="quantity",
                message=f"quantity {self.quantity} is more than {MAX_QUANTITY}: check for a typo",
            )
        validate_cents(self.unit_price_cents, "unit_price_cents")
        validate_currency(self.currency)
        if self.total_cents > MAX_TOTAL_CENTS:
            raise DomainError(
                code="purchase_total_too_large",
                field="quantity",
                message=f"{self.quantity} x {self.unit_price_cents} cents is more than one payment can hold "
                f"({MAX_TOTAL_CENTS} cents): sell fewer at once",
            )

    @property
    def total_cents(self) -> int:
        return self.quantity * self.unit_price_cents


def record_purchase(
    *, purchase_id: UUID, product: Product, member_id: UUID, quantity: int, purchased_on: date
) -> Purchase:
    """Sell `quantity` of `product` to a member at today's product price."""
    if not product.active:
        raise DomainError(
            code="product_inactive",
            field="product_id",
            message=f"product {product.name!r} is no longer sold: reactivate it or pick another",
        )
    return Purchase(
        purchase_id=purchase_id,
        studio_id=product.studio_id,
        member_id=member_id,
        product_id=product.product_id,
        product_name=product.name,
        quantity=quantity,
        unit_price_cents=product.price_cents,
        currency=product.currency,
        purchased_on=purchased_on,
    )


def purchases_by_member(
    purchases: Iterable[Purchase], period_start: date, period_end: date
) -> dict[UUID, list[Purchase]]:
    """Purchases made in [period_start, period_end] (inclusive), grouped per member."""
    if period_end < period_start:
        raise DomainError(code="period_invalid", field="period_end", message="the period ends before it starts")
    grouped: dict[UUID, list[Purchase]] = defaultdict(list)
    for purchase in purchases:
        if period_start <= purchase.purchased_on <= period_end:
            grouped[purchase.member_id].append(purchase)
    return dict(grouped)
