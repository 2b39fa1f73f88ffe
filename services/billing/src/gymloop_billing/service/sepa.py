"""Mandates and SEPA payment runs (pain.008.001.08 export)."""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime

from gymloop_kit.errors import InvalidInput, NotFound
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from gymloop_billing.db.models import ChargeRow, MandateRow, MemberRow, PaymentRow, PaymentRunRow, PurchaseRow
from gymloop_billing.domain.collection import CollectionMethod
from gymloop_billing.domain.errors import DomainError
from gymloop_billing.domain.mandates import Mandate
from gymloop_billing.domain.payment_run import FeeLine, MemberCharge, build_payment_run
from gymloop_billing.domain.sepa_file import build_sepa_file
from gymloop_billing.domain.shop import Purchase
from gymloop_billing.service import members, studio
from gymloop_billing.service.errors import invalid


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
    try:
        mandate = Mandate.create(
            mandate_reference=data.mandate_reference,
            member_id=member_id,
            iban=data.iban,
            account_holder=data.account_holder,
            signed_on=data.signed_on,
            today=today,
        )
    except DomainError as error:
        raise invalid(error) from error
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


def _mandate(row: MandateRow) -> Mandate:
    return Mandate(
        mandate_reference=row.mandate_reference,
        member_id=row.member_id,
        iban=row.iban,
        account_holder=row.account_holder,
        signed_on=row.signed_on,
        last_collected_iban=row.last_collected_iban,
    )


async def create_payment_run(
    session: AsyncSession, studio_id: uuid.UUID, *, collection_date: date, period_label: str, today: date
) -> PaymentRunRow:
    """Collect every open subscription fee and 'next payment' shop purchase due by the collection date.

    Members with a problem keep their charges open for the next run and are listed in `problems`.
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
        (
            await session.execute(
                select(ChargeRow)
                .where(
                    ChargeRow.studio_id == studio_id,
                    ChargeRow.payment_run_id.is_(None),
                    ChargeRow.due_on <= collection_date,
                )
                .with_for_update()
            )
        )
        .scalars()
        .all()
    )
    purchases = (
        (
            await session.execute(
                select(PurchaseRow)
                .where(
                    PurchaseRow.studio_id == studio_id,
                    PurchaseRow.payment_run_id.is_(None),
                    PurchaseRow.settlement == "next_payment",
                    PurchaseRow.purchased_on <= collection_date,
                )
                .with_for_update()
            )
        )
        .scalars()
        .all()
    )
    fees: dict[uuid.UUID, list[ChargeRow]] = defaultdict(list)
    for charge in charges:
        fees[charge.member_id].append(charge)
    bought: dict[uuid.UUID, list[PurchaseRow]] = defaultdict(list)
    for purchase in purchases:
        bought[purchase.member_id].append(purchase)
    member_ids = sorted(set(fees) | set(bought))
    names = {
        m.member_id: f"{m.first_name} {m.last_name}".strip()
        for m in (
            await session.execute(
                select(MemberRow).where(MemberRow.studio_id == studio_id, MemberRow.member_id.in_(member_ids))
            )
        ).scalars()
    }
    mandates = {
        m.member_id: m
        for m in (
            await session.execute(
                select(MandateRow)
                .where(MandateRow.studio_id == studio_id, MandateRow.member_id.in_(member_ids))
                .with_for_update()
            )
        ).scalars()
    }
    member_charges = [
        MemberCharge(
            member_id=member_id,
            name=names.get(member_id, ""),
            subscription_fees=tuple(FeeLine(c.description, c.amount_cents, c.currency) for c in fees[member_id]),
            shop_purchases=tuple(_purchase(p) for p in bought[member_id]),
            mandate=_mandate(mandates[member_id]) if member_id in mandates else None,
        )
        for member_id in member_ids
    ]
    run_id = uuid.uuid4()
    try:
        run = build_payment_run(
            run_id=run_id,
            creditor=creditor,
            collection_date=collection_date,
            today=today,
            charges=member_charges,
            period_label=period_label,
        )
        message_id = f"GL{run_id.hex}"
        xml = build_sepa_file(run, message_id=message_id, created_at=datetime.now(UTC)) if run.items else None
    except DomainError as error:
        raise invalid(error) from error
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
                "code": p.code,
                "reason": p.reason,
                "field": p.field,
                "severity": p.severity.value,
            }
            for p in run.problems
        ],
    )
    session.add(row)
    for item in run.items:
        mandate_row = mandates[item.member_id]
        mandate_row.last_collected_iban = mandate_row.iban  # the next collection is RCUR
        session.add(
            PaymentRow(
                id=uuid.uuid4(),
                studio_id=studio_id,
                member_id=item.member_id,
                amount_cents=item.amount_cents,
                currency=item.currency,
                method=CollectionMethod.SEPA_EXPORT.value,
                status="pending",
                attempts=1,
                payment_run_id=run_id,
            )
        )
    if collected:
        await session.execute(
            update(ChargeRow)
            .where(ChargeRow.id.in_([c.id for c in charges if c.member_id in collected]))
            .values(payment_run_id=run_id)
        )
        await session.execute(
            update(PurchaseRow)
            .where(PurchaseRow.id.in_([p.id for p in purchases if p.member_id in collected]))
            .values(payment_run_id=run_id)
        )
    await session.flush()
    return row


def _purchase(row: PurchaseRow) -> Purchase:
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
