"""The notifications service's part of the studio export (admin only): its catalogue and its datasets, page by page."""

from __future__ import annotations

from gymloop_kit.http.export_routes import export_router

from gymloop_notifications.service.export import DATASETS

router = export_router(DATASETS)
