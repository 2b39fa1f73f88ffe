"""The billing pages: payment runs (list, create for a collection date, the problems per member by name, the
pain.008 file), the overdue members and their payments with the bank's answer. Billing keeps every rule; a
refused form shows billing's errors next to its controls."""

from __future__ import annotations

import asyncio
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response

from gymloop_web.billing_reads import overdue_members, payments_table
from gymloop_web.deps import AdminSession, GatewayDep, StaffSession
from gymloop_web.downloads import passed_on
from gymloop_web.gateway import ApiError, Gateway, items_of, total_of
from gymloop_web.reads import refusal
from gymloop_web.rendering import render
from gymloop_web.session import WebSession

router = APIRouter()

RUNS_PAGE_SIZE = 10


async def billing_page(
    request: Request,
    session: WebSession,
    gateway: Gateway,
    offset: int = 0,
    error: ApiError | None = None,
    values: dict[str, str] | None = None,
    acted_on: str | None = None,
) -> Response:
    """`values`: what the refused run form held; `acted_on`: the payment a refused bank answer was for."""
    runs, overdue = await asyncio.gather(
        gateway.call(
            session, "GET", "/api/v1/billing/payment-runs", params={"limit": RUNS_PAGE_SIZE, "offset": offset}
        ),
        overdue_members(gateway, session),
    )
    return render(
        request,
        "billing.html",
        error.status if error else 200,
        runs=items_of(runs),
        total=total_of(runs),
        offset=offset,
        page_size=RUNS_PAGE_SIZE,
        overdue=overdue,
        payments=await payments_table(gateway, session, overdue),
        error=error,
        values=values or {},
        acted_on=acted_on,
        new_key=str(uuid.uuid4()),
    )


@router.get("/billing")
async def billing(
    request: Request,
    session: StaffSession,
    gateway: GatewayDep,
    offset: Annotated[int, Query(ge=0, le=2_000_000_000)] = 0,
) -> Response:
    return await billing_page(request, session, gateway, offset)


@router.post("/billing/runs")
async def create_run(
    request: Request,
    session: AdminSession,
    gateway: GatewayDep,
    collection_date: Annotated[str, Form()] = "",
    period_label: Annotated[str, Form()] = "",
    idempotency_key: Annotated[str, Form()] = "",
) -> Response:
    """The form's key (new with every page) makes a double click one run."""
    headers = {"Idempotency-Key": idempotency_key} if idempotency_key else None
    body = {"collection_date": collection_date, "period_label": period_label}
    created: dict[str, Any] = {}

    async def create() -> None:
        created.update(await gateway.call(session, "POST", "/api/v1/billing/payment-runs", json=body, headers=headers))

    if error := await refusal(create()):
        return await billing_page(request, session, gateway, error=error, values=body)
    return RedirectResponse(f"/billing/runs/{created['id']}", status_code=303)


@router.get("/billing/runs/{run_id}")
async def payment_run(request: Request, run_id: uuid.UUID, session: StaffSession, gateway: GatewayDep) -> Response:
    run = await gateway.call(session, "GET", f"/api/v1/billing/payment-runs/{run_id}")
    return render(request, "payment_run.html", run=run)


@router.get("/billing/runs/{run_id}/file")
async def payment_run_file(run_id: uuid.UUID, session: AdminSession, gateway: GatewayDep) -> Response:
    """The pain.008 XML to upload to the bank, as billing made it."""
    return passed_on(await gateway.download(session, f"/api/v1/billing/payment-runs/{run_id}/file"))


@router.post("/billing/payments/{payment_id}/bank-answer")
async def bank_answer(
    request: Request,
    payment_id: uuid.UUID,
    session: StaffSession,
    gateway: GatewayDep,
    outcome: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
) -> Response:
    body = {"succeeded": outcome == "succeeded", "reason": reason or None}
    answer = gateway.call(session, "POST", f"/api/v1/billing/payments/{payment_id}/bank-answer", json=body)
    if error := await refusal(answer):
        return await billing_page(request, session, gateway, error=error, acted_on=str(payment_id))
    return RedirectResponse("/billing#payments", status_code=303)


@router.post("/billing/payments/{payment_id}/paid-otherwise")
async def paid_otherwise(
    request: Request, payment_id: uuid.UUID, session: StaffSession, gateway: GatewayDep
) -> Response:
    """The member paid at the desk or by transfer: the payment clears and so does their overdue state."""
    answer = gateway.call(session, "POST", f"/api/v1/billing/payments/{payment_id}/paid-by-other-means")
    if error := await refusal(answer):
        return await billing_page(request, session, gateway, error=error, acted_on=str(payment_id))
    return RedirectResponse("/billing#payments", status_code=303)
