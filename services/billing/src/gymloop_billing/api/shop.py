"""Shop products and purchases."""

from __future__ import annotations

import uuid
from datetime import date

from fastapi import APIRouter
from gymloop_kit.app import Session
from gymloop_kit.auth import Admin, AnyUser, Staff
from pydantic import BaseModel, ConfigDict

from gymloop_billing.api.deps import today
from gymloop_billing.service import shop

router = APIRouter(tags=["shop"])


class ProductIn(BaseModel):
    name: str
    price_cents: int
    currency: str = "EUR"


class ProductOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    name: str
    price_cents: int
    currency: str
    active: bool


class PurchaseIn(BaseModel):
    member_id: uuid.UUID
    product_id: uuid.UUID
    quantity: int = 1
    purchased_on: date | None = None


class PurchaseOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    member_id: uuid.UUID
    product_id: uuid.UUID
    product_name: str
    quantity: int
    unit_price_cents: int
    currency: str
    purchased_on: date
    settlement: str


@router.post("/products", status_code=201, summary="Add a shop product or service (admin)")
async def create_product(body: ProductIn, principal: Admin, session: Session) -> ProductOut:
    row = await shop.create_product(
        session, principal.studio_id, name=body.name, price_cents=body.price_cents, currency=body.currency
    )
    return ProductOut.model_validate(row)


@router.get("/products", summary="Shop products of the studio")
async def list_products(principal: AnyUser, session: Session) -> list[ProductOut]:
    return [ProductOut.model_validate(row) for row in await shop.list_products(session, principal.studio_id)]


@router.post("/purchases", status_code=201, summary="Record a purchase for a member; publishes PurchaseRecorded")
async def record_purchase(body: PurchaseIn, principal: Staff, session: Session) -> PurchaseOut:
    row = await shop.record(
        session,
        principal.studio_id,
        member_id=body.member_id,
        product_id=body.product_id,
        quantity=body.quantity,
        purchased_on=body.purchased_on or today(),
    )
    return PurchaseOut.model_validate(row)
