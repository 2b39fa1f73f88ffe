"""The member import (seed 003): the template to fill in, a dry run that shows what the file would create and
overwrite field by field, the import itself with its progress (the importer validates the whole file first), and
its log to copy or download. The importer keeps every rule; a file with errors shows each one with its row and
column."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, File, Query, Request, UploadFile
from fastapi.responses import RedirectResponse, Response

from gymloop_web.deps import GatewayDep, StaffSession
from gymloop_web.downloads import passed_on
from gymloop_web.gateway import ApiError, Gateway, GatewayUnavailable, Upload, items_of, total_of
from gymloop_web.messages import translator
from gymloop_web.reads import refusal
from gymloop_web.rendering import is_htmx, render
from gymloop_web.session import WebSession

router = APIRouter()

IMPORTS_PAGE_SIZE = 10
UNFINISHED = ("validating", "running")  # the progress part of the page asks again while the import is one of these


def file_issues(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The problem document's errors as the page lists them: row, column and what to change."""
    return [
        {"row": e.get("row"), "column": e.get("column"), "column_letter": e.get("column_letter"), "msg": e.get("msg")}
        for e in entries
    ]


async def imports_page(
    request: Request,
    session: WebSession,
    gateway: Gateway,
    offset: int = 0,
    error: ApiError | None = None,
    dry_run: dict[str, Any] | None = None,
) -> Response:
    listed = await gateway.call(
        session, "GET", "/api/v1/importer/imports", params={"limit": IMPORTS_PAGE_SIZE, "offset": offset}
    )
    return render(
        request,
        "imports.html",
        error.status if error else 200,
        imports=items_of(listed),
        total=total_of(listed),
        offset=offset,
        page_size=IMPORTS_PAGE_SIZE,
        error=error,
        issues=file_issues(error.entries) if error else [],
        dry_run=dry_run,
    )


async def uploaded(request: Request, file: UploadFile | None) -> Upload | ApiError:
    """The chosen file, or the error that asks for one next to the file control."""
    if file is None or not file.filename:
        t = translator(request.app.state.settings.web_language)
        return ApiError(422, "invalid", "", fields={"file": t("attachment.choose_file")})
    return (file.filename, await file.read(), file.content_type or "application/octet-stream")


@router.get("/imports")
async def imports(
    request: Request,
    session: StaffSession,
    gateway: GatewayDep,
    offset: Annotated[int, Query(ge=0, le=2_000_000_000)] = 0,
) -> Response:
    return await imports_page(request, session, gateway, offset)


@router.get("/imports/template")
async def template(session: StaffSession, gateway: GatewayDep) -> Response:
    """The .xlsx to fill in, with the studio's plans in the plan column's drop-down."""
    return passed_on(await gateway.download(session, "/api/v1/importer/imports/template"))


async def send_file(
    request: Request, session: WebSession, gateway: Gateway, path: str, file: UploadFile | None
) -> dict[str, Any] | Response:
    """The chosen file to the importer: its answer, or the imports page with the refusal (row by row)."""
    sent = await uploaded(request, file)
    if isinstance(sent, ApiError):
        return await imports_page(request, session, gateway, error=sent)
    answer: dict[str, Any] = {"file_name": sent[0]}

    async def send() -> None:
        answer.update(await gateway.call(session, "POST", path, files=sent))

    if error := await refusal(send()):
        return await imports_page(request, session, gateway, error=error)
    return answer


@router.post("/imports/dry-run")
async def dry_run(
    request: Request, session: StaffSession, gateway: GatewayDep, file: Annotated[UploadFile | None, File()] = None
) -> Response:
    """Nothing is stored: the page shows what an import of this file would do, or the file's errors."""
    planned = await send_file(request, session, gateway, "/api/v1/importer/imports/dry-run", file)
    if isinstance(planned, Response):
        return planned
    return await imports_page(request, session, gateway, dry_run=planned)


@router.post("/imports")
async def start_import(
    request: Request, session: StaffSession, gateway: GatewayDep, file: Annotated[UploadFile | None, File()] = None
) -> Response:
    """The importer answers at once and validates the file as a job: its page follows the progress."""
    started = await send_file(request, session, gateway, "/api/v1/importer/imports", file)
    if isinstance(started, Response):
        return started
    return RedirectResponse(f"/imports/{started['id']}", status_code=303)


@router.get("/imports/{import_id}")
async def import_page(request: Request, import_id: uuid.UUID, session: StaffSession, gateway: GatewayDep) -> Response:
    """The whole page, or only its progress part when htmx polls it while the import is unfinished."""
    job = await gateway.call(session, "GET", f"/api/v1/importer/imports/{import_id}")
    finished = job.get("status") not in UNFINISHED
    problem = job.get("problem") if isinstance(job.get("problem"), dict) else {}
    context = {"job": job, "finished": finished, "issues": file_issues(problem.get("errors") or [])}
    if is_htmx(request) and request.headers.get("hx-target") == "import-progress":
        progress = render(request, "_import_progress.html", **context)
        if finished:  # the whole page again, now with the log
            progress.headers["HX-Refresh"] = "true"
        return progress
    return render(
        request, "import.html", **context, log=await import_log(gateway, session, import_id) if finished else None
    )


async def import_log(gateway: Gateway, session: WebSession, import_id: uuid.UUID) -> str | None:
    """The log as plain text (the importer's own wording); None when the importer cannot give it now."""
    try:
        return (await gateway.download(session, f"/api/v1/importer/imports/{import_id}/log")).text
    except (ApiError, GatewayUnavailable):
        return None


@router.get("/imports/{import_id}/log.csv")
async def log_csv(import_id: uuid.UUID, session: StaffSession, gateway: GatewayDep) -> Response:
    return passed_on(await gateway.download(session, f"/api/v1/importer/imports/{import_id}/log.csv"))
