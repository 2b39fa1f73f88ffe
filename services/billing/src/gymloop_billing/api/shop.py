"""Shop products and purchases."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Literal

from fastapi import APIRouter, Request
from fastapi.responses import Response
from gymloop_kit.app import Session, runtime_of
from gymloop_kit.auth import Admin, AnyUser, Staff
from gymloop_kit.bounds import Int32
from gymloop_kit.idempotency import Idempotency
from pydantic import BaseModel, ConfigDict, Field

from gymloop_billing.service import shop
from gymloop_billing.service.stripe_gateway import StripeGateway

router = APIRouter(tags=["shop"])


class ProductIn(BaseModel):
    name: str
    price_cents: Int32
    currency: str = "EUR"
    description: str = ""


class ProductChangeIn(BaseModel):
    name: str
    price_cents: Int32
    description: str = ""


class ProductActiveIn(BaseModel):
    active: bool = Field(description="false: no longer sold (past purchases keep their price); true: sold again")


class ProductOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    name: str
    price_cents: int
    currency: str
    active: bool
    description: str


class PurchaseIn(BaseModel):
    purchase_id: uuid.UUID | None = Field(
        default=None,
        description=(
            "Chosen by the caller to make a retried request safe: the same purchase_id in a studio is one purchase. "
            "The purchase's id (the answer's id) is derived from it and the studio"
        ),
    )
    member_id: uuid.UUID
    product_id: uuid.UUID
    quantity: Int32 = 1
    purchased_on: date | None = None
    pay_with: Literal["default_method", "ideal"] = Field(
        default="default_method",
        description=(
            "Stripe studios: charge the member's default method at once, or iDEAL (EUR only): the answer's "
            "redirect_url is the member's bank; the purchase is paid once they approve it there"
        ),
    )
    return_url: str | None = Field(
        default=None, description="pay_with=ideal: the absolute URL the member comes back to after their bank"
    )
    ideal_bank: str | None = Field(default=None, description="pay_with=ideal: the member's bank, e.g. ing (optional)")


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
    payment_id: uuid.UUID | None = Field(default=None, description="Stripe studios: the payment charged at once")
    payment_status: str | None = Field(
        default=None, description="pending (SEPA debit or iDEAL: webhook to come) / succeeded / failed"
    )
    redirect_url: str | None = Field(
        default=None, description="iDEAL: send the member here to approve the payment at their bank"
    )


@router.post("/products", status_code=201, summary="Add a shop product or service (admin)")
async def create_product(body: ProductIn, principal: Admin, session: Session) -> ProductOut:
    """Admins only. A product or service sold at the desk, with its price and currency."""
    row = await shop.create_product(
        session,
        principal.studio_id,
        name=body.name,
        price_cents=body.price_cents,
        currency=body.currency,
        description=body.description,
    )
    return ProductOut.model_validate(row)


@router.put("/products/{product_id}", summary="Change a shop product's name, price and description (admin)")
async def update_product(
    product_id: uuid.UUID, body: ProductChangeIn, principal: Admin, session: Session
) -> ProductOut:
    """Admins only. Applies to purchases from now on: past purchases keep the name and price they were bought at.
    Another studio's product answers 404."""
    row = await shop.update_product(
        session,
        principal.studio_id,
        product_id,
        name=body.name,
        price_cents=body.price_cents,
        description=body.description,
    )
    return ProductOut.model_validate(row)


@router.put(
    "/products/{product_id}/active",
    operation_id="setProductActive",
    summary="Stop or resume selling a shop product (admin)",
)
async def set_product_active(
    product_id: uuid.UUID, body: ProductActiveIn, principal: Admin, session: Session
) -> ProductOut:
    """Admins only. A deactivated product is refused at the desk (422 product_inactive); it stays listed, and its
    past purchases keep their price."""
    return ProductOut.model_validate(
        await shop.set_product_active(session, principal.studio_id, product_id, body.active)
    )


@router.get("/products", summary="Shop products of the studio")
async def list_products(principal: AnyUser, session: Session) -> list[ProductOut]:
    """Every product of the studio; any role may read them."""
    return [ProductOut.model_validate(row) for row in await shop.list_products(session, principal.studio_id)]


@router.post(
    "/purchases",
    status_code=201,
    summary="Record a purchase for a member; PurchaseRecorded; in a Stripe studio charged at once (or iDEAL)",
    response_model=PurchaseOut,
)
async def record_purchase(body: PurchaseIn, request: Request, principal: Staff, idempotency: Idempotency) -> Response:
    """Staff only. Records what the member bought; in a SEPA studio it is collected with the next payment run, in a
    Stripe studio it is charged at once (or answered with an iDEAL redirect). Publishes PurchaseRecorded. A retry
    with the same Idempotency-Key gets the first answer (409 idempotency_key_in_progress while the first is still at
    work) and records nothing more."""
    database = runtime_of(request).database
    async with idempotency.held(database) as key:
        if key.replayed is not None:
            return key.replayed
        return await key.answer(await _buy(body, request, principal.studio_id), status_code=201)


async def _buy(body: PurchaseIn, request: Request, studio_id: uuid.UUID) -> PurchaseOut:
    # its own short transactions around the Stripe calls (never one open while Stripe answers)
    bought = await shop.buy(
        runtime_of(request).database,
        StripeGateway(request.app.state.billing_settings),
        studio_id,
        member_id=body.member_id,
        product_id=body.product_id,
        quantity=body.quantity,
        purchased_on=body.purchased_on,
        purchase_id=body.purchase_id,
        pay_with_ideal=body.pay_with == "ideal",
        return_url=body.return_url,
        ideal_bank=body.ideal_bank,
    )
    out = PurchaseOut.model_validate(bought.purchase)
    if bought.payment is not None:
        out.payment_id, out.payment_status = bought.payment.id, bought.payment.status
        out.redirect_url = bought.redirect_url
    return out
