"""The studio's billing settings: collection method, creditor, overdue rule."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from gymloop_billing.db.models import StudioBillingRow
from gymloop_billing.domain.collection import CollectionMethod
from gymloop_billing.domain.creditor import Creditor
from gymloop_billing.domain.errors import DomainError
from gymloop_billing.service.errors import invalid


@dataclass(frozen=True)
class SettingsInput:
    collection_method: str
    currency: str = "EUR"
    overdue_members_may_book: bool = False
    creditor_name: str | None = None
    creditor_iban: str | None = None
    creditor_id: str | None = None
    creditor_bic: str | None = None


async def get_settings(session: AsyncSession, studio_id: uuid.UUID, *, lock: bool = False) -> StudioBillingRow:
    """The studio's settings; a studio that never configured billing is 'offline' (never collects)."""
    statement = select(StudioBillingRow).where(StudioBillingRow.studio_id == studio_id)
    if lock:
        statement = statement.with_for_update()
    row = (await session.execute(statement)).scalar_one_or_none()
    return row or StudioBillingRow(
        studio_id=studio_id,
        collection_method=CollectionMethod.OFFLINE.value,
        currency="EUR",
        overdue_members_may_book=False,
    )


def creditor_of(row: StudioBillingRow) -> Creditor | None:
    if not (row.creditor_name and row.creditor_iban and row.creditor_id):
        return None
    return Creditor(name=row.creditor_name, iban=row.creditor_iban, creditor_id=row.creditor_id, bic=row.creditor_bic)


async def put_settings(session: AsyncSession, studio_id: uuid.UUID, data: SettingsInput) -> StudioBillingRow:
    try:
        method = CollectionMethod(data.collection_method)
    except ValueError:
        raise invalid(
            DomainError(
                code="collection_method_invalid",
                field="collection_method",
                message=f"collection method {data.collection_method!r} is unknown: use sepa_export, stripe or offline",
            )
        ) from None
    creditor = None
    try:
        if data.creditor_name or data.creditor_iban or data.creditor_id or method is CollectionMethod.SEPA_EXPORT:
            creditor = Creditor.create(
                name=data.creditor_name or "",
                iban=data.creditor_iban or "",
                creditor_id=data.creditor_id or "",
                bic=data.creditor_bic,
                currency=data.currency,
            )
    except DomainError as error:
        raise invalid(error) from error
    existing = (
        await session.execute(select(StudioBillingRow).where(StudioBillingRow.studio_id == studio_id).with_for_update())
    ).scalar_one_or_none()
    row = existing or StudioBillingRow(studio_id=studio_id)
    row.collection_method = method.value
    row.currency = data.currency
    row.overdue_members_may_book = data.overdue_members_may_book
    row.creditor_name = creditor.name if creditor else None
    row.creditor_iban = creditor.iban if creditor else None
    row.creditor_id = creditor.creditor_id if creditor else None
    row.creditor_bic = creditor.bic if creditor else None
    if existing is None:
        session.add(row)
    await session.flush()
    return row
