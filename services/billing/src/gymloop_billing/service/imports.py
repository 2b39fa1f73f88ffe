"""Billing's side of the import saga: a row's subscription and SEPA mandate, once the member id is known.

The importer's MemberImportRequested (the row: plan, start date, IBAN, account holder) and members'
MemberRegistered/MemberUpdated carrying the same import_ref (the member id) arrive in either order and may
be redelivered. Each is stored on the row keyed by (studio, import job, row number); whichever completes
the pair acts, under the row's lock, exactly once. The result is SubscriptionActivated with the import_ref,
which moves the importer's row to done and gives bookings the entitlement.

A refusal (a rule says no) is kept on the row with its reason, logged, and told to the importer with one
SubscriptionImportRejected (code, field, message; `row_id` is the importer's row id), published in the same
transaction as the row leaves `waiting`, so exactly once per row however often its events are redelivered.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime

from gymloop_contracts.events.billing import SubscriptionImportRejected
from gymloop_contracts.events.common import ImportRef
from gymloop_contracts.events.importer import MemberImportRequested
from gymloop_contracts.events.members import MemberImportRejected
from gymloop_kit import studio_clock
from gymloop_kit.errors import AppError, NotFound
from gymloop_kit.http.pagination import PageParams, fetch_page
from gymloop_kit.logging import get_logger
from gymloop_kit.messaging.outbox import add_event, add_restatement
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from gymloop_billing.db.models import ImportRowState, MandateRow, SubscriptionRow
from gymloop_billing.domain.collection import CollectionMethod
from gymloop_billing.domain.imported_subscriptions import (
    ImportRowKey,
    ImportRowStatus,
    check_importable,
    import_row_id,
    imported_mandate,
    needs_mandate,
    same_account,
    subscription_id_for,
)
from gymloop_billing.domain.mandates import Mandate
from gymloop_billing.domain.subscriptions import SubscriptionStatus
from gymloop_billing.service import plans, studio, subscriptions

log = get_logger(__name__)

# A subscription's activation is the first event of its aggregate (start_subscription is the only way a
# subscription comes to exist, and its id is new), so the kit's outbox gave it sequence 1.
ACTIVATION_SEQUENCE = 1


async def record_request(session: AsyncSession, studio_id: uuid.UUID, event: MemberImportRequested, on: date) -> None:
    """The importer's row arrived (`on`: the import day in the studio's zone); act if members' confirmation
    is already here."""
    if event.row_id != import_row_id(event.import_job_id, event.row_number):
        # A refusal of this row would name it by the rebuilt id, which the importer would not find.
        log.error(
            "import_row_id_unexpected",
            studio_id=str(studio_id),
            row_id=event.row_id,
            expected=import_row_id(event.import_job_id, event.row_number),
        )
    wanted = event.subscription
    values = {
        "requested": True,
        "requested_on": on,
        "email": event.email,
        "plan_id": wanted.plan_id if wanted else None,
        "plan_name": wanted.plan_name if wanted else None,
        "start_date": wanted.start_date if wanted else None,
        "iban": wanted.iban if wanted else None,
        "account_holder": wanted.account_holder if wanted else None,
    }
    key = ImportRowKey(studio_id, event.import_job_id, event.row_number)
    statement = pg_insert(ImportRowState).values(
        studio_id=studio_id,
        import_job_id=event.import_job_id,
        row_number=event.row_number,
        status=ImportRowStatus.WAITING.value,
        **values,
    )
    # A redelivered request (same row) carries the same values; only the first one counts.
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=[ImportRowState.studio_id, ImportRowState.import_job_id, ImportRowState.row_number],
            set_=values,
            where=ImportRowState.requested.is_(False),
        )
    )
    await _act_when_complete(session, key)


async def record_member(session: AsyncSession, studio_id: uuid.UUID, ref: ImportRef, member_id: uuid.UUID) -> None:
    """Members created or updated the row's person; act if the importer's request is already here."""
    key = ImportRowKey(studio_id, ref.import_job_id, ref.row_number)
    statement = pg_insert(ImportRowState).values(
        studio_id=studio_id,
        import_job_id=ref.import_job_id,
        row_number=ref.row_number,
        requested=False,
        member_id=member_id,
        status=ImportRowStatus.WAITING.value,
    )
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=[ImportRowState.studio_id, ImportRowState.import_job_id, ImportRowState.row_number],
            set_={"member_id": member_id},
            where=ImportRowState.member_id.is_(None),
        )
    )
    await _act_when_complete(session, key)


async def record_member_refused(session: AsyncSession, studio_id: uuid.UUID, event: MemberImportRejected) -> None:
    """Members refused the row's person: the row can never get a member, so it ends here instead of waiting for
    ever. The importer already knows (it fails the row on members' refusal), so billing tells it nothing more."""
    ref = event.import_ref
    values = {
        "status": ImportRowStatus.MEMBER_REFUSED.value,
        "reason_code": event.code,
        "reason": event.message,
        "updated_at": datetime.now(UTC),
    }
    statement = pg_insert(ImportRowState).values(
        studio_id=studio_id,
        import_job_id=ref.import_job_id,
        row_number=ref.row_number,
        requested=False,
        email=event.email,
        **values,
    )
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=[ImportRowState.studio_id, ImportRowState.import_job_id, ImportRowState.row_number],
            set_=values,
            where=ImportRowState.status == ImportRowStatus.WAITING.value,
        )
    )


async def _act_when_complete(session: AsyncSession, key: ImportRowKey) -> None:
    row = await session.scalar(
        select(ImportRowState)
        .where(
            ImportRowState.studio_id == key.studio_id,
            ImportRowState.import_job_id == key.import_job_id,
            ImportRowState.row_number == key.row_number,
        )
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if row is None or row.status != ImportRowStatus.WAITING.value or not row.requested:
        return
    if row.plan_id is None:
        _finish(row, ImportRowStatus.NO_SUBSCRIPTION)
        return
    if row.member_id is None:
        return
    try:
        # The checks come before any write; the savepoint still guarantees a refused row leaves nothing behind.
        async with session.begin_nested():
            await _subscribe(session, key, row)
    except AppError as error:  # a domain rule or a use case's own check (unknown plan, start date)
        await session.refresh(row)
        await _refuse(session, row, error.code, error.field, error.message)


async def _subscribe(session: AsyncSession, key: ImportRowKey, row: ImportRowState) -> None:
    """Check everything first, then write the subscription, the mandate and the event (all or nothing)."""
    plan_id, member_id, start_date = row.plan_id, row.member_id, row.start_date
    if plan_id is None or member_id is None or start_date is None:
        return  # the caller checked; a request always has a start date with its plan
    settings = await studio.get_settings(session, key.studio_id)
    method = CollectionMethod(settings.collection_method)
    plan_row = await plans.get_plan_row(session, key.studio_id, plan_id)
    plan = plans.to_domain(plan_row)
    running = await _running_subscriptions(session, key.studio_id, member_id)
    check_importable(
        collection_method=method,
        plan=plan,
        plan_active=plan_row.active,
        has_active_stripe_subscription=any(sub.stripe_subscription_id for sub in running),
    )
    mandate = None
    if needs_mandate(method):
        today = await studio_clock.today(session, key.studio_id)
        mandate = imported_mandate(
            member_id=member_id,
            iban=row.iban or "",
            account_holder=row.account_holder or "",
            requested_on=row.requested_on or today,
            today=today,
        )
    ref = ImportRef(import_job_id=key.import_job_id, row_number=key.row_number)
    kept = next((sub for sub in running if sub.plan_id == plan_id), None)
    if kept is not None:
        # The same file imported again: the member has this plan already. Nothing is created; the
        # activation is repeated under its own sequence so the importer sees the row done and
        # bookings grants nothing twice.
        _, current = await subscriptions.load(session, key.studio_id, kept.id)
        await add_restatement(
            session,
            subscriptions.activation_event(current, settings.collection_method, ref),
            studio_id=key.studio_id,
            sequence=ACTIVATION_SEQUENCE,
        )
        if mandate is not None:
            await _store_mandate(session, key.studio_id, mandate)
        row.subscription_id = kept.id
        _finish(row, ImportRowStatus.KEPT)
        return
    created = await subscriptions.start_subscription(
        session,
        key.studio_id,
        member_id=member_id,
        plan_id=plan_id,
        start_date=start_date,
        subscription_id=subscription_id_for(key),
        import_ref=ref,
    )
    if mandate is not None:
        await _store_mandate(session, key.studio_id, mandate)
    row.subscription_id = created.id
    _finish(row, ImportRowStatus.ACTIVATED)


async def _running_subscriptions(
    session: AsyncSession, studio_id: uuid.UUID, member_id: uuid.UUID
) -> list[SubscriptionRow]:
    statement = (
        select(SubscriptionRow)
        .where(
            SubscriptionRow.studio_id == studio_id,
            SubscriptionRow.member_id == member_id,
            SubscriptionRow.status != SubscriptionStatus.ENDED.value,
        )
        .order_by(SubscriptionRow.start_date, SubscriptionRow.id)
    )
    return list((await session.execute(statement)).scalars())


async def _store_mandate(session: AsyncSession, studio_id: uuid.UUID, mandate: Mandate) -> None:
    """A new member gets the imported mandate. An existing mandate on the same account is kept as it is (its
    date of signature and collection history); another account replaces the IBAN and holder under the same
    reference, so the next collection is FRST again."""
    row = await session.scalar(
        select(MandateRow)
        .where(MandateRow.member_id == mandate.member_id, MandateRow.studio_id == studio_id)
        .with_for_update()
    )
    if row is None:
        session.add(
            MandateRow(
                member_id=mandate.member_id,
                studio_id=studio_id,
                mandate_reference=mandate.mandate_reference,
                iban=mandate.iban,
                account_holder=mandate.account_holder,
                signed_on=mandate.signed_on,
                last_collected_iban=None,
            )
        )
    elif not same_account(row.iban, mandate.iban):
        row.iban = mandate.iban
        row.account_holder = mandate.account_holder
        row.signed_on = mandate.signed_on
    await session.flush()


def _finish(row: ImportRowState, status: ImportRowStatus) -> None:
    row.status = status.value
    row.updated_at = datetime.now(UTC)


async def _refuse(session: AsyncSession, row: ImportRowState, code: str, field: str | None, reason: str) -> None:
    """The row leaves `waiting` as refused (under its lock, once) and the importer is told why."""
    row.reason_code = code
    row.reason = reason
    _finish(row, ImportRowStatus.REFUSED)
    await add_event(
        session,
        SubscriptionImportRejected(
            row_id=import_row_id(row.import_job_id, row.row_number),
            import_ref=ImportRef(import_job_id=row.import_job_id, row_number=row.row_number),
            email=row.email or "",
            code=code,
            field=field,
            message=reason,
        ),
        studio_id=row.studio_id,
    )
    log.warning(
        "import_subscription_refused",
        studio_id=str(row.studio_id),
        import_job_id=str(row.import_job_id),
        row=row.row_number,
        email=row.email,
        plan=row.plan_name,
        code=code,
        reason=reason,
    )


@dataclass(frozen=True)
class ImportRowView:
    row_number: int
    email: str | None
    member_id: uuid.UUID | None
    plan_id: uuid.UUID | None
    plan_name: str | None
    status: str
    subscription_id: uuid.UUID | None
    reason_code: str | None
    reason: str | None


async def import_rows(
    session: AsyncSession, studio_id: uuid.UUID, import_job_id: uuid.UUID, page: PageParams
) -> tuple[list[ImportRowView], int]:
    """What billing did with each row of an import (staff: to find refused rows and why), one page of them."""
    statement = (
        select(ImportRowState)
        .where(ImportRowState.studio_id == studio_id, ImportRowState.import_job_id == import_job_id)
        .order_by(ImportRowState.row_number)
    )
    rows, total = await fetch_page(session, statement, page)
    if total == 0:
        # Billing knows an import only by its rows: none means none of it reached billing, or it is not this studio's.
        raise NotFound(
            f"no row of import {import_job_id} has reached billing in this studio",
            code="import_not_found",
            field="import_job_id",
        )
    views = [
        ImportRowView(
            row_number=row.row_number,
            email=row.email,
            member_id=row.member_id,
            plan_id=row.plan_id,
            plan_name=row.plan_name,
            status=row.status,
            subscription_id=row.subscription_id,
            reason_code=row.reason_code,
            reason=row.reason,
        )
        for row in rows
    ]
    return views, total
