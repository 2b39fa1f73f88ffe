"""The bookings service: schedules, sessions, sign-ups with credits, waitlists, attendance, user log, agenda."""

from __future__ import annotations

from fastapi import FastAPI
from gymloop_kit.app import ServiceSpec, create_service_app
from gymloop_kit.idempotency import purge_idempotency_keys
from gymloop_kit.settings import ServiceSettings

from gymloop_bookings.api import (
    benchmarks,
    export,
    member_overview,
    members,
    public,
    reports,
    schedules,
    sessions,
    studio,
    summaries,
)
from gymloop_bookings.messaging.subscriptions import subscriptions
from gymloop_bookings.service.housekeeping import housekeeping
from gymloop_bookings.settings import BookingsSettings


def create_app(settings: ServiceSettings | None = None) -> FastAPI:
    spec = ServiceSpec(
        name="bookings",
        description=(
            "Locations, session types, weekly schedules and sessions; sign-ups charging credits, waitlists, "
            "attendance, the membership user log, agenda, iCalendar feeds and occupancy reports. "
            "Entitlements come from billing's subscription events."
        ),
        routers=[
            studio.router,
            schedules.router,
            sessions.router,
            members.router,
            member_overview.router,
            reports.router,
            summaries.router,
            export.router,
            public.router,
            benchmarks.router,
        ],
        subscriptions=subscriptions,
        background_jobs=[housekeeping, purge_idempotency_keys],
    )
    return create_service_app(spec, settings or BookingsSettings())
