"""Shop products and purchases."""

from __future__ import annotations

import uuid
from datetime import date

from gymloop_contracts.events.billing import PurchaseRecorded
from gymloop_kit.errors import InvalidInput, NotFound
from gymloop_kit.messaging.outbox import add_event
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from gymloop_billing.db.models import ProductRow, PurchaseRow
from gymloop_billing.domain.collection import CollectionMethod
from gymloop_billing.domain.errors import DomainError
from gymloop_billing.domain.shop import Product, record_purchase
from gymloop_billing.service import members, studio
from gymloop_billing.service.errors import invalid

SETTLEMENT_BY_METHOD = {
    CollectionMethod.SEPA_EXPORT.value: "next_payment",
    CollectionMethod.STRIPE.value: "stripe",
    CollectionMethod.OFFLINE.value: "offline",
}


async def create_product(
    session: AsyncSession, studio_id: uuid.UUID, *, name: str, price_cents: int, currency: str
) -> ProductRow:
    try:
        product = Product(
            product_id=uuid.uuid4(), studio_id=studio_id, name=name.strip(), price_cents=price_cents, currency=currency
        )
    except DomainError as error:
        raise invalid(error) from error
    row = ProductRow(
        id=product.product_id,
        studio_id=studio_id,
        name=product.name,
        price_cents=product.price_cents,
        currency=product.currency,
        active=True,
    )
    session.add(row)
    await session.flush()
    return row


async def list_products(session: AsyncSession, studio_id: uuid.UUID) -> list[ProductRow]:
    statement = select(ProductRow).where(ProductRow.studio_id == studio_id).order_by(ProductRow.name)
    return list((await session.execute(statement)).scalars())


async def record(
    session: AsyncSession,
    studio_id: uuid.UUID,
    *,
    member_id: uuid.UUID,
    product_id: uuid.UUID,
    quantity: int,
    purchased_on: date,
) -> PurchaseRow:
    await members.get_member(session, studio_id, member_id)
    product_row = (
        await session.execute(select(ProductRow).where(ProductRow.id == product_id, ProductRow.studio_id == studio_id))
    ).scalar_one_or_none()
    if product_row is None:
        raise InvalidInput(
            f"product {product_id} does not exist in this studio", code="product_unknown", field="product_id"
        )
    product = Product(
        product_id=product_row.id,
        studio_id=studio_id,
        name=product_row.name,
        price_cents=product_row.price_cents,
        currency=product_row.currency,
        active=product_row.active,
    )
    try:
        purchase = record_purchase(
            purchase_id=uuid.uuid4(), product=product, member_id=member_id, quantity=quantity, purchased_on=purchased_on
        )
    except DomainError as error:
        raise invalid(error) from error
    settings = await studio.get_settings(session, studio_id)
    settlement = SETTLEMENT_BY_METHOD[settings.collection_method]
    row = PurchaseRow(
        id=purchase.purchase_id,
        studio_id=studio_id,
        member_id=member_id,
        product_id=product_id,
        product_name=purchase.product_name,
        quantity=purchase.quantity,
        unit_price_cents=purchase.unit_price_cents,
        currency=purchase.currency,
        purchased_on=purchase.purchased_on,
        settlement=settlement,
    )
    session.add(row)
    await session.flush()
    await add_event(
        session,
        PurchaseRecorded(
            purchase_id=row.id,
            member_id=member_id,
            product_id=product_id,
            product_name=row.product_name,
            quantity=row.quantity,
            unit_price_cents=row.unit_price_cents,
            currency=row.currency,
            settlement=settlement,
        ),
        studio_id=studio_id,
    )
    return row


async def get_product(session: AsyncSession, studio_id: uuid.UUID, product_id: uuid.UUID) -> ProductRow:
    row = (
        await session.execute(select(ProductRow).where(ProductRow.id == product_id, ProductRow.studio_id == studio_id))
    ).scalar_one_or_none()
    if row is None:
        raise NotFound("product not found")
    return row
