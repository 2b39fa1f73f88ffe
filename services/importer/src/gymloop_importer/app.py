"""The importer service: template, validation, dry run, the import saga and its log."""

from __future__ import annotations

from fastapi import FastAPI
from gymloop_kit.app import ServiceSpec, create_service_app
from gymloop_kit.settings import ServiceSettings

from gymloop_importer.api import exports, imports
from gymloop_importer.messaging.subscriptions import subscriptions
from gymloop_importer.service.workers import export_retention, export_worker, validation_worker
from gymloop_importer.settings import ImporterSettings


def create_app(settings: ServiceSettings | None = None) -> FastAPI:
    spec = ServiceSpec(
        name="importer",
        description="Member and employee import from the Excel template: templates, import jobs, validation, "
        "dry runs, the import log and the import saga; the full studio export.",
        routers=[imports.router, exports.router],
        subscriptions=subscriptions,
        background_jobs=[validation_worker, export_worker, export_retention],
    )
    return create_service_app(spec, settings or ImporterSettings())
