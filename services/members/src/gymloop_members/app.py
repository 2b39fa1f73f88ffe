"""The members service: accounts and login, studios, members, employees and roles, tags, checklists, notes,
attachments."""

from __future__ import annotations

from fastapi import FastAPI
from gymloop_kit.app import ServiceSpec, create_service_app
from gymloop_kit.settings import ServiceSettings

from gymloop_members.api import (
    attachments,
    auth,
    checklists,
    export,
    member_overview,
    members,
    notes,
    registrations,
    studios,
    tags,
)
from gymloop_members.messaging.subscriptions import subscriptions
from gymloop_members.service.mail import mail_sender
from gymloop_members.settings import MembersSettings


def create_app(settings: ServiceSettings | None = None) -> FastAPI:
    if settings is None:
        settings = MembersSettings()
    elif not isinstance(settings, MembersSettings):
        settings = MembersSettings(**settings.model_dump())
    if not settings.jwt_private_key:
        raise ValueError("GYMLOOP_JWT_PRIVATE_KEY is not set: the members service signs the access tokens")
    spec = ServiceSpec(
        name="members",
        description="Accounts and login, studios, members, employees and roles, responsible employee, profile, "
        "tags, checklists, notes and attachments.",
        routers=[
            auth.router,
            registrations.router,
            studios.router,
            members.router,
            member_overview.router,
            tags.router,
            checklists.router,
            notes.router,
            attachments.router,
            export.router,
        ],
        subscriptions=subscriptions,
        background_jobs=[mail_sender],
    )
    return create_service_app(spec, settings)
