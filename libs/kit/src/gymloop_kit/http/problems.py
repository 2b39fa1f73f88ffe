"""Every error answer of every service, as one RFC 9457 problem document (`application/problem+json`).

    {"type": "urn:gymloop:problem:session_full", "title": "Conflict", "status": 409,
     "detail": "the session is full", "code": "session_full",
     "errors": [{"loc": ["body", "session_id"], "msg": "the session is full", "type": "session_full"}]}

`type` names the problem type (the code as a URN; "about:blank" for a plain HTTP error such as an unknown
route), `title` the kind of problem, `detail` this occurrence for a person. `code` and `errors` are extension
members: `errors` lists each problem with the input it is about, in the `loc` convention of FastAPI's
validation errors, and always has at least one entry. Request validation (422), unknown routes (404), 405,
HTTPException and unexpected errors (500, logged with their traceback, internals never shown) all answer so.
"""

from __future__ import annotations

import http
from collections.abc import Mapping, Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gymloop_kit.errors import AppError, FieldError
from gymloop_kit.http.input_messages import clear_message
from gymloop_kit.logging import get_logger

log = get_logger("http.errors")

PROBLEM_JSON = "application/problem+json"
TYPE_PREFIX = "urn:gymloop:problem:"


class FieldErrorOut(BaseModel):
    """One problem with one input."""

    model_config = ConfigDict(extra="allow", title="FieldError")

    loc: list[str | int] = Field(description="where the input is, e.g. ['body', 'email'] or ['query', 'day']")
    msg: str = Field(description="what is wrong and what to change")
    type: str = Field(description="machine-readable code of this problem")


class Problem(BaseModel):
    """An error answer (RFC 9457 problem details); extra members may follow (e.g. `service` at the gateway)."""

    model_config = ConfigDict(extra="allow")

    type: str = Field(description="the problem type: urn:gymloop:problem:<code>, or about:blank")
    title: str = Field(description="short summary of the kind of problem, e.g. 'Not found'")
    status: int = Field(description="the HTTP status code of this answer")
    detail: str = Field(description="what happened this time and what to change, for a person")
    instance: str | None = Field(None, description="the occurrence; not sent today")
    code: str = Field(description="machine-readable code, the same as in `type`")
    errors: list[FieldErrorOut] = Field(description="every problem with the input it is about (at least one)")


def problem_body(
    *,
    status: int,
    code: str,
    detail: str,
    title: str | None = None,
    field_errors: Sequence[FieldError] = (),
    problem_type: str | None = None,
    extensions: Mapping[str, object] | None = None,
) -> dict[str, Any]:
    errors = field_errors or (FieldError((), detail, code),)
    return {
        "type": problem_type or TYPE_PREFIX + code,
        "title": title or _phrase(status),
        "status": status,
        "detail": detail,
        "code": code,
        "errors": [error.as_dict() for error in errors],
        **(extensions or {}),
    }


def problem_response(body: Mapping[str, Any], *, headers: Mapping[str, str] | None = None) -> JSONResponse:
    return JSONResponse(dict(body), status_code=int(body["status"]), headers=headers, media_type=PROBLEM_JSON)


def error_response(error: AppError, *, extensions: Mapping[str, object] | None = None) -> JSONResponse:
    """The answer for a domain error; also for endpoints that commit before refusing (and so cannot raise)."""
    body = problem_body(
        status=error.status_code, code=error.code, detail=error.message, title=error.title,
        field_errors=error.field_errors, extensions=extensions,
    )  # fmt: skip
    return problem_response(body, headers=error.headers)


def _phrase(status: int) -> str:
    try:
        return http.HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def _code_of(status: int) -> str:
    return _phrase(status).lower().replace(" ", "_").replace("-", "_")


async def _app_error(_: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, AppError)
    if error.status_code >= 500:
        log.error("request_failed", code=error.code, exc_info=error)
    return error_response(error)


async def _validation_error(_: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, RequestValidationError)
    # Only loc, msg and type: the rejected input itself may be a password, and `ctx` may hold exceptions.
    # The msg is ours, not pydantic's wording (see input_messages).
    field_errors = [
        FieldError(tuple(entry.get("loc", ())), clear_message(entry), str(entry.get("type", "invalid")))
        for entry in error.errors()
    ]
    count = len(field_errors)
    listed = "; ".join(f"{'.'.join(map(str, e.loc))}: {e.msg}" for e in field_errors)
    body = problem_body(
        status=422, code="validation_failed", title="Invalid input", field_errors=field_errors,
        detail=f"the request has {count} invalid {'value' if count == 1 else 'values'}: {listed}",
    )  # fmt: skip
    return problem_response(body)


async def _http_error(_: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, HTTPException)
    detail = error.detail if isinstance(error.detail, str) and error.detail else _phrase(error.status_code)
    body = problem_body(status=error.status_code, code=_code_of(error.status_code), detail=detail)
    if detail == _phrase(error.status_code):
        body["type"] = "about:blank"  # nothing beyond the status code (RFC 9457 4.2.1)
    return problem_response(body, headers=error.headers)


def unexpected_error_body() -> dict[str, Any]:
    return problem_body(
        status=500, code="internal_error",
        detail="an unexpected error happened and was logged: report it with the X-Correlation-ID of this answer",
    )  # fmt: skip


class UnexpectedErrorMiddleware:
    """Answers an exception no handler knows with a 500 problem and logs its traceback.

    It sits inside the correlation middleware, so the log line and the answer carry the correlation id
    (Starlette's own 500 handler runs outside every middleware).
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def watch(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, watch)
        except Exception:
            log.exception("unexpected_error", method=scope.get("method"), path=scope.get("path"))
            if started:
                raise  # half an answer is out: only closing the connection can tell the client
            await problem_response(unexpected_error_body())(scope, receive, send)


def install_problem_handlers(app: FastAPI) -> None:
    """Every error answer as a problem document. Add before the correlation middleware (so it runs inside)."""
    app.add_exception_handler(AppError, _app_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_middleware(UnexpectedErrorMiddleware)
