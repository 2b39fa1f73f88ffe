"""`python -m gymloop_<service>` runs the app the same way for every service: uvicorn on the configured host and
port, JSON logs from the first line on, one log line per request (the kit's `http_request`; uvicorn's access
log is off) and forwarded headers decided by the kit's trusted proxies, not by uvicorn's own default."""

from __future__ import annotations

import uvicorn
from fastapi import FastAPI

from gymloop_kit.logging import configure_logging
from gymloop_kit.settings import ServiceSettings


def serve(app: FastAPI, settings: ServiceSettings) -> None:
    configure_logging(settings.service_name, settings.log_level, settings.log_json)
    uvicorn.run(
        app,
        host=settings.http_host,
        port=settings.http_port,
        log_config=None,  # keep the kit's handlers
        access_log=False,
        proxy_headers=False,  # see gymloop_kit.http.forwarded
    )
