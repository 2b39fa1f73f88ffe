"""HTTP routes of the studio export: start one, follow it, download its ZIP. Admins only: it holds every record
of the studio."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from fastapi import APIRouter, Request
from fastapi.responses import Response
from gymloop_kit.app import Session
from gymloop_kit.auth import Admin
from gymloop_kit.http.links import Links, PublicPaths
from gymloop_kit.http.pagination import Page, Paging
from pydantic import BaseModel, Field

from gymloop_importer.db.models import ExportJob
from gymloop_importer.domain.export_progress import export_percent
from gymloop_importer.service import exports

router = APIRouter(tags=["exports"])


class ExportOut(BaseModel):
    id: uuid.UUID
    status: Literal["queued", "running", "completed", "failed", "expired"] = Field(
        description="expired: the ZIP was deleted after the retention time (the export is listed still)"
    )
    percent_done: int = Field(description="0 to 100; 100 once the ZIP can be downloaded")
    datasets_total: int
    datasets_done: int
    error: str | None = Field(description="Why the export failed and what to do; null unless it failed")
    created_at: datetime
    completed_at: datetime | None
    expired_at: datetime | None = Field(description="When the ZIP was deleted; null unless expired")
    file_url: str | None = Field(description="The ZIP, its full path through the gateway; null until completed")


def _export_out(job: ExportJob, links: PublicPaths) -> ExportOut:
    return ExportOut(
        id=job.id,
        status=job.status,
        percent_done=export_percent(job.status, job.datasets_done, job.datasets_total),
        datasets_total=job.datasets_total,
        datasets_done=job.datasets_done,
        error=job.error,
        created_at=job.created_at,
        completed_at=job.completed_at,
        expired_at=job.expired_at,
        file_url=links.to(f"/exports/{job.id}/file") if job.status == "completed" else None,
    )


def _bearer_token(request: Request) -> str:
    # the Admin dependency has already verified it; the job reads the services on the admin's behalf with it
    return request.headers.get("authorization", "").partition(" ")[2].strip()


@router.post(
    "/exports",
    summary="Start a full export of the studio's data (one ZIP of CSV and JSON files with a README)",
    status_code=202,
    response_model=ExportOut,
    responses={409: {"description": "An export of this studio is still running"}},
)
async def start_export(principal: Admin, session: Session, links: Links, request: Request) -> ExportOut:
    """Admins only. Answers 202 with the queued export; a worker of the importer runs it (a restart of the importer
    does not lose it), reading every service's records of the studio with the admin's sign-in. Follow it at
    GET /exports/{id}. A finished ZIP is kept for the configured retention time, then the export is expired."""
    job = await exports.start_export(
        session, studio_id=principal.studio_id, account_id=principal.account_id, access_token=_bearer_token(request)
    )
    return _export_out(job, links)


@router.get("/exports", summary="Exports of this studio, newest first", response_model=Page[ExportOut])
async def list_exports(principal: Admin, session: Session, page: Paging, links: Links) -> Page[ExportOut]:
    """Admins only. Every export of the studio, newest first, with its progress."""
    jobs, total = await exports.list_exports(session, principal.studio_id, page)
    return Page.of([_export_out(job, links) for job in jobs], total, page)


@router.get("/exports/{export_id}", summary="An export's progress", response_model=ExportOut)
async def get_export(export_id: uuid.UUID, principal: Admin, session: Session, links: Links) -> ExportOut:
    """Admins only. Status and percentage; once completed, the link to the ZIP."""
    return _export_out(await exports.get_export(session, principal.studio_id, export_id), links)


@router.get(
    "/exports/{export_id}/file",
    operation_id="downloadExport",
    summary="Download a completed export (ZIP)",
    response_class=Response,
    responses={
        200: {"content": {"application/zip": {}}},
        409: {"description": "The export has not completed"},
        410: {"description": "The export expired: its ZIP was deleted after the retention time; start a new one"},
    },
)
async def download_export(export_id: uuid.UUID, principal: Admin, session: Session) -> Response:
    """Admins only. The ZIP: per service and dataset a CSV and a JSON file, and a README of every column."""
    archive = await exports.archive_of(session, principal.studio_id, export_id)
    return Response(
        archive,
        media_type="application/zip",
        headers={"Content-Disposition": f'attachment; filename="studio-export-{export_id}.zip"'},
    )
