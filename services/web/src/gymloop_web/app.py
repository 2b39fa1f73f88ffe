"""The web app: the staff back office and the member app (/app), server-rendered (FastAPI, Jinja2, htmx), served
under / by the gateway.

It holds no database and no business rule: every page is built from the gateway's public API with the user's
token (gymloop_web.gateway). The session is a sealed cookie (gymloop_web.session); every state-changing request
must carry the session's CSRF token (gymloop_web.deps.require_csrf). Static assets (htmx, our stylesheet) are
served from the package itself, never from a CDN.
"""

from __future__ import annotations

import contextlib
import logging
import secrets
from collections.abc import AsyncIterator
from http.cookiejar import CookieJar, DefaultCookiePolicy
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from gymloop_kit.http.forwarded import trust_forwarded_headers
from gymloop_kit.http.metrics import HttpMetricsMiddleware, metrics_answer
from gymloop_kit.http.middleware import CorrelationMiddleware
from gymloop_kit.logging import configure_logging, get_logger
from gymloop_kit.tracing import start_tracing
from starlette.exceptions import HTTPException

from gymloop_web.deps import CsrfRefused, NotLoggedIn, NotMember, NotStaff, require_csrf
from gymloop_web.gateway import ApiError, Gateway, GatewayUnavailable, LoginRequired
from gymloop_web.messages import translator
from gymloop_web.middleware import SecurityHeadersMiddleware, SessionMiddleware
from gymloop_web.rendering import (
    MEMBER_APP_PREFIX,
    environment,
    error_page,
    in_member_app,
    is_htmx,
    replace_session,
)
from gymloop_web.routes import (
    agenda,
    app_cancel,
    app_join,
    app_mandate,
    app_member,
    app_plans,
    app_pwa,
    auth,
    benchmarks,
    billing,
    communication,
    dashboard,
    imports,
    member_billing,
    member_overview,
    member_profile,
    pages,
    reports,
    schedules,
    settings_bookings,
    settings_notifications,
    settings_session_types,
    settings_tags,
)
from gymloop_web.session import SessionSealer, WebSession
from gymloop_web.settings import WebSettings

if TYPE_CHECKING:
    from opentelemetry.sdk.trace.export import SpanExporter

log = get_logger("web")
STATIC_DIR = Path(__file__).parent / "static"


def create_app(
    settings: WebSettings | None = None,
    *,
    transport: httpx.AsyncBaseTransport | None = None,
    span_exporter: SpanExporter | None = None,
) -> FastAPI:
    """`transport` lets tests put an in-process gateway behind the app; by default it is real HTTP.
    `span_exporter` gets every span besides the OTLP export (tests read them from an in-memory exporter)."""
    settings = settings or WebSettings()
    tracing = start_tracing(settings.service_name, settings, span_exporter)
    session_secrets = [secret.get_secret_value() for secret in settings.web_session_secrets]
    generated = not session_secrets
    sealer = SessionSealer(session_secrets or [secrets.token_urlsafe(48)], settings.web_session_max_age_s)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        configure_logging(settings.service_name, settings.log_level, settings.log_json)
        logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per request is the kit's
        to_gateway = transport
        if tracing is not None:
            to_gateway = tracing.instrument_client(transport or httpx.AsyncHTTPTransport())
        async with httpx.AsyncClient(
            base_url=settings.web_gateway_url,
            transport=to_gateway,
            timeout=settings.web_gateway_timeout_s,
            follow_redirects=False,
            trust_env=False,
            cookies=CookieJar(policy=DefaultCookiePolicy(allowed_domains=[])),  # one client serves every user
        ) as client:
            app.state.gateway = Gateway(client)
            if generated:
                log.warning("web_session_secret_generated", note="sessions end when this process restarts")
            log.info("web_started", port=settings.http_port, gateway=settings.web_gateway_url,
                     tracing=tracing is not None)  # fmt: skip
            try:
                yield
            finally:
                if tracing is not None:
                    tracing.shutdown()

    app = FastAPI(
        title="Gymloop web",
        lifespan=lifespan,
        openapi_url=None,
        docs_url=None,
        redoc_url=None,
        dependencies=[Depends(require_csrf)],
    )
    app.state.settings = settings
    app.state.templates = environment()
    app.state.t = translator(settings.web_language)

    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.include_router(auth.router)
    app.include_router(dashboard.router)
    app.include_router(pages.router)
    app.include_router(member_overview.router)
    app.include_router(member_billing.router)
    app.include_router(member_profile.router)
    app.include_router(agenda.router)
    app.include_router(billing.router)
    app.include_router(imports.router)
    app.include_router(communication.router)
    app.include_router(reports.router)
    app.include_router(benchmarks.router)
    app.include_router(settings_notifications.router)
    app.include_router(settings_bookings.router)
    app.include_router(settings_tags.router)
    app.include_router(settings_session_types.router)
    app.include_router(schedules.router)
    app.include_router(app_pwa.router)
    app.include_router(app_join.router)
    app.include_router(app_member.router)
    app.include_router(app_plans.router)
    app.include_router(app_cancel.router)
    app.include_router(app_mandate.router)

    @app.get("/health", include_in_schema=False)
    async def health() -> dict[str, str]:
        return {"status": "ok", "service": settings.service_name}

    @app.get("/ready", include_in_schema=False)
    async def ready(request: Request) -> JSONResponse:
        """Ready when the gateway answers its liveness probe (its /ready would wait on every service)."""
        gateway: Gateway = request.app.state.gateway
        try:
            answer = await gateway.client.get("/health")
            up = answer.status_code == 200
        except httpx.HTTPError:
            up = False
        body = {"status": "ready" if up else "not_ready", "gateway": "up" if up else "down"}
        return JSONResponse(body, status_code=200 if up else 503)

    @app.get("/metrics", include_in_schema=False)
    async def metrics() -> Response:
        return metrics_answer()

    install_error_pages(app)
    app.add_middleware(SessionMiddleware, sealer=sealer)
    app.add_middleware(SecurityHeadersMiddleware)
    app.add_middleware(HttpMetricsMiddleware, service=settings.service_name)
    app.add_middleware(CorrelationMiddleware)
    # The gateway is the proxy in front: its X-Forwarded-Proto says whether the browser used https (Secure cookie).
    trust_forwarded_headers(app, settings.trusted_proxies)
    if tracing is not None:
        tracing.instrument_app(app)
    return app


def to_login(request: Request, notice: str | None = None) -> Response:
    """The login page of the part of the site the request was for: the member app's or the back office's."""
    login = f"{MEMBER_APP_PREFIX}/login" if in_member_app(request) else "/login"
    target = login + (f"?notice={notice}" if notice else "")
    if is_htmx(request):  # a fragment request: htmx follows this header with a full page load
        return Response(status_code=204, headers={"HX-Redirect": target})
    return RedirectResponse(target, status_code=303)


def install_error_pages(app: FastAPI) -> None:
    """Errors as pages in the app's look, with the status the situation calls for."""

    @app.exception_handler(CsrfRefused)
    async def csrf_refused(request: Request, _: Exception) -> Response:
        return error_page(request, 403, "error.title", "error.csrf")

    @app.exception_handler(NotLoggedIn)
    async def not_logged_in(request: Request, _: Exception) -> Response:
        return to_login(request)

    @app.exception_handler(LoginRequired)
    async def login_required(request: Request, _: Exception) -> Response:
        replace_session(request, WebSession())
        return to_login(request, "expired")

    @app.exception_handler(NotStaff)
    async def not_staff(request: Request, _: Exception) -> Response:
        if in_member_app(request):  # the API refused a member something: not a question of the back office role
            return error_page(request, 403, "error.title", "app.error.forbidden")
        return error_page(request, 403, "error.forbidden_title", "error.forbidden")

    @app.exception_handler(NotMember)
    async def not_member(request: Request, _: Exception) -> Response:
        return error_page(request, 403, "app.error.staff_title", "app.error.staff")

    @app.exception_handler(GatewayUnavailable)
    async def unavailable(request: Request, _: Exception) -> Response:
        return error_page(request, 503, "error.title", "error.unavailable")

    @app.exception_handler(ApiError)
    async def api_error(request: Request, error: Exception) -> Response:
        assert isinstance(error, ApiError)
        if error.status == 403:
            return await not_staff(request, error)
        return error_page(request, error.status, "error.title", None, error)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, error: Exception) -> Response:
        assert isinstance(error, HTTPException)
        if error.status_code == 404:
            return error_page(request, 404, "error.not_found_title", "error.not_found")
        return error_page(request, error.status_code, "error.title", None)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, _: Exception) -> Response:
        return error_page(request, 422, "error.title", "error.form")
