"""The gateway: one public base URL in front of the services. It holds no state, no database and no broker.

/api/v1/<service>/<rest> (canonical; /api/<service>/<rest> is its alias) is forwarded to the service as /<rest>
after the bearer token is checked at the edge (except for the public routes); /ready is 200 only when every
service is ready; /openapi.json merges the services' documents and /docs shows them (offline); /metrics is the
gateway's own, for Prometheus inside the cluster (the public ingress does not route it). Browsers on the
configured origins may call it (CORS).
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NoReturn

import httpx
from fastapi import FastAPI, Request
from fastapi.middleware.cors import CORSMiddleware
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse, Response
from fastapi.routing import APIRoute
from gymloop_kit.auth import TokenVerifier
from gymloop_kit.errors import Unauthorized
from gymloop_kit.http.api_docs import install_offline_docs, operation_id
from gymloop_kit.http.forwarded import trust_forwarded_headers
from gymloop_kit.http.metrics import HttpMetricsMiddleware, metrics_answer
from gymloop_kit.http.middleware import CorrelationMiddleware
from gymloop_kit.http.paths import PlainPathMiddleware
from gymloop_kit.http.problem_docs import with_problem_responses
from gymloop_kit.http.problems import install_problem_handlers
from gymloop_kit.logging import CORRELATION_HEADER, configure_logging, get_logger
from gymloop_kit.tracing import start_tracing
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from gymloop_gateway.edge_auth import EdgeAuth
from gymloop_gateway.openapi_cache import MergedOpenAPI
from gymloop_gateway.proxy import cookieless_jar, edge_refusal, error_answer, forward, upstream_transport
from gymloop_gateway.readiness import platform_state
from gymloop_gateway.settings import GatewaySettings
from gymloop_gateway.versioning import VersionedPathMiddleware
from gymloop_gateway.views import install_views

if TYPE_CHECKING:
    from opentelemetry.sdk.trace.export import SpanExporter

log = get_logger("gateway")

DESCRIPTION = (
    "The Gymloop platform behind one base URL. Every service's API is under /api/v1/<service>/ "
    "(/api/<service>/ answers the same, as an alias kept for existing clients); "
    "send `Authorization: Bearer <access token>` (from POST /api/members/auth/login)."
)
# A service's endpoints that are for the cluster only (Prometheus scrapes /metrics from inside); `path` is
# decoded, so an encoded spelling (metric%73) is caught too.
CLUSTER_ONLY_PATHS = frozenset({"metrics"})
# First path segments that are the gateway's own (or the API's): never forwarded to the web app.
NOT_WEB_SEGMENTS = frozenset({"api", "docs", "redoc", "openapi.json", "health", "ready", "metrics"})
PROXY_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]
# What a browser script on an allowed origin may send, and read from an answer, beyond the CORS-safelisted ones.
CORS_REQUEST_HEADERS = ["Authorization", "Content-Type", "Idempotency-Key", CORRELATION_HEADER]
CORS_EXPOSED_HEADERS = [CORRELATION_HEADER, "Location", "Content-Disposition", "Retry-After", "WWW-Authenticate"]


@dataclass
class Edge:
    settings: GatewaySettings
    client: httpx.AsyncClient
    auth: EdgeAuth
    openapi: MergedOpenAPI


def create_app(
    settings: GatewaySettings | None = None,
    *,
    transport: httpx.AsyncBaseTransport | None = None,
    span_exporter: SpanExporter | None = None,
) -> FastAPI:
    """`transport` lets tests put in-process services behind the gateway; by default it is real HTTP.
    `span_exporter` gets every span besides the OTLP export (tests read them from an in-memory exporter)."""
    settings = settings or GatewaySettings()
    tracing = start_tracing(settings.service_name, settings, span_exporter)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        configure_logging(settings.service_name, settings.log_level, settings.log_json)
        # The correlation middleware logs every request once; httpx's own line per upstream call is noise.
        logging.getLogger("httpx").setLevel(logging.WARNING)
        verifier = TokenVerifier(settings.jwt_public_key, issuer=settings.jwt_issuer, audience=settings.jwt_audience)
        timeout = httpx.Timeout(settings.upstream_timeout_s, connect=settings.upstream_connect_timeout_s)
        upstream = transport or upstream_transport(settings.upstream_max_connections)
        async with httpx.AsyncClient(
            transport=tracing.instrument_client(upstream) if tracing is not None else upstream,
            timeout=timeout,
            follow_redirects=False,
            trust_env=False,  # a proxy from the environment must never sit between the gateway and services
            cookies=cookieless_jar(),
        ) as client:
            app.state.edge = Edge(
                settings=settings,
                client=client,
                auth=EdgeAuth(verifier, settings.public_routes),
                openapi=MergedOpenAPI(client, settings.service_urls, own_openapi, ttl_s=settings.openapi_cache_s),
            )
            log.info("gateway_started", port=settings.http_port, services=sorted(settings.service_urls),
                     tracing=tracing is not None)  # fmt: skip
            try:
                yield
            finally:
                if tracing is not None:
                    tracing.shutdown()

    app = FastAPI(
        title="Gymloop API",
        description=DESCRIPTION,
        version="0.1.0",
        lifespan=lifespan,
        openapi_url=None,
        docs_url=None,
        redoc_url=None,
        generate_unique_id_function=gateway_operation_id,
    )
    install_problem_handlers(app)  # the gateway's own errors (unknown routes, 405, 500) in the kit's schema
    app.add_middleware(PlainPathMiddleware)  # before the public-route check and forwarding see the path
    app.add_middleware(VersionedPathMiddleware)  # runs before the check above: both see the unversioned path
    if settings.cors_origins:
        # Answers a preflight itself, before the edge auth (a browser sends no token with it); inside the
        # correlation middleware, so preflights are logged and every answer, a 401 too, carries the CORS headers.
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_credentials=True,
            allow_methods=[method for method in PROXY_METHODS if method != "OPTIONS"],
            allow_headers=CORS_REQUEST_HEADERS,
            expose_headers=CORS_EXPOSED_HEADERS,
        )
    app.add_middleware(HttpMetricsMiddleware, service=settings.service_name)
    app.add_middleware(CorrelationMiddleware)
    # Only a proxy in front of the gateway (a load balancer) may speak for the client; by default nobody does.
    trust_forwarded_headers(app, settings.trusted_proxies)

    def own_openapi() -> dict[str, Any]:
        document = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
        return with_problem_responses(document)

    def edge_of(request: Request) -> Edge:
        edge: Edge = request.app.state.edge
        return edge

    @app.get("/health", tags=["gateway"], summary="Liveness: the gateway process answers")
    async def health() -> dict[str, str]:
        """200 while the gateway process answers; it says nothing about the services (see /ready)."""
        return {"status": "ok", "service": settings.service_name}

    @app.get("/ready", tags=["gateway"], summary="Readiness: 200 only when every service is ready", responses={503: {}})
    async def ready(request: Request) -> JSONResponse:
        """Asks every service's /ready at once: 200 when all are ready, 503 otherwise, with each one's state."""
        edge = edge_of(request)
        ok, body = await platform_state(edge.client, settings.service_urls, settings.ready_timeout_s)
        return JSONResponse(body, status_code=200 if ok else 503)

    @app.get("/metrics", include_in_schema=False)
    async def metrics() -> Response:
        """The gateway's own request metrics, scraped inside the cluster; a service's are never proxied."""
        return metrics_answer()

    @app.get("/openapi.json", include_in_schema=False)
    async def openapi(request: Request) -> JSONResponse:
        return JSONResponse(await edge_of(request).openapi.document())

    install_views(app)  # before the catch-all proxy route, which would otherwise take /api/views/...

    @app.api_route("/api/{service}/{path:path}", methods=PROXY_METHODS, include_in_schema=False)
    async def proxy(service: str, path: str, request: Request) -> Response:
        edge = edge_of(request)
        # The token first: a caller without one learns nothing, not even which services exist.
        if not edge.auth.is_public(request.method, request.url.path):
            try:
                edge.auth.authenticate(request.headers.get("authorization"))
            except Unauthorized as error:
                return edge_refusal(error)
        if path.rstrip("/") in CLUSTER_ONLY_PATHS:
            return error_answer(
                404, service, "not_found", f"/{path} of the {service} service is read inside the cluster, not here"
            )
        base_url = settings.service_urls.get(service)
        if base_url is None:
            known = ", ".join(sorted(settings.service_urls)) or "none"
            return error_answer(404, service, "unknown_service", f"no service named {service!r}; known: {known}")
        return await forward(edge.client, request, service, base_url)

    install_offline_docs(app, app.title)
    if tracing is not None:
        tracing.instrument_app(app)

    # Last, so every route above wins: the rest of the site is the web app (the back office), same origin.
    @app.api_route("/{path:path}", methods=PROXY_METHODS, include_in_schema=False)
    async def web(path: str, request: Request) -> Response:
        if not settings.web_url or path.split("/", 1)[0] in NOT_WEB_SEGMENTS:
            raise_unrouted(request)
        return await forward(edge_of(request).client, request, "web", settings.web_url, prefix="")

    return app


def raise_unrouted(request: Request) -> NoReturn:
    """What the router would have answered without the web catch-all: 405 with Allow when another route has this
    path, else 404 (both in the kit's problem format)."""
    allowed: set[str] = set()
    for route in request.app.router.routes:
        if isinstance(route, APIRoute) and route.path != "/{path:path}":
            match, _ = route.matches(request.scope)
            if match is Match.PARTIAL:
                allowed |= route.methods or set()
    if allowed:
        raise StarletteHTTPException(405, headers={"Allow": ", ".join(sorted(allowed))})
    raise StarletteHTTPException(404)


def gateway_operation_id(route: APIRoute) -> str:
    """The gateway's own operations are namespaced like the services' ones are by the merge."""
    return f"gateway.{operation_id(route)}"
