"""The error schema in each OpenAPI document: a `Problem` component, and every operation's error answers
(its 422 included, instead of FastAPI's HTTPValidationError) described as `application/problem+json`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import FastAPI

from gymloop_kit.http.problems import PROBLEM_JSON, Problem

OPERATIONS = frozenset({"get", "put", "post", "delete", "options", "head", "patch", "trace"})
REPLACED_SCHEMAS = ("HTTPValidationError", "ValidationError")


def _is_error(status: str) -> bool:
    return status in ("4XX", "5XX", "default") or (status.isdigit() and int(status) >= 400)


def problem_schemas() -> dict[str, Any]:
    """The error schema's components by name: `Problem` and the schemas it refers to."""
    problem = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
    return {**problem.pop("$defs", {}), "Problem": problem}


def with_problem_responses(document: dict[str, Any]) -> dict[str, Any]:
    """Add the schema and the error answers to an OpenAPI document (in place, idempotent)."""
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    schemas.update(problem_schemas())
    content = {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}}
    for path_item in document.get("paths", {}).values():
        for method, operation in path_item.items():
            if method not in OPERATIONS:
                continue
            responses = operation.setdefault("responses", {})
            for status, answer in responses.items():
                if _is_error(status):
                    answer["content"] = content
                    if status == "422" and answer.get("description") == "Validation Error":
                        answer["description"] = "Invalid input: each problem names its field"
            responses.setdefault("default", {"description": "An error (RFC 9457 problem details)", "content": content})
    for name in REPLACED_SCHEMAS:
        schemas.pop(name, None)
    return document


def document_problems(app: FastAPI) -> None:
    """Make `app.openapi()` describe the error answers."""
    build: Callable[[], dict[str, Any]] = app.openapi

    def openapi() -> dict[str, Any]:
        return with_problem_responses(build())

    app.openapi = openapi  # type: ignore[method-assign]
