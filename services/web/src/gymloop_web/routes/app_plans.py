"""The member app's plan shop (under /app/plans): the studio's plans, and choosing one the way the studio collects.

- A SEPA studio: IBAN, account holder and the mandate text to accept (an e-mandate), then the plan starts.
- A Stripe studio: a recurring plan becomes a Stripe subscription on the member's card or SEPA debit; a session
  pack is a one-off payment (the registered card, a SEPA debit, or iDEAL at the member's bank) and its credits come
  when Stripe's webhook says it is paid: the payment page polls (htmx) until then.

Billing decides; these pages only ask it. Which way a studio collects: billing's mandate text answers for a SEPA
studio and refuses with not_sepa for a Stripe one (a member may not read the studio's billing settings)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response

from gymloop_web.deps import GatewayDep, MemberSession
from gymloop_web.gateway import ApiError, Gateway
from gymloop_web.rendering import render
from gymloop_web.routes.app_member import absolute_url, account_of, rules_of
from gymloop_web.routes.auth import see_other
from gymloop_web.session import WebSession

router = APIRouter()

PAY_WAYS = ("card", "sepa_debit", "ideal")
RECURRING_PAY_WAYS = ("card", "sepa_debit")  # iDEAL is one-off only


@dataclass(frozen=True)
class Collection:
    """How the member's studio collects: `mandate` is the text to accept in a SEPA studio, None in a Stripe one."""

    mandate: dict[str, Any] | None

    @property
    def sepa(self) -> bool:
        return self.mandate is not None


async def collection_of(gateway: Gateway, session: WebSession) -> Collection:
    try:
        text = await gateway.call(session, "GET", f"/api/v1/billing/members/{session.member_id}/sepa-mandate-text")
    except ApiError as error:
        if error.code != "not_sepa":
            raise
        return Collection(mandate=None)
    return Collection(mandate=text if isinstance(text, dict) else None)


def browser_headers(request: Request) -> dict[str, str]:
    """The member's own browser signs a mandate: billing keeps its User-Agent with the consent."""
    agent = request.headers.get("user-agent")
    return {"User-Agent": agent} if agent else {}


def on_the_form(error: ApiError, names: tuple[str, ...]) -> ApiError:
    """A field error is shown next to its field; one about a field this form does not have goes to the top."""
    for name in [name for name in error.fields if name not in names]:
        error.general.append(error.fields.pop(name))
    return error


def key_or_new(value: str) -> str:
    """The form's Idempotency-Key (a double tap buys once), or a new one for a form that had none."""
    try:
        return str(uuid.UUID(value))
    except ValueError:
        return str(uuid.uuid4())


@dataclass
class MandateForm:
    """The e-mandate's form (app/_mandate_form.html): with a plan in a SEPA studio, or for a changed IBAN."""

    iban: Annotated[str, Form()] = ""
    account_holder: Annotated[str, Form()] = ""
    mandate_accepted: Annotated[str, Form()] = ""
    mandate_text_version: Annotated[str, Form()] = ""
    idempotency_key: Annotated[str, Form()] = ""

    @property
    def shown(self) -> dict[str, str]:
        """What the form shows again after a refusal."""
        return {"iban": self.iban, "account_holder": self.account_holder}

    async def send(
        self, request: Request, gateway: Gateway, session: WebSession, path: str, **more: str
    ) -> ApiError | None:
        """The member's consent to billing's `path` (with `more` in the body): None once signed, else the refusal
        as the form shows it."""
        body = {"iban": self.iban, "account_holder": self.account_holder,
                "mandate_accepted": self.mandate_accepted == "yes", "mandate_text_version": self.mandate_text_version,
                **more}  # fmt: skip
        headers = {"Idempotency-Key": key_or_new(self.idempotency_key), **browser_headers(request)}
        try:
            await gateway.call(session, "POST", path, json=body, headers=headers)
        except ApiError as error:
            if error.status >= 500 or error.status in (401, 403):
                raise
            return on_the_form(error, ("iban", "account_holder", "mandate_accepted"))
        return None


@router.get("/app/plans")
async def plans(request: Request, session: MemberSession, gateway: GatewayDep) -> Response:
    """The plans the studio offers its members (billing answers visible, active ones only)."""
    offered = await gateway.call(session, "GET", "/api/v1/billing/plans")
    return render(request, "app/plans.html", plans=offered if isinstance(offered, list) else [])


async def _plan_page(
    request: Request,
    session: WebSession,
    gateway: Gateway,
    plan_id: uuid.UUID,
    *,
    form: dict[str, str] | None = None,
    error: ApiError | None = None,
    status_code: int = 200,
) -> Response:
    plan = await gateway.call(session, "GET", f"/api/v1/billing/plans/{plan_id}")
    collection = await collection_of(gateway, session)
    pack = plan.get("kind") == "session_pack"
    return render(
        request,
        "app/plan.html",
        status_code,
        plan=plan,
        mandate=collection.mandate,
        pay_ways=() if collection.sepa else PAY_WAYS if pack else RECURRING_PAY_WAYS,
        form=form or {"pay_with": "card"},
        idempotency_key=str(uuid.uuid4()),
        error=error,
    )


@router.get("/app/plans/{plan_id}")
async def plan_page(request: Request, plan_id: uuid.UUID, session: MemberSession, gateway: GatewayDep) -> Response:
    """One plan and its form: the e-mandate in a SEPA studio, the ways to pay in a Stripe studio."""
    return await _plan_page(request, session, gateway, plan_id)


@router.post("/app/plans/{plan_id}/sepa")
async def choose_by_sepa(
    request: Request,
    plan_id: uuid.UUID,
    session: MemberSession,
    gateway: GatewayDep,
    form: Annotated[MandateForm, Depends()],
) -> Response:
    """billing's POST /members/{id}/sepa-subscriptions: the e-mandate and the plan together, or a field error."""
    path = f"/api/v1/billing/members/{session.member_id}/sepa-subscriptions"
    error = await form.send(request, gateway, session, path, plan_id=str(plan_id))
    if error is not None:
        return await _plan_page(
            request, session, gateway, plan_id, form=form.shown, error=error, status_code=error.status
        )
    return see_other("/app/membership?notice=plan_chosen")


async def _register_sepa_debit(
    request: Request, session: WebSession, gateway: Gateway, iban: str, account_holder: str
) -> None:
    """The member's SEPA debit as their Stripe payment method (Stripe keeps the mandate's online acceptance)."""
    body = {"type": "sepa_debit", "iban": iban, "account_holder": account_holder}
    await gateway.call(
        session, "PUT", f"/api/v1/billing/members/{session.member_id}/stripe/payment-method", json=body,
        headers=browser_headers(request),
    )  # fmt: skip


@router.post("/app/plans/{plan_id}/pay")
async def pay(
    request: Request,
    plan_id: uuid.UUID,
    session: MemberSession,
    gateway: GatewayDep,
    pay_with: Annotated[str, Form()] = "",
    iban: Annotated[str, Form()] = "",
    account_holder: Annotated[str, Form()] = "",
    idempotency_key: Annotated[str, Form()] = "",
) -> Response:
    """A Stripe studio. A pack: billing's POST /members/{id}/pack-payments (iDEAL: this answer links to the bank,
    which sends the member back to the payment's page); a recurring plan: POST /stripe/subscriptions on the
    member's method."""
    form = {"pay_with": pay_with, "iban": iban, "account_holder": account_holder}
    key = {"Idempotency-Key": key_or_new(idempotency_key)}
    try:
        plan = await gateway.call(session, "GET", f"/api/v1/billing/plans/{plan_id}")
        pack = plan.get("kind") == "session_pack"
        if pay_with not in (PAY_WAYS if pack else RECURRING_PAY_WAYS):
            message = request.app.state.t("app.pay.choose_way")
            raise ApiError(422, "pay_with_unknown", message, fields={"pay_with": message})
        if pay_with == "sepa_debit":
            await _register_sepa_debit(request, session, gateway, iban, account_holder)
        if not pack:
            today = datetime.now(UTC).astimezone((await rules_of(gateway, session)).zone).date()
            body = {"member_id": session.member_id, "plan_id": str(plan_id), "start_date": today.isoformat()}
            await gateway.call(session, "POST", "/api/v1/billing/stripe/subscriptions", json=body, headers=key)
            return see_other("/app/membership?notice=plan_chosen")
        bought = await gateway.call(
            session, "POST", f"/api/v1/billing/members/{session.member_id}/pack-payments", headers=key,
            json={"plan_id": str(plan_id), "pay_with": "ideal" if pay_with == "ideal" else "default_method",
                  "return_url": absolute_url(request, "/app/payments/returned")},
        )  # fmt: skip
    except ApiError as error:
        if error.status >= 500 or error.status in (401, 403):
            raise
        shown = on_the_form(error, ("pay_with", "iban", "account_holder"))
        return await _plan_page(request, session, gateway, plan_id, form=form, error=shown, status_code=error.status)
    session.pack_payment_id = str(bought["payment_id"])  # where the bank's redirect comes back to
    if bought.get("redirect_url"):
        # a link, not a redirect: the CSP's form-action 'self' stops a form's answer from leaving for the bank
        return render(request, "app/to_bank.html", bank_url=str(bought["redirect_url"]))
    return see_other(f"/app/payments/{bought['payment_id']}")


@router.get("/app/payments/returned")
async def returned_from_bank(session: MemberSession) -> Response:
    """iDEAL's return address: the member's latest pack payment (the bank's query says nothing we trust)."""
    if not session.pack_payment_id:
        return see_other("/app/membership")
    return see_other(f"/app/payments/{session.pack_payment_id}")


@router.get("/app/payments/{payment_id}")
async def payment_page(
    request: Request, payment_id: uuid.UUID, session: MemberSession, gateway: GatewayDep
) -> Response:
    """A pack payment: pending until Stripe's webhook settles it and bookings has the credits, then the credits.
    htmx asks again every few seconds for the part that changes (the same route, HX-Request: the part only)."""
    payment = await gateway.call(
        session, "GET", f"/api/v1/billing/members/{session.member_id}/pack-payments/{payment_id}"
    )
    account = await account_of(gateway, session) if payment["status"] == "succeeded" else {}
    granted = any(e.get("subscription_id") == payment.get("subscription_id") for e in account.get("entitlements", []))
    state = "pending" if payment["status"] == "pending" or (payment["status"] == "succeeded" and not granted) else (
        "granted" if payment["status"] == "succeeded" else "failed"
    )  # fmt: skip
    template = "app/_payment_state.html" if request.headers.get("hx-request") else "app/payment.html"
    return render(request, template, payment=payment, state=state, credits=account.get("credits_left"))
