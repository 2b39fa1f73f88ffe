"""Fan-out for the gateway's views: several service reads at once, each with its own time budget.

Every call goes over the gateway's one HTTP client to the same upstream URLs the proxy uses, with the caller's
token (the services check it again and scope the answer to the caller) and the correlation id, so one view is one
trace. A part whose service is down, too slow or failing (5xx) comes back marked unavailable and the view still
answers; a refusal (401/403/404) by the service that owns the view's subject is the view's own answer, since
without the subject there is nothing to show.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import httpx
from fastapi import Request
from gymloop_kit.http.forwarded import client_address
from gymloop_kit.http.problems import problem_body
from gymloop_kit.logging import CORRELATION_HEADER, current_correlation_id, get_logger
from gymloop_kit.tracing import inject_trace_headers

from gymloop_gateway.versioning import canonical

if TYPE_CHECKING:
    from gymloop_gateway.app import Edge

log = get_logger("gateway.views")

# Answers of the subject's owner that end the view: it is not the caller's to see, or does not exist.
SUBJECT_REFUSALS = frozenset({401, 403, 404})
QueryValue = str | int | float | bool


@dataclass(frozen=True)
class ServiceCall:
    """One GET of one service: `path` as the service sees it (without /api/<service>)."""

    service: str
    path: str
    params: Mapping[str, QueryValue | Sequence[QueryValue]] = field(default_factory=dict)
    timeout_s: float | None = None  # None: the gateway's view_part_timeout_s
    owns_subject: bool = False  # its 401/403/404 becomes the view's answer


@dataclass(frozen=True)
class Part:
    """What one call brought back: a body when `ok`, otherwise why not (`detail`)."""

    service: str
    status: int | None  # None when the service did not answer at all
    body: Any = None
    detail: str = ""

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300

    @property
    def items(self) -> list[Any]:
        """A list body, whether it is a bare JSON array or a page envelope {"items": [...], ...}."""
        return items_of(self.body) if self.ok else []

    @property
    def total(self) -> int | None:
        """A page envelope's total, or the length of a bare array."""
        if not self.ok:
            return None
        if isinstance(self.body, dict) and isinstance(self.body.get("total"), int):
            return int(self.body["total"])
        return len(self.items)

    def unavailable(self) -> dict[str, Any]:
        """How a view shows a part it could not get."""
        marker: dict[str, Any] = {"unavailable": True, "service": self.service, "detail": self.detail}
        if self.status is not None:
            marker["status"] = self.status
        return marker

    def or_unavailable(self, shown: Any) -> Any:
        """`shown` when the part came back, otherwise the unavailable marker."""
        return shown if self.ok else self.unavailable()


class SubjectRefused(Exception):
    """The subject's owner refused (401/403/404): its problem document, as it said it, is the view's answer."""

    def __init__(self, problem: dict[str, Any]) -> None:
        self.problem = problem
        super().__init__(problem.get("detail", ""))


def items_of(body: Any) -> list[Any]:
    """Tolerant list accessor: a page envelope's items, a bare array as is, anything else as empty."""
    if isinstance(body, dict):
        items = body.get("items")
        return list(items) if isinstance(items, list) else []
    return list(body) if isinstance(body, list) else []


def upstream_headers(request: Request, service: str) -> dict[str, str]:
    """The caller's token and correlation id, and what the gateway saw of the client, so links a service
    writes into its answer point through the gateway as they do for a proxied request."""
    headers = {
        CORRELATION_HEADER: current_correlation_id(),
        "Accept": "application/json",
        "X-Forwarded-Proto": request.url.scheme,
        "X-Forwarded-Host": request.headers.get("host", ""),
        "X-Forwarded-Prefix": canonical(f"/api/{service}"),
    }
    if authorization := request.headers.get("authorization"):
        headers["Authorization"] = authorization
    if client := client_address(request):
        headers["X-Forwarded-For"] = client
    inject_trace_headers(headers)  # each service's span is a child of the gateway's
    return headers


async def fetch(edge: Edge, request: Request, call: ServiceCall) -> Part:
    base_url = edge.settings.service_urls.get(call.service)
    if base_url is None:
        return Part(call.service, None, detail=f"no service named {call.service!r} is configured")
    url = base_url.rstrip("/") + "/" + call.path.lstrip("/")
    timeout_s = call.timeout_s if call.timeout_s is not None else edge.settings.view_part_timeout_s
    try:
        # The whole call within its budget (httpx's own timeout is per read, not per answer).
        answer = await asyncio.wait_for(
            edge.client.get(url, params=dict(call.params), headers=upstream_headers(request, call.service)),
            timeout=timeout_s,
        )
    except (TimeoutError, httpx.TimeoutException):
        log.warning("view_part_timeout", target=call.service, path=call.path, timeout_s=timeout_s)
        return Part(call.service, None, detail=f"the {call.service} service did not answer within {timeout_s:g} s")
    except httpx.HTTPError as error:
        log.warning("view_part_unavailable", target=call.service, path=call.path, error=repr(error)[:200])
        return Part(call.service, None, detail=f"the {call.service} service is unavailable: try again shortly")
    body = json_of(answer)
    if answer.is_success:
        return Part(call.service, answer.status_code, body)
    detail = body.get("detail") if isinstance(body, dict) and isinstance(body.get("detail"), str) else ""
    if answer.status_code >= 500:
        log.warning("view_part_failed", target=call.service, path=call.path, status=answer.status_code)
        detail = f"the {call.service} service failed ({answer.status_code}): try again shortly"
    return Part(
        call.service, answer.status_code, body, detail or f"the {call.service} service answered {answer.status_code}"
    )


def json_of(answer: httpx.Response) -> Any:
    try:
        return answer.json()
    except ValueError:
        return None


async def gather_parts(edge: Edge, request: Request, calls: Mapping[str, ServiceCall]) -> dict[str, Part]:
    """Every call at once; the parts by the same names. Raises SubjectRefused when the subject's owner refuses."""
    names = list(calls)
    parts = await asyncio.gather(*(fetch(edge, request, calls[name]) for name in names))
    by_name = dict(zip(names, parts, strict=True))
    for name in names:
        part = by_name[name]
        if calls[name].owns_subject and part.status in SUBJECT_REFUSALS:
            raise SubjectRefused(refusal_problem(part))
    return by_name


def refusal_problem(part: Part) -> dict[str, Any]:
    """The owner's problem document as it sent it; one in the kit's schema when it sent something else."""
    body = part.body
    status = int(part.status or 404)
    if isinstance(body, dict) and body.get("status") == status and "code" in body and "errors" in body:
        return body
    code = {401: "unauthorized", 403: "forbidden"}.get(status, "not_found")
    return problem_body(status=status, code=code, detail=part.detail, extensions={"service": part.service})
