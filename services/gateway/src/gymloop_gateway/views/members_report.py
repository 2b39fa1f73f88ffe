"""The members report (seed 001, reporting): every member with plan, status, average visits per week, last visit,
responsible employee, credits left and payment state; sortable, filterable, paged, and exported as CSV or XLSX."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response
from gymloop_kit.bounds import NonNegativeInt32
from gymloop_kit.errors import Forbidden
from gymloop_kit.http.problems import problem_body, problem_response

from gymloop_gateway.views.access import Caller, edge_of
from gymloop_gateway.views.all_pages import every_item
from gymloop_gateway.views.fanout import Part, ServiceCall
from gymloop_gateway.views.report_rows import (
    COLUMNS,
    DEFAULT_SORT,
    ReportFilters,
    filter_rows,
    public_row,
    report_rows,
    sort_rows,
)
from gymloop_gateway.views.spreadsheets import CSV_TYPE, XLSX_TYPE, to_csv, to_xlsx
from gymloop_gateway.views.staff_schemas import MembersReport

router = APIRouter(tags=["views"])

MEMBERS_PAGE = 200  # members' largest page
SUMMARY_PAGE = 500  # billing's and bookings' largest page
Format = Literal["json", "csv", "xlsx"]


def wanted_format(format: Format | None, accept: str) -> Format:
    """`format` wins; otherwise what the Accept header asks for; JSON by default."""
    if format is not None:
        return format
    if XLSX_TYPE in accept:
        return "xlsx"
    if "text/csv" in accept:
        return "csv"
    return "json"


@router.get(
    "/members-report",
    summary="Every member with plan, status, visits, last visit, responsible employee, credits and payment state",
    response_model=MembersReport,
    responses={
        401: {},
        403: {},
        503: {},
        200: {
            "content": {"text/csv": {}, XLSX_TYPE: {}},
            "description": "The report page as JSON, or the whole report as a CSV or XLSX file",
        },
    },
)
async def members_report(
    request: Request,
    principal: Caller,
    sort: Annotated[
        str, Query(description="name, -last_visit, average_visits_per_week, credits_left, payment_state, plan, ...")
    ] = DEFAULT_SORT,
    status: Annotated[Literal["active", "archived"] | None, Query()] = None,
    plan: Annotated[str | None, Query(max_length=200, description="A plan's name or id")] = None,
    tag: Annotated[str | None, Query(max_length=200, description="A tag's name or id")] = None,
    responsible_employee_id: Annotated[str | None, Query(max_length=36)] = None,
    payment_state: Annotated[Literal["ok", "overdue"] | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[NonNegativeInt32, Query()] = 0,
    format: Annotated[Format | None, Query(description="json (default), csv or xlsx; or send Accept")] = None,
) -> Response:
    """Staff only (a member gets 403). One row per member (people who are only employees are left out): name,
    e-mail, status, current plans, tags, responsible employee, average visits per week over the last 12 weeks,
    last visit, credits left on valid packs, payment state (ok or overdue). Filters combine; `sort` takes one
    column, `-` first for descending, empty values last. JSON answers one page (`limit`, `offset`) in the list
    envelope; CSV and XLSX hold every row that matches, in the same order, with text that a spreadsheet would run
    as a formula kept as text. A service that does not answer leaves its columns empty and is named in
    `unavailable` (JSON) or the `Gymloop-Unavailable` header (files); without members there is no report (503)."""
    if not principal.is_staff:
        raise Forbidden("the members report is for staff", code="role_required")
    sort_rows([], sort)  # an unknown sort column is refused before any service is asked
    edge = edge_of(request)
    (people, people_failure), (attendance, attendance_failure), (billing, billing_failure) = await asyncio.gather(
        every_item(edge, request, ServiceCall("members", "/members"), MEMBERS_PAGE),
        every_item(edge, request, ServiceCall("bookings", "/attendance-summaries"), SUMMARY_PAGE),
        every_item(edge, request, ServiceCall("billing", "/member-billing"), SUMMARY_PAGE),
    )
    chosen = wanted_format(format, request.headers.get("accept", ""))
    if people_failure is not None and chosen != "json":
        return problem_response(
            problem_body(
                status=503,
                code="members_unavailable",
                detail=f"no report without the members: {people_failure.detail}",
                extensions={"service": "members"},
            )
        )
    rows = report_rows(
        people,
        {str(a.get("member_id")): a for a in attendance} if attendance_failure is None else None,
        {str(b.get("member_id")): b for b in billing} if billing_failure is None else None,
    )
    filters = ReportFilters(
        status=status,
        plan=plan,
        tag=tag,
        responsible_employee_id=responsible_employee_id,
        payment_state=payment_state,
    )
    ordered = [public_row(r) for r in sort_rows(filter_rows(rows, filters), sort)]
    missing = {f.service: f for f in (people_failure, attendance_failure, billing_failure) if f is not None}
    if chosen == "json":
        return JSONResponse(
            {
                "items": ordered[offset : offset + limit],
                "total": len(ordered),
                "limit": limit,
                "offset": offset,
                "sort": sort,
                "unavailable": {service: part.unavailable() for service, part in missing.items()},
            }
        )
    return export(chosen, ordered, missing)


def export(chosen: Format, rows: list[dict[str, Any]], missing: dict[str, Part]) -> Response:
    stamp = datetime.now(UTC).strftime("%Y%m%d")
    if chosen == "csv":
        content, media_type = to_csv(COLUMNS, rows), CSV_TYPE
    else:
        content, media_type = to_xlsx(COLUMNS, rows, title="Members"), XLSX_TYPE
    headers = {"Content-Disposition": f'attachment; filename="members-report-{stamp}.{chosen}"'}
    if missing:
        headers["Gymloop-Unavailable"] = ", ".join(sorted(missing))
    return Response(content, media_type=media_type, headers=headers)
