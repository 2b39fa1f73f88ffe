"""Forwarding one request to a service: method, path, query, body and headers pass through unchanged,
except the hop-by-hop headers and X-Forwarded-*, which the gateway writes itself; the correlation id goes
along. A service that does not answer is named."""

from __future__ import annotations

from http.cookiejar import CookieJar, DefaultCookiePolicy

import aiohttp
import httpx
from fastapi import Request
from fastapi.responses import JSONResponse, Response
from gymloop_kit.errors import FieldError, Unauthorized
from gymloop_kit.http.forwarded import client_address
from gymloop_kit.http.problems import error_response, problem_body, problem_response
from gymloop_kit.logging import CORRELATION_HEADER, current_correlation_id, get_logger
from gymloop_kit.tracing import TRACE_HEADERS, trace_headers
from httpx_aiohttp import AiohttpTransport

from gymloop_gateway.versioning import canonical

log = get_logger("gateway.proxy")

# RFC 9110 7.6.1 hop-by-hop headers, plus the ones the HTTP client must compute itself.
HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "proxy-connection",
        "te",
        "trailer",
        "trailers",
        "transfer-encoding",
        "upgrade",
        "host",
        "content-length",
    }
)
# Well below the services' (uvicorn's) keep-alive timeout of 5 s: a busy gateway reuses a connection a while after
# the service sent its answer and started counting, and a service that has just closed it resets the request.
KEEPALIVE_S = 2.0
# The answer's body is handed on decoded, so its encoding and length headers no longer apply.
DROPPED_FROM_ANSWER = HOP_BY_HOP | {"content-encoding", CORRELATION_HEADER.lower()}


def cookieless_jar() -> CookieJar:
    """For the gateway's shared HTTP client: httpx keeps the cookies of every answer by default and sends them
    with every later request, so one browser's session cookie from the web app would travel with everyone's
    requests. A cookie passes through in the headers, never through the client's jar."""
    return CookieJar(policy=DefaultCookiePolicy(allowed_domains=[]))


def upstream_transport(max_connections: int) -> httpx.AsyncBaseTransport:
    """The real HTTP under the gateway's httpx client: aiohttp's pool and C parser (httpcore's pool bookkeeping
    and per-request async-library probing took most of the gateway's time under load). Tests put their own
    httpx transports in its place. No cookie jar (see `cookieless_jar`), no proxy from the environment; the
    answer's body is left encoded, as httpx decodes it. A pooled connection the service closed while idle is not
    used again; one dropped under a request is retried once on a new connection for an idempotent method only
    (aiohttp's rule, RFC 9112 9.3.1): a POST may have reached the service, so its caller gets the 503 and decides."""

    def session() -> aiohttp.ClientSession:
        # An idle connection is dropped well before uvicorn's keep-alive ends it (see KEEPALIVE_S).
        connector = aiohttp.TCPConnector(
            limit=max_connections, limit_per_host=max_connections, keepalive_timeout=KEEPALIVE_S, ttl_dns_cache=300
        )
        return aiohttp.ClientSession(connector=connector, cookie_jar=aiohttp.DummyCookieJar(), trust_env=False)

    return AiohttpTransport(client=session)


def error_answer(status: int, service: str, code: str, message: str) -> JSONResponse:
    """The kit's problem document, plus the service it is about."""
    return problem_response(problem_body(status=status, code=code, detail=message, extensions={"service": service}))


def edge_refusal(error: Unauthorized) -> JSONResponse:
    """401 at the edge, naming the header at fault; it names no service, as the caller is not known yet."""
    at_fault = FieldError(("header", "Authorization"), error.message, error.code)
    return error_response(Unauthorized(error.message, code=error.code, field_errors=[at_fault]))


def upstream_url(request: Request, service: str, base_url: str, prefix_text: str | None = None) -> str:
    """`/api/<service>/<rest>?q` -> `<base_url>/<rest>?q`, keeping the path exactly as the client encoded it."""
    raw_path: bytes = request.scope.get("raw_path") or request.url.path.encode()
    prefix = (f"/api/{service}" if prefix_text is None else prefix_text).encode()
    rest = raw_path[len(prefix) :] if raw_path.startswith(prefix) else raw_path
    url = base_url.rstrip("/") + (rest.decode("latin-1") or "/")
    if request.url.query:
        url += "?" + request.url.query
    return url


def forwarded_headers(request: Request, service: str, prefix: str | None = None) -> list[tuple[str, str]]:
    """The client's headers minus hop-by-hop ones, with X-Forwarded-* replaced by what the gateway saw: a client
    writes whatever it likes there, and the services believe these headers because they come from the gateway."""
    connection_listed = {
        token.strip().lower() for token in request.headers.get("connection", "").split(",") if token.strip()
    }
    headers = [
        (key, value)
        for key, value in request.headers.items()
        if key not in HOP_BY_HOP and key not in connection_listed and key != CORRELATION_HEADER.lower()
        and not key.startswith("x-forwarded-") and key != "forwarded" and key not in TRACE_HEADERS
    ]  # fmt: skip
    headers += trace_headers().items()  # the service's span is a child of the gateway's
    headers += [
        (CORRELATION_HEADER, current_correlation_id()),
        ("X-Forwarded-Proto", request.url.scheme),
        ("X-Forwarded-Host", request.headers.get("host", "")),
        # links the service builds use the canonical path; the web app (prefix "") is mounted at the root
        ("X-Forwarded-Prefix", canonical(f"/api/{service}") if prefix is None else prefix),
    ]
    if client := client_address(request):
        headers.append(("X-Forwarded-For", client))
    return headers


async def forward(
    client: httpx.AsyncClient, request: Request, service: str, base_url: str, *, prefix: str | None = None
) -> Response:
    """`prefix`: the part of the path that is the gateway's, not the service's (default /api/<service>)."""
    url = upstream_url(request, service, base_url, prefix)
    try:
        answer = await client.request(
            request.method, url, headers=forwarded_headers(request, service, prefix), content=await request.body()
        )
    except (httpx.ConnectError, httpx.ConnectTimeout, httpx.RemoteProtocolError) as error:
        log.warning("service_unavailable", target=service, url=base_url, error=repr(error)[:200])
        return error_answer(
            503, service, "service_unavailable",
            f"the {service} service is unavailable ({base_url} does not answer): try again shortly",
        )  # fmt: skip
    except httpx.TimeoutException:
        log.warning("service_timeout", target=service, url=base_url)
        return error_answer(504, service, "service_timeout", f"the {service} service did not answer in time")
    except httpx.HTTPError as error:
        log.warning("service_error", target=service, url=base_url, error=repr(error)[:200])
        return error_answer(502, service, "bad_gateway", f"the {service} service answered unusably: try again shortly")
    response = Response(content=answer.content, status_code=answer.status_code)
    response.raw_headers = [
        (key.encode("latin-1"), value.encode("latin-1"))
        for key, value in answer.headers.multi_items()
        if key.lower() not in DROPPED_FROM_ANSWER
    ] + [(b"content-length", str(len(answer.content)).encode())]
    return response
