"""Use cases of an import: validate the upload, start the saga, follow its rows, keep the log."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from gymloop_contracts.events.importer import ImportCompleted, ImportedSubscription, MemberImportRequested
from gymloop_kit.errors import Conflict, NotFound
from gymloop_kit.http.pagination import PageParams, fetch_page
from gymloop_kit.messaging.outbox import add_event, add_events
from sqlalchemy import delete, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from gymloop_importer.db.models import ImportJob, ImportRowState
from gymloop_importer.domain.dry_run import DryRun, plan_dry_run
from gymloop_importer.domain.errors import ImportIssue
from gymloop_importer.domain.import_file import ParsedImport, parse_import_file
from gymloop_importer.domain.import_log import FailedRow, ImportLog, LoggedMember, LoggedSubscription
from gymloop_importer.domain.import_row import ImportRow
from gymloop_importer.domain.row_progress import MemberOutcome, RowStatus
from gymloop_importer.domain.validation import ValidatedMember
from gymloop_importer.service.row_state import progress_of
from gymloop_importer.service.studio_state import active_plans, existing_members, import_context


def row_id(job_id: uuid.UUID, row_number: int) -> str:
    return f"{job_id}:{row_number}"


async def _parse(session: AsyncSession, studio_id: uuid.UUID, data: bytes, today: date) -> ParsedImport:
    context = await import_context(session, studio_id, today)
    # Reading and validating 10,000 rows takes seconds of CPU: keep the event loop free meanwhile.
    return await asyncio.to_thread(parse_import_file, data, context)


@dataclass(frozen=True)
class StartedImport:
    job: ImportJob
    issues: tuple[ImportIssue, ...]


def _issue_json(issue: ImportIssue) -> dict[str, Any]:
    return {
        "code": issue.code,
        "message": issue.message,
        "row": issue.row,
        "column_header": issue.column_header,
        "column_letter": issue.column_letter,
    }


def _validated_json(member: ValidatedMember) -> dict[str, Any]:
    return {"row": member.row_number, "email": member.email, "name": member.name, "valid": member.valid}


async def start_import(
    session: AsyncSession,
    *,
    studio_id: uuid.UUID,
    account_id: uuid.UUID,
    file_name: str | None,
    data: bytes,
    today: date,
) -> StartedImport:
    """Validate everything first. A file with any issue is kept as a rejected job (its log) and nothing
    is requested from any service; a valid file starts the saga: one MemberImportRequested per row."""
    parsed = await _parse(session, studio_id, data, today)
    job = ImportJob(
        id=uuid.uuid4(),
        studio_id=studio_id,
        created_by=account_id,
        created_at=datetime.now(UTC),
        file_name=file_name,
        status="rejected" if not parsed.is_valid else "running",
        fingerprint=parsed.fingerprint,
        same_as_job_id=None,
        rows_total=len(parsed.validated),
        validated=[_validated_json(member) for member in parsed.validated],
        errors=[_issue_json(issue) for issue in parsed.issues],
        completed_at=None,
    )
    if not parsed.is_valid:
        session.add(job)
        return StartedImport(job, parsed.issues)

    job.same_as_job_id = await session.scalar(
        select(ImportJob.id)
        .where(ImportJob.studio_id == studio_id, ImportJob.fingerprint == parsed.fingerprint)
        .order_by(ImportJob.created_at.desc())
        .limit(1)
    )
    session.add(job)
    await session.flush()
    rows = parsed.rows
    await session.execute(
        insert(ImportRowState),
        [
            {
                "row_id": row_id(job.id, row.row_number),
                "job_id": job.id,
                "studio_id": studio_id,
                "row_number": row.row_number,
                "email": row.email,
                "full_name": row.full_name,
                "plan_name": row.subscription.plan_name if row.subscription else None,
                "subscription_start": row.subscription.start_date if row.subscription else None,
                "member_outcome": None,
                "member_id": None,
                "subscription_done": False,
                "status": RowStatus.PENDING.value,
            }
            for row in rows
        ],
    )
    plan_ids = {plan.name: plan.plan_id for plan in await active_plans(session, studio_id)}
    await add_events(session, [_requested(job.id, row, plan_ids) for row in rows], studio_id=studio_id)
    return StartedImport(job, ())


def _requested(job_id: uuid.UUID, row: ImportRow, plan_ids: dict[str, uuid.UUID]) -> MemberImportRequested:
    subscription = None
    if row.subscription is not None:
        subscription = ImportedSubscription(
            plan_id=plan_ids[row.subscription.plan_name],
            plan_name=row.subscription.plan_name,
            start_date=row.subscription.start_date,
            iban=row.subscription.bank_account.iban,
            account_holder=row.subscription.bank_account.account_holder,
        )
    return MemberImportRequested(
        row_id=row_id(job_id, row.row_number),
        import_job_id=job_id,
        row_number=row.row_number,
        email=row.email,
        first_name=row.first_name,
        last_name=row.last_name,
        start_date=row.start_date,
        phone=row.phone,
        birth_date=row.birth_date,
        address=row.address,
        responsible_employee_email=row.responsible_employee_email,
        tags=list(row.tags),
        # The contract cannot say "leave as it is"; an empty Employee cell means member access (seed 003).
        is_employee=bool(row.is_employee),
        subscription=subscription,
    )


async def dry_run(session: AsyncSession, *, studio_id: uuid.UUID, data: bytes, today: date) -> DryRun | ParsedImport:
    """What the import would do; nothing is stored or sent. Returns the parse result if the file has issues."""
    parsed = await _parse(session, studio_id, data, today)
    if not parsed.is_valid:
        return parsed
    existing = await existing_members(session, studio_id, [row.email for row in parsed.rows])
    return plan_dry_run(parsed.rows, existing)


async def get_job(session: AsyncSession, studio_id: uuid.UUID, job_id: uuid.UUID, *, lock: bool = False) -> ImportJob:
    statement = select(ImportJob).where(ImportJob.id == job_id, ImportJob.studio_id == studio_id)
    if lock:
        statement = statement.with_for_update()
    job = await session.scalar(statement)
    if job is None:
        raise NotFound("import not found", code="import_not_found")
    return job


@dataclass(frozen=True)
class Progress:
    rows_total: int
    members_done: int
    subscriptions_expected: int
    subscriptions_done: int
    rows_done: int
    rows_failed: int = 0

    @property
    def rows_settled(self) -> int:
        return self.rows_done + self.rows_failed


async def progress(session: AsyncSession, job: ImportJob) -> Progress:
    if job.status == "rejected":
        return Progress(job.rows_total, 0, 0, 0, 0, 0)
    counts = (
        await session.execute(
            select(
                func.count(ImportRowState.member_outcome),
                func.count(ImportRowState.plan_name),
                func.count().filter(ImportRowState.subscription_done.is_(True)),
                func.count().filter(ImportRowState.status == RowStatus.DONE.value),
                func.count().filter(ImportRowState.status == RowStatus.FAILED.value),
            ).where(ImportRowState.job_id == job.id)
        )
    ).one()
    return Progress(job.rows_total, counts[0], counts[1], counts[2], counts[3], counts[4])


async def list_jobs(session: AsyncSession, studio_id: uuid.UUID, page: PageParams) -> tuple[list[ImportJob], int]:
    statement = (
        select(ImportJob).where(ImportJob.studio_id == studio_id).order_by(ImportJob.created_at.desc(), ImportJob.id)
    )
    return await fetch_page(session, statement, page)


async def delete_job(session: AsyncSession, studio_id: uuid.UUID, job_id: uuid.UUID) -> None:
    job = await get_job(session, studio_id, job_id, lock=True)
    if job.status == "running":
        raise Conflict("the import is still running: delete its log when it has completed", code="import_running")
    await session.execute(delete(ImportJob).where(ImportJob.id == job.id))


async def import_log(session: AsyncSession, job: ImportJob) -> ImportLog:
    log = ImportLog(
        file_name=job.file_name,
        validated=[ValidatedMember(v["row"], v["email"], v["name"], v["valid"]) for v in job.validated],
        errors=[
            ImportIssue(e["code"], e["message"], e["row"], e["column_header"], e["column_letter"]) for e in job.errors
        ],
    )
    rows = (
        await session.scalars(
            select(ImportRowState).where(ImportRowState.job_id == job.id).order_by(ImportRowState.row_number)
        )
    ).all()
    for row in rows:
        member = LoggedMember(row.row_number, row.email, row.full_name)
        row_progress = progress_of(row)
        if row_progress.member_outcome is MemberOutcome.CREATED:
            log.created.append(member)
        elif row_progress.member_outcome is MemberOutcome.UPDATED:
            log.updated.append(member)
        if row.subscription_done and row.plan_name and row.subscription_start:
            log.subscriptions_created.append(
                LoggedSubscription(row.row_number, row.email, row.plan_name, row.subscription_start)
            )
        rejection = row_progress.rejection
        if rejection is not None:
            log.failed.append(
                FailedRow(row.row_number, row.email, row.full_name, rejection, row_progress.member_outcome)
            )
    return log


async def complete_if_done(session: AsyncSession, studio_id: uuid.UUID, job_id: uuid.UUID) -> None:
    """Called after a row moved on; the job row lock makes exactly one caller publish ImportCompleted."""
    job = await session.scalar(
        select(ImportJob).where(ImportJob.id == job_id, ImportJob.studio_id == studio_id).with_for_update()
    )
    if job is None or job.status != "running":
        return
    state = await progress(session, job)
    if state.rows_settled < job.rows_total:
        return
    job.status = "completed"
    job.completed_at = datetime.now(UTC)
    outcomes = (
        await session.execute(
            select(ImportRowState.member_outcome, func.count())
            .where(ImportRowState.job_id == job.id)
            .group_by(ImportRowState.member_outcome)
        )
    ).all()
    by_outcome = {outcome: count for outcome, count in outcomes}
    await add_event(
        session,
        ImportCompleted(
            import_job_id=job.id,
            rows=job.rows_total,
            members_created=by_outcome.get("created", 0),
            members_updated=by_outcome.get("updated", 0),
            subscriptions_created=state.subscriptions_done,
            failed_rows=state.rows_failed,
        ),
        studio_id=studio_id,
    )
