"""Use cases of an import: accept the upload, validate it as a job, start the saga, follow its rows, keep the log."""

from __future__ import annotations

import asyncio
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from gymloop_contracts.events.importer import ImportCompleted, ImportedSubscription, MemberImportRequested
from gymloop_kit.db import Database
from gymloop_kit.errors import Conflict, NotFound
from gymloop_kit.http.pagination import PageParams, fetch_page
from gymloop_kit.job_queue import JobQueue
from gymloop_kit.logging import get_logger
from gymloop_kit.messaging.outbox import add_event, add_events
from sqlalchemy import delete, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import undefer

from gymloop_importer.db.models import ImportJob, ImportRowState
from gymloop_importer.domain.dry_run import DryRun, plan_dry_run
from gymloop_importer.domain.errors import ImportIssue, UploadRejected
from gymloop_importer.domain.import_file import ParsedImport, parse_import_file
from gymloop_importer.domain.import_log import FailedRow, ImportLog, LoggedMember, LoggedSubscription
from gymloop_importer.domain.import_row import ImportRow
from gymloop_importer.domain.row_progress import MemberOutcome, RowStatus
from gymloop_importer.domain.safety import check_upload
from gymloop_importer.domain.validation import ValidatedMember
from gymloop_importer.service.row_state import progress_of
from gymloop_importer.service.studio_state import active_plans, existing_members, import_context, studio_today

logger = get_logger(__name__)
# How often a running validation writes its progress (a short transaction of its own).
PROGRESS_INTERVAL_S = 0.25
# A sign of life at least this often while a file is read without visible progress (the queue's stale time is longer).
HEARTBEAT_INTERVAL_S = 10.0
UNEXPECTED_MESSAGE = (
    "The file could not be validated because of an unexpected error: import it again; if it fails again, tell "
    "support this import's id."
)


def row_id(job_id: uuid.UUID, row_number: int) -> str:
    return f"{job_id}:{row_number}"


async def _parse(session: AsyncSession, studio_id: uuid.UUID, data: bytes, today: date) -> ParsedImport:
    context = await import_context(session, studio_id, today)
    # Reading and validating 10,000 rows takes seconds of CPU: keep the event loop free meanwhile.
    return await asyncio.to_thread(parse_import_file, data, context)


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


def issues_of(job: ImportJob) -> tuple[ImportIssue, ...]:
    return tuple(
        ImportIssue(e["code"], e["message"], e["row"], e["column_header"], e["column_letter"]) for e in job.errors
    )


async def accept_import(
    session: AsyncSession, *, studio_id: uuid.UUID, account_id: uuid.UUID, file_name: str | None, data: bytes
) -> ImportJob:
    """Store the upload as an import to validate (validate_import runs once this has committed). What is refused
    from the bytes alone (empty, not a zip, a zip bomb by its declared sizes) raises UploadRejected at once."""
    check_upload(data)
    job = ImportJob(
        id=uuid.uuid4(),
        studio_id=studio_id,
        created_by=account_id,
        created_at=datetime.now(UTC),
        file_name=file_name,
        status="validating",
        fingerprint=None,
        same_as_job_id=None,
        rows_total=0,
        validated=[],
        errors=[],
        completed_at=None,
        upload=data,
        rows_read=0,
        rows_validated=0,
    )
    session.add(job)
    await session.flush()
    return job


@dataclass
class _ValidationProgress:
    rows_read: int = 0
    rows_validated: int = 0

    def report(self, validated: int, read: int) -> None:  # called from the validating thread
        self.rows_read, self.rows_validated = read, validated


def validation_queue(stale_after: timedelta) -> JobQueue:
    """Uploads to validate as the kit's worker claims them: new ones, and ones whose worker went silent."""
    return JobQueue.of(
        ImportJob, "import_validation", waiting=("validating",), running="validating", stale_after=stale_after
    )


async def validate_import(database: Database, queue: JobQueue, job_id: uuid.UUID) -> None:
    """Validate a stored upload and, in one transaction, reject it (its log kept) or start its saga: the rows
    stored and one MemberImportRequested per row. Progress is written in short transactions meanwhile; no
    transaction is open while the file is read. Decided once: the last step locks the job and does nothing when
    another run (a worker that took it up after this one seemed stopped) has decided it already."""
    async with database.transaction() as session:
        job = await session.scalar(
            select(ImportJob)
            .where(ImportJob.id == job_id, ImportJob.status == "validating")
            .options(undefer(ImportJob.upload))
        )
        if job is None or job.upload is None:
            return
        studio_id, data = job.studio_id, job.upload
        context = await import_context(session, studio_id, await studio_today(session, studio_id))
        plan_ids = {plan.name: plan.plan_id for plan in await active_plans(session, studio_id)}

    progress = _ValidationProgress()
    # Reading and validating 10,000 rows takes CPU seconds: a thread keeps the event loop free meanwhile.
    parsing = asyncio.ensure_future(asyncio.to_thread(parse_import_file, data, context, on_progress=progress.report))
    written, beaten = (0, 0), time.monotonic()
    while not parsing.done():
        await asyncio.wait({parsing}, timeout=PROGRESS_INTERVAL_S)
        moved = (progress.rows_read, progress.rows_validated) != written
        if (moved or time.monotonic() - beaten > HEARTBEAT_INTERVAL_S) and not parsing.done():
            written, beaten = (progress.rows_read, progress.rows_validated), time.monotonic()
            await queue.beat(database, job_id, rows_read=written[0], rows_validated=written[1])
    parsed: ParsedImport | None = None
    issues: tuple[ImportIssue, ...] = ()
    try:
        parsed = parsing.result()
    except UploadRejected as rejected:  # the file as a whole: unreadable, unsafe XML, too many rows
        issues = (ImportIssue(rejected.code, rejected.message),)
    except Exception:
        logger.exception("import_validation_failed", import_id=str(job_id))
        issues = (ImportIssue("validation_failed", UNEXPECTED_MESSAGE),)

    async with database.transaction() as session:
        job = await session.scalar(
            select(ImportJob).where(ImportJob.id == job_id, ImportJob.status == "validating").with_for_update()
        )
        if job is None:
            return
        job.upload = None
        if parsed is None:
            job.status, job.errors = "rejected", [_issue_json(issue) for issue in issues]
            return
        await _decide(session, job, parsed, plan_ids)


async def _decide(session: AsyncSession, job: ImportJob, parsed: ParsedImport, plan_ids: dict[str, uuid.UUID]) -> None:
    """All-or-nothing: a file with any issue is kept as a rejected job (its log) and nothing is requested from any
    service; a valid file starts the saga."""
    job.rows_total = job.rows_read = job.rows_validated = len(parsed.validated)
    job.validated = [_validated_json(member) for member in parsed.validated]
    job.errors = [_issue_json(issue) for issue in parsed.issues]
    job.fingerprint = parsed.fingerprint
    if not parsed.is_valid:
        job.status = "rejected"
        return
    job.status = "running"
    job.same_as_job_id = await session.scalar(
        select(ImportJob.id)
        .where(
            ImportJob.studio_id == job.studio_id,
            ImportJob.fingerprint == parsed.fingerprint,
            ImportJob.id != job.id,
        )
        .order_by(ImportJob.created_at.desc())
        .limit(1)
    )
    await session.flush()
    rows = parsed.rows
    await session.execute(
        insert(ImportRowState),
        [
            {
                "row_id": row_id(job.id, row.row_number),
                "job_id": job.id,
                "studio_id": job.studio_id,
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
    await add_events(session, [_requested(job.id, row, plan_ids) for row in rows], studio_id=job.studio_id)


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
    if job.status in ("validating", "running"):
        raise Conflict("the import is still running: delete its log when it has completed", code="import_running")
    await session.execute(delete(ImportJob).where(ImportJob.id == job.id))


async def import_log(session: AsyncSession, job: ImportJob) -> ImportLog:
    log = ImportLog(
        file_name=job.file_name,
        validated=[ValidatedMember(v["row"], v["email"], v["name"], v["valid"]) for v in job.validated],
        errors=list(issues_of(job)),
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
    # One probe of the partial index of pending rows instead of counting every row of the job after every answer
    # (that was quadratic in the rows of the file). The job's row lock above makes the last answer see the others.
    pending = await session.scalar(
        select(ImportRowState.row_id)
        .where(ImportRowState.job_id == job.id, ImportRowState.status == RowStatus.PENDING.value)
        .limit(1)
    )
    if pending is not None:
        return
    state = await progress(session, job)
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
