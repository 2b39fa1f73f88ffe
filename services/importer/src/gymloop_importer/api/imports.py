"""HTTP routes of the importer: template, dry run, import, progress, log, failed rows, settings."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, File, UploadFile
from fastapi.responses import JSONResponse, Response
from gymloop_kit.app import Session
from gymloop_kit.auth import Staff
from gymloop_kit.http.links import Links, PublicPaths
from gymloop_kit.http.pagination import Page, Paging, slice_page
from gymloop_kit.http.problems import Problem, error_response, problem_body
from pydantic import BaseModel, Field

from gymloop_importer.db.models import ImportJob
from gymloop_importer.domain.dry_run import DryRun, PlannedMember, format_value
from gymloop_importer.domain.errors import ImportIssue, ImportRejected, UploadTooLarge
from gymloop_importer.domain.import_context import CollectionMethod
from gymloop_importer.domain.safety import DEFAULT_LIMITS
from gymloop_importer.domain.template import build_template
from gymloop_importer.service import imports, studio_state

router = APIRouter(tags=["imports"])
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
Upload = Annotated[UploadFile, File(description="The filled-in import template (.xlsx)")]


async def _read_upload(file: UploadFile) -> bytes:
    """Read at most one byte more than the limit, so an oversized upload is refused without holding it."""
    data = await file.read(DEFAULT_LIMITS.max_upload_bytes + 1)
    if len(data) > DEFAULT_LIMITS.max_upload_bytes:
        raise UploadTooLarge(
            "file_too_large",
            f"The file is larger than {DEFAULT_LIMITS.max_upload_bytes // (1024 * 1024)} MB: remove images and "
            "unused sheets, or split the members over several files.",
        )
    return data


class IssueOut(BaseModel):
    code: str
    message: str
    row: int | None
    column: str | None
    column_letter: str | None
    text: str


def _issue(issue: ImportIssue) -> IssueOut:
    return IssueOut(
        code=issue.code,
        message=issue.message,
        row=issue.row,
        column=issue.column_header,
        column_letter=issue.column_letter,
        text=str(issue),
    )


def _rejection(issues: tuple[ImportIssue, ...], import_id: uuid.UUID | None) -> JSONResponse:
    """422 with one field error per problem, each naming row and column."""
    return error_response(ImportRejected(issues), extensions={"import_id": str(import_id) if import_id else None})


def _rejection_problem(job: ImportJob) -> Problem:
    error = ImportRejected(imports.issues_of(job))
    body = problem_body(
        status=error.status_code, code=error.code, detail=error.message, title=error.title,
        field_errors=error.field_errors, extensions={"import_id": str(job.id)},
    )  # fmt: skip
    return Problem.model_validate(body)


class ImportOut(BaseModel):
    id: uuid.UUID
    status: Literal["validating", "rejected", "running", "completed"] = Field(
        description="validating (the file is being checked, see validation_percent), then rejected (the file has "
        "errors; nothing was imported) or running (members and billing work through the rows), then completed"
    )
    file_name: str | None
    created_at: datetime
    completed_at: datetime | None
    validation_percent: int = Field(description="0 to 100: member rows of the file checked so far; 100 once decided")
    rows_total: int = Field(description="member rows of the file; 0 while validating")
    rows_done: int
    rows_failed: int
    members_done: int
    subscriptions_expected: int
    subscriptions_done: int
    percent_done: int
    error_count: int
    same_as_import_id: uuid.UUID | None
    log_url: str = Field(description="The import log as plain text: its full path through the gateway")
    log_csv_url: str = Field(description="The import log as CSV: its full path through the gateway")
    failed_rows_url: str = Field(description="The rows another service refused: its full path through the gateway")


class ImportDetailOut(ImportOut):
    problem: Problem | None = Field(
        description="Once rejected: the 422 problem document, one entry per error with its row, column and fix "
        "(code import_invalid, with import_id); null otherwise"
    )


def _validation_percent(job: ImportJob) -> int:
    if job.status != "validating":
        return 100
    return 100 * job.rows_validated // job.rows_read if job.rows_read else 0


async def _import_out(session: Session, job: ImportJob, links: PublicPaths) -> ImportOut:
    state = await imports.progress(session, job)
    settled = state.rows_settled
    percent = 100 if job.status == "completed" else (100 * settled // job.rows_total if job.rows_total else 0)
    return ImportOut(
        id=job.id,
        status=job.status,
        validation_percent=_validation_percent(job),
        file_name=job.file_name,
        created_at=job.created_at,
        completed_at=job.completed_at,
        rows_total=job.rows_total,
        rows_done=state.rows_done,
        rows_failed=state.rows_failed,
        members_done=state.members_done,
        subscriptions_expected=state.subscriptions_expected,
        subscriptions_done=state.subscriptions_done,
        percent_done=percent,
        error_count=len(job.errors),
        same_as_import_id=job.same_as_job_id,
        log_url=links.to(f"/imports/{job.id}/log"),
        log_csv_url=links.to(f"/imports/{job.id}/log.csv"),
        failed_rows_url=links.to(f"/imports/{job.id}/failed-rows"),
    )


@router.get(
    "/imports/template",
    summary="Download the import template (.xlsx) with this studio's plans in the drop-down",
    response_class=Response,
    responses={200: {"content": {XLSX: {}}}},
)
async def download_template(principal: Staff, session: Session) -> Response:
    """Staff only. An .xlsx file with the columns an import reads, and the studio's active plans offered in the plan
    column."""
    plans = await studio_state.active_plans(session, principal.studio_id)
    return Response(
        build_template([plan.name for plan in plans]),
        media_type=XLSX,
        headers={"Content-Disposition": 'attachment; filename="member-import-template.xlsx"'},
    )


class FieldChangeOut(BaseModel):
    field: str
    old: str
    new: str


class PlannedSubscriptionOut(BaseModel):
    plan_name: str
    start_date: date


class PlannedMemberOut(BaseModel):
    row: int
    email: str
    action: Literal["create", "update", "unchanged"]
    changes: list[FieldChangeOut]
    subscription: PlannedSubscriptionOut | None


class DryRunOut(BaseModel):
    to_create: list[PlannedMemberOut]
    to_update: list[PlannedMemberOut]
    unchanged: list[PlannedMemberOut]
    subscriptions_to_create: int
    text: str


def _planned(member: PlannedMember) -> PlannedMemberOut:
    subscription = member.subscription
    return PlannedMemberOut(
        row=member.row_number,
        email=member.email,
        action=member.action.value,
        changes=[
            FieldChangeOut(field=c.field, old=format_value(c.old), new=format_value(c.new)) for c in member.changes
        ],
        subscription=PlannedSubscriptionOut(plan_name=subscription.plan_name, start_date=subscription.start_date)
        if subscription
        else None,
    )


@router.post(
    "/imports/dry-run",
    operation_id="dryRunImport",
    summary="Show what an import of this file would create and overwrite, field by field; changes nothing",
    response_model=DryRunOut,
    responses={422: {"description": "The file has errors: each names its row, column and what to change"}},
)
async def dry_run(principal: Staff, session: Session, file: Upload) -> DryRunOut | JSONResponse:
    """Staff only. Reads the uploaded template and answers, per row, the member it would create or the fields it
    would overwrite; nothing is stored. A file with errors answers 422, each error naming its row, column and what
    to change."""
    result = await imports.dry_run(
        session,
        studio_id=principal.studio_id,
        data=await _read_upload(file),
        today=await studio_state.studio_today(session, principal.studio_id),
    )
    if not isinstance(result, DryRun):
        return _rejection(result.issues, None)
    return DryRunOut(
        to_create=[_planned(m) for m in result.created],
        to_update=[_planned(m) for m in result.updated],
        unchanged=[_planned(m) for m in result.unchanged],
        subscriptions_to_create=len(result.subscriptions),
        text=result.render_text(),
    )


@router.post(
    "/imports",
    summary="Import members and employees from the template: validated first as a job, then all-or-nothing",
    status_code=202,
    response_model=ImportOut,
    responses={
        413: {"description": "The file is larger than the upload limit"},
        422: {"description": "The upload is not a workbook that can be read safely (empty, not .xlsx, a zip bomb)"},
    },
)
async def start_import(principal: Staff, session: Session, file: Upload, links: Links) -> ImportOut:
    """Staff only. Answers 202 at once with the import `validating`; every row of the file is then checked
    (`validation_percent` at GET /imports/{id}). A file with any error imports nothing: the import becomes
    `rejected`, with its errors (row, column, what to change) as `problem` at GET /imports/{id} and in its log. A
    valid file becomes `running`: members then creates the people and billing their subscriptions, and the
    import's progress follows."""
    job = await imports.accept_import(
        session,
        studio_id=principal.studio_id,
        account_id=principal.account_id,
        file_name=file.filename,
        data=await _read_upload(file),
    )
    # the importer's validation worker claims it once this is committed (a restart in between loses nothing)
    return await _import_out(session, job, links)


@router.get("/imports", summary="Imports of this studio, newest first", response_model=Page[ImportOut])
async def list_imports(principal: Staff, session: Session, page: Paging, links: Links) -> Page[ImportOut]:
    """Staff only. Every import of the studio, newest first, with its progress."""
    jobs, total = await imports.list_jobs(session, principal.studio_id, page)
    return Page.of([await _import_out(session, job, links) for job in jobs], total, page)


@router.get("/imports/{import_id}", summary="An import's progress", response_model=ImportDetailOut)
async def get_import(import_id: uuid.UUID, principal: Staff, session: Session, links: Links) -> ImportDetailOut:
    """Staff only. The import's state and progress (validation, then the rows), with the links to its log and,
    once rejected, its errors."""
    job = await imports.get_job(session, principal.studio_id, import_id)
    summary = await _import_out(session, job, links)
    problem = _rejection_problem(job) if job.status == "rejected" else None
    return ImportDetailOut(**summary.model_dump(), problem=problem)


@router.get(
    "/imports/{import_id}/log",
    operation_id="getImportLog",
    summary="The import log as plain text (for copying)",
    response_class=Response,
    responses={200: {"content": {"text/plain": {}}}},
)
async def get_log_text(import_id: uuid.UUID, principal: Staff, session: Session) -> Response:
    """Staff only. What happened to each row, as plain text."""
    job = await imports.get_job(session, principal.studio_id, import_id)
    log = await imports.import_log(session, job)
    return Response(log.render_text(), media_type="text/plain; charset=utf-8")


@router.get(
    "/imports/{import_id}/log.csv",
    operation_id="getImportLogCsv",
    summary="The import log as CSV (for download)",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}}},
)
async def get_log_csv(import_id: uuid.UUID, principal: Staff, session: Session) -> Response:
    """Staff only. What happened to each row, as a CSV file to download."""
    job = await imports.get_job(session, principal.studio_id, import_id)
    log = await imports.import_log(session, job)
    return Response(
        log.render_csv(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="import-{job.id}.csv"'},
    )


@router.delete("/imports/{import_id}", summary="Delete a finished import and its log", status_code=204)
async def delete_import(import_id: uuid.UUID, principal: Staff, session: Session) -> Response:
    """Staff only. Only a finished import can be deleted; its log goes with it."""
    await imports.delete_job(session, principal.studio_id, import_id)
    return Response(status_code=204)


class FailedRowOut(BaseModel):
    row: int
    email: str
    name: str
    refused_by: Literal["members", "billing"]
    code: str
    field: str | None
    column: str | None
    message: str
    member_outcome: Literal["created", "updated"] | None
    text: str


@router.get(
    "/imports/{import_id}/failed-rows",
    operation_id="listFailedRows",
    summary="The rows members or billing refused: row, e-mail, which service, and what to change",
    response_model=Page[FailedRowOut],
)
async def get_failed_rows(import_id: uuid.UUID, principal: Staff, session: Session, page: Paging) -> Page[FailedRowOut]:
    """Staff only. The rows the members or billing service refused, with the row number, the e-mail, the service and
    what to change."""
    job = await imports.get_job(session, principal.studio_id, import_id)
    log = await imports.import_log(session, job)
    shown, total = slice_page(log.failed, page)
    items = [
        FailedRowOut(
            row=failed.row_number,
            email=failed.email,
            name=failed.name,
            refused_by=failed.rejection.refused_by.value,
            code=failed.rejection.code,
            field=failed.rejection.field,
            column=failed.column,
            message=failed.rejection.message,
            member_outcome=failed.member_outcome.value if failed.member_outcome else None,
            text=failed.detail,
        )
        for failed in shown
    ]
    return Page.of(items, total, page)


class ImportSettings(BaseModel):
    collection_method: Literal["sepa_export", "stripe", "offline", "unknown"]
    subscriptions_importable: Literal["all_plans", "free_hidden_plans_only"]
    explanation: str


@router.get(
    "/import-settings",
    operation_id="getImportSettings",
    summary="How the importer knows this studio collects payments (from billing's settings), and what that allows",
)
async def get_settings(principal: Staff, session: Session) -> ImportSettings:
    """Staff only. The collection method the importer learned from billing's settings, and which subscriptions rows
    may therefore carry."""
    method = await studio_state.collection_method(session, principal.studio_id)
    if method is CollectionMethod.SEPA_EXPORT:
        return ImportSettings(
            collection_method=method.value,
            subscriptions_importable="all_plans",
            explanation="Billing collects by SEPA Direct Debit Export: rows may carry any active plan.",
        )
    if method is CollectionMethod.UNKNOWN:
        explanation = (
            "Billing has not announced this studio's collection method yet: configure it in billing first "
            "(billing settings). Until then only free hidden plans can be imported."
        )
    else:
        explanation = (
            f"Billing collects by {method.label}: only free hidden plans can be imported; change the collection "
            "method in billing to import other subscriptions."
        )
    return ImportSettings(
        collection_method=method.value, subscriptions_importable="free_hidden_plans_only", explanation=explanation
    )
