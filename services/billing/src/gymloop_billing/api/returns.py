"""Bank return files (camt.054, pain.002) of a payment run, and the studio's return policy."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from gymloop_kit import studio_clock
from gymloop_kit.app import Session
from gymloop_kit.auth import Admin, Staff
from gymloop_kit.errors import InvalidInput
from pydantic import BaseModel, Field

from gymloop_billing.db.models import StudioBillingRow
from gymloop_billing.domain.bank_returns import (
    DEFAULT_RETURN_ACTIONS,
    FALLBACK_ACTION,
    ReturnAction,
)
from gymloop_billing.service import returns, sepa, studio

router = APIRouter(tags=["sepa"])

XML_MEDIA_TYPES = ("application/xml", "text/xml")


class ReturnPolicyIn(BaseModel):
    actions: dict[str, ReturnAction] = Field(
        default_factory=dict,
        description="An action per ISO 20022 reason code, over the defaults: end_mandate, recollect or dispute",
    )
    max_recollections: int = Field(
        default=2, ge=0, le=12, description="How often a returned amount is collected again before overdue"
    )
    return_fee_cents: int = Field(default=0, ge=0, le=10_000, description="A fee charged per return (0: none)")


class ReturnPolicyOut(BaseModel):
    actions: dict[str, str] = Field(description="The action of every code the studio or the defaults name")
    other_codes: str = Field(description="The action of a code neither names")
    max_recollections: int
    return_fee_cents: int


class EntryOutcomeOut(BaseModel):
    position: int = Field(description="The entry's place in the file, from 1")
    end_to_end_id: str | None
    mandate_reference: str | None
    amount_cents: int | None
    reason_code: str | None
    result: str = Field(description="applied, unchanged (an earlier file said so) or unmatched (nothing changed)")
    action: str | None = Field(default=None, description="collected, end_mandate, recollect or dispute")
    detail: str | None = Field(default=None, description="What happened, or why the entry matches no payment")
    payment_id: uuid.UUID | None = None
    member_id: uuid.UUID | None = None


class ReturnFileReportOut(BaseModel):
    file_id: uuid.UUID
    kind: str = Field(description="camt.054 or pain.002")
    payment_run_id: uuid.UUID
    sha256: str
    entries: int
    applied: int
    already_applied: bool = Field(description="The same file was uploaded before: this upload changed nothing")
    unmatched: list[EntryOutcomeOut] = Field(description="Entries matching no payment of the run: check them by hand")
    outcomes: list[EntryOutcomeOut] = Field(description="Every entry of the file, in its order")


def _policy_out(row: StudioBillingRow) -> ReturnPolicyOut:
    actions = {code: action.value for code, action in DEFAULT_RETURN_ACTIONS.items()} | dict(row.return_actions)
    return ReturnPolicyOut(
        actions=dict(sorted(actions.items())),
        other_codes=FALLBACK_ACTION.value,
        max_recollections=row.max_recollections,
        return_fee_cents=row.return_fee_cents,
    )


@router.get("/return-policy", operation_id="getReturnPolicy", summary="What each bank reason code does")
async def get_return_policy(principal: Staff, session: Session) -> ReturnPolicyOut:
    """Staff only. The action per reason code (the studio's own over the defaults), how often a returned amount is
    collected again, and the return fee."""
    return _policy_out(await studio.get_settings(session, principal.studio_id))


@router.put("/return-policy", operation_id="setReturnPolicy", summary="Set what each bank reason code does (admin)")
async def put_return_policy(body: ReturnPolicyIn, principal: Admin, session: Session) -> ReturnPolicyOut:
    """Admins only. Codes not named keep the defaults (AC04, AC06, MD01, MD07 end the mandate; AM04, MS02, MS03 are
    collected again; MD06 is a dispute). Refused (422) before the studio's billing settings exist."""
    data = returns.ReturnPolicyInput(
        actions={code: action.value for code, action in body.actions.items()},
        max_recollections=body.max_recollections,
        return_fee_cents=body.return_fee_cents,
    )
    return _policy_out(await returns.put_return_policy(session, principal.studio_id, data))


@router.post(
    "/payment-runs/{run_id}/return-files",
    operation_id="applyReturnFile",
    status_code=201,
    summary="Apply the bank's camt.054 or pain.002 file of a payment run (admin)",
    response_model=ReturnFileReportOut,
    responses={200: {"description": "The same file was applied before: its report, nothing changed"}},
    openapi_extra={
        "requestBody": {
            "required": True,
            "description": "The file as the bank gave it",
            "content": {media: {"schema": {"type": "string", "format": "binary"}} for media in XML_MEDIA_TYPES},
        }
    },
)
async def apply_return_file(run_id: uuid.UUID, request: Request, principal: Admin, session: Session) -> Any:
    """Admins only. The body is the XML file. Each entry is matched to the run's payment by end-to-end id, mandate
    and amount; unmatched entries are listed and change nothing. A return does what the studio's return policy says
    for its reason code; a booked entry marks the payment collected. The same file again answers 200 with the first
    report and changes nothing."""
    run = await sepa.get_payment_run(session, principal.studio_id, run_id)  # another studio's run: 404
    if request.headers.get("content-type", "").split(";")[0].strip() not in XML_MEDIA_TYPES:
        raise InvalidInput("send the file as application/xml", code="return_file_media_type", field="file")
    content = await request.body()
    today = await studio_clock.today(session, principal.studio_id)
    applied = await returns.apply_return_file(session, run, content, today)
    report = ReturnFileReportOut(**applied.report, already_applied=not applied.first_time)
    return JSONResponse(report.model_dump(mode="json"), status_code=201 if applied.first_time else 200)
