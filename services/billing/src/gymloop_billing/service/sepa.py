"""Mandates and SEPA payment runs (pain.008.001.08 export)."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from gymloop_kit.errors import InvalidInput, NotFound
from gymloop_kit.http.pagination import PageParams, fetch_page
from sqlalchemy import BindParameter, Row, Uuid, any_, bindparam, insert, select, update
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession

from gymloop_billing.db.models import ChargeRow, MandateRow, MemberRow, PaymentRow, PaymentRunRow, PurchaseRow
from gymloop_billing.domain.collection import CollectionMethod
from gymloop_billing.domain.mandates import Mandate
from gymloop_billing.domain.payment_run import FeeLine, MemberCharge, build_payment_run
from gymloop_billing.domain.sepa_file import build_sepa_file
from gymloop_billing.domain.shop import Purchase
from gymloop_billing.service import ledger, members, studio


@dataclass(frozen=True)
class MandateInput:
    mandate_reference: str
    iban: str
    account_holder: str
    signed_on: date | None


async def put_mandate(
    session: AsyncSession, studio_id: uuid.UUID, member_id: uuid.UUID, data: MandateInput, today: date
) -> MandateRow:
    """Create or replace the member's mandate; a changed IBAN makes the next collection FRST again."""
    await members.get_member(session, studio_id, member_id)
    mandate = Mandate.create(
        mandate_reference=data.mandate_reference,
        member_id=member_id,
        iban=data.iban,
        account_holder=data.account_holder,
        signed_on=data.signed_on,
        today=today,
    )
    clash = (
        await session.execute(
            select(MandateRow.member_id).where(
                MandateRow.studio_id == studio_id,
                MandateRow.mandate_reference == mandate.mandate_reference,
                MandateRow.member_id != member_id,
            )
        )
    ).first()
    if clash is not None:
        raise InvalidInput(
            f"mandate reference {mandate.mandate_reference} is already used by another member: it must be unique",
            code="mandate_reference_taken",
            field="mandate_reference",
        )
    row = (
        await session.execute(
            select(MandateRow)
            .where(MandateRow.member_id == member_id, MandateRow.studio_id == studio_id)
            .with_for_update()
        )
    ).scalar_one_or_none()
    if row is None:
        row = MandateRow(member_id=member_id, studio_id=studio_id, last_collected_iban=None)
        session.add(row)
    elif row.ended_on is not None or row.mandate_reference != mandate.mandate_reference:
        row.last_collected_iban = None  # a new mandate: its first collection is FRST
    row.ended_on, row.ended_reason = None, None
    row.mandate_reference = mandate.mandate_reference
    row.iban = mandate.iban
    row.account_holder = mandate.account_holder
    row.signed_on = mandate.signed_on
    await session.flush()
    return row


async def get_mandate(session: AsyncSession, studio_id: uuid.UUID, member_id: uuid.UUID) -> MandateRow:
    row = await session.scalar(
        select(MandateRow).where(MandateRow.member_id == member_id, MandateRow.studio_id == studio_id)
    )
    if row is None:
        raise NotFound("this member has no SEPA mandate", code="mandate_not_found")
    return row


def _mandate(row: MandateRow | Row[*tuple[Any, ...]]) -> Mandate:
    return Mandate(
        mandate_reference=row.mandate_reference,
        member_id=row.member_id,
        iban=row.iban,
        account_holder=row.account_holder,
        signed_on=row.signed_on,
        last_collected_iban=row.last_collected_iban,
    )


def _uuids(values: Iterable[uuid.UUID]) -> BindParameter[Sequence[uuid.UUID]]:
    """One array parameter (`= ANY(:ids)`): an IN list of a big studio would hit the 32,767 parameters of
    one statement, and renders a new statement text for every length."""
    ids: Sequence[uuid.UUID] = list(values)
    return bindparam(None, ids, type_=ARRAY(Uuid()))


async def create_payment_run(
    session: AsyncSession, studio_id: uuid.UUID, *, collection_date: date, period_label: str, today: date
) -> PaymentRunRow:
    """Collect every open subscription fee and 'next payment' shop purchase due by the collection date.

    Members with a problem keep their charges open for the next run and are listed in `problems`.
    Set-based: a fixed number of statements whatever the studio's size, reading plain rows (not ORM
    objects) and writing payments, closed charges and RCUR mandates with one statement each.
    """
    settings = await studio.get_settings(session, studio_id, lock=True)  # one run at a time per studio
    if settings.collection_method != CollectionMethod.SEPA_EXPORT.value:
        raise InvalidInput(
            f"this studio collects by {settings.collection_method}, not SEPA export: no payment run",
            code="not_sepa_export",
            field="collection_method",
        )
    creditor = studio.creditor_of(settings)
    if creditor is None:
        raise InvalidInput("enter the studio's creditor details first", code="creditor_required", field="creditor")
    charges = (
        await session.execute(
            select(ChargeRow.id, ChargeRow.member_id, ChargeRow.description, ChargeRow.amount_cents, ChargeRow.currency)
            .where(
                ChargeRow.studio_id == studio_id,
                ChargeRow.payment_run_id.is_(None),
                ChargeRow.payment_id.is_(None),  # not taken by another payment, e.g. paid through Stripe
                ChargeRow.due_on <= collection_date,
            )
            .order_by(ChargeRow.due_on, ChargeRow.id)  # a member's fees read in the same order in every run
            .with_for_update()
        )
    ).all()
    purchases = (
        await session.execute(
            select(
                PurchaseRow.id,
                PurchaseRow.studio_id,
                PurchaseRow.member_id,
                PurchaseRow.product_id,
                PurchaseRow.product_name,
                PurchaseRow.quantity,
                PurchaseRow.unit_price_cents,
                PurchaseRow.currency,
                PurchaseRow.purchased_on,
            )
            .where(
                PurchaseRow.studio_id == studio_id,
                PurchaseRow.payment_run_id.is_(None),
                PurchaseRow.settlement == "next_payment",
                PurchaseRow.purchased_on <= collection_date,
            )
            .order_by(PurchaseRow.purchased_on, PurchaseRow.id)
            .with_for_update()
        )
    ).all()
    fees: dict[uuid.UUID, list[FeeLine]] = defaultdict(list)
    for charge in charges:
        fees[charge.member_id].append(FeeLine(charge.description, charge.amount_cents, charge.currency))
    bought: dict[uuid.UUID, list[Purchase]] = defaultdict(list)
    for purchase in purchases:
        bought[purchase.member_id].append(_purchase(purchase))
    member_ids = sorted(set(fees) | set(bought))
    names = {
        m.member_id: f"{m.first_name} {m.last_name}".strip()
        for m in await session.execute(
            select(MemberRow.member_id, MemberRow.first_name, MemberRow.last_name).where(
                MemberRow.studio_id == studio_id, MemberRow.member_id == any_(_uuids(member_ids))
            )
        )
    }
    mandates = {
        m.member_id: m
        for m in await session.execute(
            select(
                MandateRow.member_id,
                MandateRow.mandate_reference,
                MandateRow.iban,
                MandateRow.account_holder,
                MandateRow.signed_on,
                MandateRow.last_collected_iban,
                MandateRow.ended_reason,
            )
            .where(MandateRow.studio_id == studio_id, MandateRow.member_id == any_(_uuids(member_ids)))
            .with_for_update()
        )
    }
    ended = {member_id: m for member_id, m in mandates.items() if m.ended_reason is not None}
    member_charges = [
        MemberCharge(
            member_id=member_id,
            name=names.get(member_id, ""),
            subscription_fees=tuple(fees[member_id]),
            shop_purchases=tuple(bought[member_id]),
            mandate=_mandate(mandates[member_id]) if member_id in mandates and member_id not in ended else None,
            mandate_ended_reason=ended[member_id].ended_reason if member_id in ended else None,
        )
        for member_id in member_ids
    ]
    run_id = uuid.uuid4()
    run = build_payment_run(
        run_id=run_id,
        creditor=creditor,
        collection_date=collection_date,
        today=today,
        charges=member_charges,
        period_label=period_label,
        lead_business_days=settings.collection_lead_business_days,
    )
    message_id = f"GL{run_id.hex}"
    xml = (
        build_sepa_file(run, message_id=message_id, created_at=datetime.now(UTC), version=settings.sepa_file_version)
        if run.items
        else None
    )
    collected = {item.member_id for item in run.items}
    row = PaymentRunRow(
        id=run_id,
        studio_id=studio_id,
        collection_date=collection_date,
        period_label=period_label,
        message_id=message_id,
        item_count=len(run.items),
        total_cents=run.total_cents,
        file=xml,
        problems=[
            {
                "member_id": str(p.member_id),
                "member_name": names.get(p.member_id, ""),
                "code": p.code,
                "reason": p.reason,
                "field": p.field,
                "severity": p.severity.value,
            }
            for p in run.problems
        ],
    )
    session.add(row)
    await session.flush()
    if collected:
        payment_ids = {item.member_id: uuid.uuid4() for item in run.items}
        await session.execute(
            insert(PaymentRow),
            [
                {
                    "id": payment_ids[item.member_id],
                    "studio_id": studio_id,
                    "member_id": item.member_id,
                    "amount_cents": item.amount_cents,
                    "currency": item.currency,
                    "method": CollectionMethod.SEPA_EXPORT.value,
                    "status": "pending",
                    "attempts": 1,
                    "payment_run_id": run_id,
                    "end_to_end_id": item.end_to_end_id,
                    "mandate_reference": item.mandate_reference,
                }
                for item in run.items
            ],
        )
        await ledger.record_statuses(
            session,
            (
                {"studio_id": studio_id, "payment_id": payment_id, "status": "pending"}
                for payment_id in payment_ids.values()
            ),
        )
        # rows locked above and never loaded as objects: nothing in the session to synchronise
        unsynchronised = {"synchronize_session": False}
        await session.execute(
            update(MandateRow)
            .where(MandateRow.studio_id == studio_id, MandateRow.member_id == any_(_uuids(collected)))
            .values(last_collected_iban=MandateRow.iban),  # the next collection is RCUR
            execution_options=unsynchronised,
        )
        await session.execute(
            update(ChargeRow)
            .where(
                ChargeRow.studio_id == studio_id,
                ChargeRow.id == any_(_uuids(c.id for c in charges if c.member_id in collected)),
                PaymentRow.payment_run_id == run_id,  # the member's payment in this run takes their charges
                PaymentRow.member_id == ChargeRow.member_id,
            )
            .values(payment_run_id=run_id, payment_id=PaymentRow.id),
            execution_options=unsynchronised,
        )
        await session.execute(
            update(PurchaseRow)
            .where(
                PurchaseRow.studio_id == studio_id,
                PurchaseRow.id == any_(_uuids(p.id for p in purchases if p.member_id in collected)),
            )
            .values(payment_run_id=run_id),
            execution_options=unsynchronised,
        )
    return row


def _purchase(row: PurchaseRow | Row[*tuple[Any, ...]]) -> Purchase:
    return Purchase(
        purchase_id=row.id,
        studio_id=row.studio_id,
        member_id=row.member_id,
        product_id=row.product_id,
        product_name=row.product_name,
        quantity=row.quantity,
        unit_price_cents=row.unit_price_cents,
        currency=row.currency,
        purchased_on=row.purchased_on,
    )


async def get_payment_run(session: AsyncSession, studio_id: uuid.UUID, run_id: uuid.UUID) -> PaymentRunRow:
    row = (
        await session.execute(
            select(PaymentRunRow).where(PaymentRunRow.id == run_id, PaymentRunRow.studio_id == studio_id)
        )
    ).scalar_one_or_none()
    if row is None:
        raise NotFound("payment run not found")
    return row


async def list_payment_runs(
    session: AsyncSession, studio_id: uuid.UUID, page: PageParams
) -> tuple[list[PaymentRunRow], int]:
    """The studio's payment runs, the newest first (a run's id breaks ties)."""
    query = (
        select(PaymentRunRow)
        .where(PaymentRunRow.studio_id == studio_id)
        .order_by(PaymentRunRow.created_at.desc(), PaymentRunRow.id)
    )
    return await fetch_page(session, query, page)
