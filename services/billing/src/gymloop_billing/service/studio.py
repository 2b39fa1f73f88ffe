"""The studio's billing settings: collection method, creditor, overdue rule.

Other services follow the collection method, currency and overdue rule through BillingSettingsChanged: queued
in the same transaction on the first configuration and whenever one of them changes (not on a no-op, nor for a
change of the creditor details only)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from gymloop_contracts.events.billing import BillingSettingsChanged
from gymloop_kit.messaging.outbox import add_event
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from gymloop_billing.db.models import StudioBillingRow
from gymloop_billing.domain.bank_returns import DEFAULT_MAX_RECOLLECTIONS
from gymloop_billing.domain.collection import AnnouncedSettings, CollectionMethod, StudioBillingSettings
from gymloop_billing.domain.collection_dates import DEFAULT_LEAD_BUSINESS_DAYS
from gymloop_billing.domain.creditor import Creditor
from gymloop_billing.domain.errors import DomainError
from gymloop_billing.domain.sepa_file import PAIN_008_VERSION


@dataclass(frozen=True)
class SettingsInput:
    collection_method: str
    currency: str = "EUR"
    overdue_members_may_book: bool = False
    creditor_name: str | None = None
    creditor_iban: str | None = None
    creditor_id: str | None = None
    creditor_bic: str | None = None
    collection_lead_business_days: int = DEFAULT_LEAD_BUSINESS_DAYS
    sepa_file_version: str = PAIN_008_VERSION


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
        collection_lead_business_days=DEFAULT_LEAD_BUSINESS_DAYS,
        return_actions={},
        max_recollections=DEFAULT_MAX_RECOLLECTIONS,
        return_fee_cents=0,
        sepa_file_version=PAIN_008_VERSION,
    )


def creditor_of(row: StudioBillingRow) -> Creditor | None:
    if not (row.creditor_name and row.creditor_iban and row.creditor_id):
        return None
    return Creditor(name=row.creditor_name, iban=row.creditor_iban, creditor_id=row.creditor_id, bic=row.creditor_bic)


def _announced(row: StudioBillingRow) -> AnnouncedSettings:
    return AnnouncedSettings(CollectionMethod(row.collection_method), row.currency, row.overdue_members_may_book)


async def put_settings(session: AsyncSession, studio_id: uuid.UUID, data: SettingsInput) -> StudioBillingRow:
    """Validate everything, then store the settings; BillingSettingsChanged when what others follow changed."""
    try:
        method = CollectionMethod(data.collection_method)
    except ValueError:
        raise DomainError(
            code="collection_method_invalid",
            field="collection_method",
            message=f"collection method {data.collection_method!r} is unknown: use sepa_export, stripe or offline",
        ) from None
    if data.sepa_file_version != PAIN_008_VERSION and not data.creditor_bic:
        raise DomainError(
            code="creditor_bic_required",
            field="creditor_bic",
            message=f"a {data.sepa_file_version} file names the creditor's bank by its BIC: enter the creditor BIC",
        )
    creditor = None
    if data.creditor_name or data.creditor_iban or data.creditor_id or method is CollectionMethod.SEPA_EXPORT:
        creditor = Creditor.create(
            name=data.creditor_name or "",
            iban=data.creditor_iban or "",
            creditor_id=data.creditor_id or "",
            bic=data.creditor_bic,
            currency=data.currency,
        )
    wanted = StudioBillingSettings(
        studio_id=studio_id,
        collection_method=method,
        currency=data.currency,
        overdue_members_may_book=data.overdue_members_may_book,
        creditor=creditor,
    )
    # The first configuration inserts the row; a concurrent first PUT waits on its key, then sees it as existing,
    # so exactly one of them announces the first configuration.
    created = (
        await session.execute(
            pg_insert(StudioBillingRow)
            .values(
                studio_id=studio_id,
                collection_method=method.value,
                currency=data.currency,
                overdue_members_may_book=data.overdue_members_may_book,
            )
            .on_conflict_do_nothing(index_elements=[StudioBillingRow.studio_id])
            .returning(StudioBillingRow.studio_id)
        )
    ).first() is not None
    row = (
        await session.execute(
            select(StudioBillingRow)
            .where(StudioBillingRow.studio_id == studio_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    ).scalar_one()
    before = None if created else _announced(row)
    row.collection_method = method.value
    row.currency = data.currency
    row.overdue_members_may_book = data.overdue_members_may_book
    row.creditor_name = creditor.name if creditor else None
    row.creditor_iban = creditor.iban if creditor else None
    row.creditor_id = creditor.creditor_id if creditor else None
    row.creditor_bic = creditor.bic if creditor else None
    row.collection_lead_business_days = data.collection_lead_business_days
    row.sepa_file_version = data.sepa_file_version
    await session.flush()
    if wanted.announced.worth_announcing(before):
        await add_event(
            session,
            BillingSettingsChanged(
                studio_id=studio_id,
                collection_method=method.value,
                currency=data.currency,
                overdue_members_may_book=data.overdue_members_may_book,
            ),
            studio_id=studio_id,
        )
    return row
