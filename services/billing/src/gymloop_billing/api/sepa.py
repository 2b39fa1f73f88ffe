"""Studio billing settings, SEPA mandates and payment runs."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any, Literal

from fastapi import APIRouter
from fastapi.responses import Response
from gymloop_kit import studio_clock
from gymloop_kit.app import Session
from gymloop_kit.auth import Admin, AnyUser, Staff
from gymloop_kit.errors import NotFound
from gymloop_kit.http.links import Links, PublicPaths
from gymloop_kit.http.pagination import Page, Paging
from gymloop_kit.idempotency import Idempotency
from gymloop_kit.ownership import ensure_own_member
from pydantic import BaseModel, ConfigDict, Field

from gymloop_billing.db.models import MandateRow, PaymentRunRow
from gymloop_billing.domain.collection_dates import DEFAULT_LEAD_BUSINESS_DAYS, MAX_LEAD_BUSINESS_DAYS
from gymloop_billing.domain.run_problem_actions import what_to_do
from gymloop_billing.service import sepa, studio

router = APIRouter(tags=["sepa"])


class SettingsIn(BaseModel):
    collection_method: Literal["sepa_export", "stripe", "offline"]
    currency: str = "EUR"
    overdue_members_may_book: bool = False
    creditor_name: str | None = None
    creditor_iban: str | None = None
    creditor_id: str | None = None
    creditor_bic: str | None = None
    collection_lead_business_days: int = Field(
        default=DEFAULT_LEAD_BUSINESS_DAYS,
        ge=1,
        le=MAX_LEAD_BUSINESS_DAYS,
        description="TARGET business days the bank needs the SEPA file before the collection date (at least 1)",
    )
    sepa_file_version: Literal["pain.008.001.08", "pain.008.001.02"] = Field(
        default="pain.008.001.08", description="The pain.008 version of the SEPA files: .02 for a bank still on it"
    )


class SettingsOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    collection_method: str
    currency: str
    overdue_members_may_book: bool
    creditor_name: str | None
    creditor_iban: str | None
    creditor_id: str | None
    creditor_bic: str | None
    collection_lead_business_days: int
    sepa_file_version: str


class MandateIn(BaseModel):
    mandate_reference: str
    iban: str
    account_holder: str
    signed_on: date | None = None


class MandateOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    member_id: uuid.UUID
    mandate_reference: str
    iban: str
    account_holder: str
    signed_on: date | None
    next_sequence_type: str
    ended_on: date | None = Field(description="The day a bank return ended the mandate (None: in force)")
    ended_reason: str | None = Field(description="Why the bank ended it: register a new mandate to collect again")


class RunIn(BaseModel):
    collection_date: date
    period_label: str


class RunOut(BaseModel):
    id: uuid.UUID
    collection_date: date
    period_label: str
    message_id: str
    item_count: int
    total_cents: int
    problems: list[dict[str, Any]] = Field(
        description="Members left out (error) or collected with a change (warning): member_id, member_name, "
        "member_url (their profile through the gateway), code, reason, field, severity and what_to_do"
    )
    file_url: str | None = Field(
        description="The SEPA file to download (its full path through the gateway); none when the run collected nothing"
    )


def _problem_out(problem: dict[str, Any], links: PublicPaths) -> dict[str, Any]:
    """A stored problem with the member's name (None for runs made before names were kept), the link to the
    member's profile through the gateway and what staff do about it."""
    member_id = str(problem["member_id"])
    return {
        **problem,
        "member_name": problem.get("member_name"),
        "member_url": links.to_service("members", f"/members/{member_id}"),
        "what_to_do": what_to_do(str(problem["code"]), member_id, warning=problem.get("severity") == "warning"),
    }


def _run_out(row: PaymentRunRow, links: PublicPaths) -> RunOut:
    return RunOut(
        id=row.id,
        collection_date=row.collection_date,
        period_label=row.period_label,
        message_id=row.message_id,
        item_count=row.item_count,
        total_cents=row.total_cents,
        problems=[_problem_out(problem, links) for problem in row.problems],
        file_url=links.to(f"/payment-runs/{row.id}/file") if row.file else None,
    )


@router.put(
    "/billing-settings",
    operation_id="setBillingSettings",
    summary="Collection method, creditor details, overdue rule (admin)",
)
async def put_settings(body: SettingsIn, principal: Admin, session: Session) -> SettingsOut:
    """Admins only. How the studio collects (SEPA or Stripe), the creditor's name, IBAN and id for SEPA files, and
    when a member counts as overdue; the other services are told of the change."""
    row = await studio.put_settings(session, principal.studio_id, studio.SettingsInput(**body.model_dump()))
    return SettingsOut.model_validate(row)


@router.get("/billing-settings", operation_id="getBillingSettings", summary="The studio's billing settings")
async def get_settings(principal: Staff, session: Session) -> SettingsOut:
    """Staff only. The collection method, creditor details and overdue rule."""
    return SettingsOut.model_validate(await studio.get_settings(session, principal.studio_id))


@router.put("/members/{member_id}/mandate", summary="Create or replace a member's SEPA mandate")
async def put_mandate(member_id: uuid.UUID, body: MandateIn, principal: Staff, session: Session) -> MandateOut:
    """Staff only. Registers the member's IBAN, mandate reference and signing date; a changed IBAN makes the next
    collection FRST again."""
    row = await sepa.put_mandate(
        session,
        principal.studio_id,
        member_id,
        sepa.MandateInput(**body.model_dump()),
        await studio_clock.today(session, principal.studio_id),
    )
    return _mandate_out(row)


@router.get("/members/{member_id}/mandate", summary="A member's SEPA mandate and the next sequence type")
async def get_mandate(member_id: uuid.UUID, principal: AnyUser, session: Session) -> MandateOut:
    """Staff read any member's; a member only their own. The mandate with the sequence type (FRST or RCUR) its next
    collection will use."""
    ensure_own_member(principal, member_id)
    return _mandate_out(await sepa.get_mandate(session, principal.studio_id, member_id))


def _mandate_out(row: MandateRow) -> MandateOut:
    sequence = "FRST" if row.last_collected_iban != row.iban else "RCUR"
    return MandateOut(
        member_id=row.member_id,
        mandate_reference=row.mandate_reference,
        iban=row.iban,
        account_holder=row.account_holder,
        signed_on=row.signed_on,
        next_sequence_type=sequence,
        ended_on=row.ended_on,
        ended_reason=row.ended_reason,
    )


@router.post(
    "/payment-runs",
    operation_id="createPaymentRun",
    status_code=201,
    summary="Collect open fees and purchases into a pain.008 file",
    response_model=RunOut,
)
async def create_run(
    body: RunIn, principal: Admin, session: Session, idempotency: Idempotency, links: Links
) -> Response:
    """Admins only. Collects the open fees and purchases into one SEPA direct-debit file for the collection date;
    members who cannot be collected are listed with the reason instead. A retry with the same Idempotency-Key gets
    the first answer and creates no second run."""
    if (replayed := await idempotency.replay(session)) is not None:
        return replayed
    row = await sepa.create_payment_run(
        session,
        principal.studio_id,
        collection_date=body.collection_date,
        period_label=body.period_label,
        today=await studio_clock.today(session, principal.studio_id),
    )
    return await idempotency.answer(session, _run_out(row, links), status_code=201)


@router.get(
    "/payment-runs",
    operation_id="listPaymentRuns",
    summary="The studio's payment runs, newest first (paged)",
    response_model=Page[RunOut],
)
async def list_runs(principal: Staff, session: Session, page: Paging, links: Links) -> Page[RunOut]:
    """Staff only. Each run with its totals, its per-member problems and the link to its file."""
    rows, total = await sepa.list_payment_runs(session, principal.studio_id, page)
    return Page.of([_run_out(row, links) for row in rows], total, page)


@router.get(
    "/payment-runs/{run_id}", operation_id="getPaymentRun", summary="A payment run with its per-member problems"
)
async def get_run(run_id: uuid.UUID, principal: Staff, session: Session, links: Links) -> RunOut:
    """Staff only. The run's totals, its payments and the members left out with the reason."""
    return _run_out(await sepa.get_payment_run(session, principal.studio_id, run_id), links)


@router.get(
    "/payment-runs/{run_id}/file",
    operation_id="getPaymentRunFile",
    summary="The pain.008 XML of a payment run (admin)",
)
async def get_run_file(run_id: uuid.UUID, principal: Admin, session: Session) -> Response:
    """Admins only. The SEPA direct-debit XML to upload to the bank; 404 when nobody could be collected."""
    row = await sepa.get_payment_run(session, principal.studio_id, run_id)
    if row.file is None:
        raise NotFound("this payment run has no file: nobody could be collected")
    return Response(
        row.file,
        media_type="application/xml",
        headers={"Content-Disposition": f'attachment; filename="{row.message_id}.xml"'},
    )
