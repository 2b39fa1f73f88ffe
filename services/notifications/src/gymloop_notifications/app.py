"""The notifications service: retention notifications, employee dashboards and member communication."""

from __future__ import annotations

from fastapi import FastAPI
from gymloop_kit.app import ServiceSpec, create_service_app
from gymloop_kit.settings import ServiceSettings

from gymloop_notifications.api import communication, export, notifications
from gymloop_notifications.messaging.subscriptions import subscriptions
from gymloop_notifications.service.email_sender import email_sender_job
from gymloop_notifications.service.scheduler import nightly_refresh_job, refresh_job_worker
from gymloop_notifications.settings import NotificationsSettings


def create_app(settings: ServiceSettings | None = None) -> FastAPI:
    spec = ServiceSpec(
        name="notifications",
        description=(
            "Notification settings and notifications (birthday, absence, trends, check-ups, custom), "
            "employee dashboards, info posts, member messages with delivery status, e-mail over SMTP"
        ),
        routers=[notifications.router, communication.router, export.router],
        subscriptions=subscriptions,
        background_jobs=[nightly_refresh_job, refresh_job_worker, email_sender_job],
    )
    return create_service_app(spec, settings or NotificationsSettings())
