"""Reports: sessions with occupancy and no-shows; occupancy per weekday, hour, location, session type, coach."""

from __future__ import annotations

from fastapi import APIRouter, Query
from gymloop_kit.app import Session
from gymloop_kit.auth import Staff
from gymloop_kit.http.dates import Day
from gymloop_kit.http.pagination import Page, Paging, slice_page

from gymloop_bookings.api.schemas import OccupancyOut, SessionReportOut
from gymloop_bookings.domain.reports import Dimension, sessions_report
from gymloop_bookings.service import views

router = APIRouter(tags=["reports"])


@router.get("/reports/sessions", summary="Sessions with occupancy and no-shows", response_model=Page[SessionReportOut])
async def get_sessions_report(
    principal: Staff, session: Session, page: Paging, first_day: Day, days: int = Query(default=7, ge=1, le=92)
) -> Page[SessionReportOut]:
    """Staff only. For each session of `days` local days from `first_day`, by start: places booked, capacity,
    attendance and no-shows."""
    records = await views.session_records(session, principal.studio_id, first_day, days)
    shown, total = slice_page(sessions_report(records), page)
    items = [
        SessionReportOut(
            session_id=r.session_id,
            location_id=r.location_id,
            session_type_id=r.session_type_id,
            local_start=r.local_start,
            capacity=r.capacity,
            taken=r.taken,
            no_shows=r.no_shows,
            late_cancels=r.late_cancels,
            cancelled=r.cancelled,
            occupancy=r.occupancy,
        )
        for r in shown
    ]
    return Page.of(items, total, page)


@router.get(
    "/reports/occupancy",
    operation_id="getOccupancyReport",
    summary="Occupancy per weekday, hour, location, session type or coach",
    response_model=list[OccupancyOut],
)
async def get_occupancy(
    principal: Staff, session: Session, first_day: Day, by: Dimension, days: int = Query(default=28, ge=1, le=92)
) -> list[OccupancyOut]:
    """Staff only. Average occupancy of the sessions of `days` local days from `first_day`, grouped by weekday, hour,
    location, session type or coach (the key `none` holds the sessions without a coach)."""
    records = await views.session_records(session, principal.studio_id, first_day, days)
    return [
        OccupancyOut(
            key=str(r.key),
            sessions=r.sessions,
            places=r.places,
            taken=r.taken,
            no_shows=r.no_shows,
            occupancy=r.occupancy,
        )
        for r in views.occupancy(records, by)
    ]
