"""One OpenAPI document for the whole platform, merged from the services' own documents.

Paths get the gateway's canonical prefix /api/v1/<service> (the gateway's own /api/ routes become /api/v1/
too); operation ids and component names get the service as namespace (`bookings.signUp`, `members.MemberOut`),
so two services' schemas never clash; tags are grouped per service. The error schema is the kit's, the same in
every service: it stays one `Problem` for the whole platform.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from gymloop_kit.http.problem_docs import problem_schemas

from gymloop_gateway.versioning import canonical

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
# Security schemes are referenced by name, not by $ref: they are merged as they are.
UNNAMESPACED_COMPONENTS = ("securitySchemes",)
SHARED_SCHEMAS = frozenset(problem_schemas())


def _rewrite_refs(node: Any, renames: Mapping[str, str]) -> Any:
    if isinstance(node, dict):
        out = {}
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str) and value in renames:
                out[key] = renames[value]
            else:
                out[key] = _rewrite_refs(value, renames)
        return out
    if isinstance(node, list):
        return [_rewrite_refs(item, renames) for item in node]
    return node


def _shared(kind: str, name: str) -> bool:
    return kind == "schemas" and name in SHARED_SCHEMAS


def _tag(service: str, tag: str) -> str:
    return f"{service}: {tag}"


def namespace_document(service: str, document: Mapping[str, Any]) -> dict[str, Any]:
    """A service's document as it looks from the gateway: prefixed paths, namespaced components and tags."""
    components: dict[str, dict[str, Any]] = copy.deepcopy(dict(document.get("components", {})))
    renames: dict[str, str] = {}
    for kind, entries in components.items():
        if kind in UNNAMESPACED_COMPONENTS:
            continue
        for name in entries:
            if not _shared(kind, name):
                renames[f"#/components/{kind}/{name}"] = f"#/components/{kind}/{service}.{name}"
    components = {
        kind: dict(entries)
        if kind in UNNAMESPACED_COMPONENTS
        else {n if _shared(kind, n) else f"{service}.{n}": v for n, v in entries.items()}
        for kind, entries in components.items()
    }
    components = _rewrite_refs(components, renames)

    paths: dict[str, Any] = {}
    used_tags: list[str] = []
    for path, item in dict(document.get("paths", {})).items():
        new_item = _rewrite_refs(copy.deepcopy(item), renames)
        for method in HTTP_METHODS:
            operation = new_item.get(method)
            if not isinstance(operation, dict):
                continue
            tags = [_tag(service, tag) for tag in operation.get("tags", [])] or [service]
            operation["tags"] = tags
            used_tags += [tag for tag in tags if tag not in used_tags]
            if "operationId" in operation:
                operation["operationId"] = f"{service}.{operation['operationId']}"
        paths[canonical(f"/api/{service}{path}")] = new_item

    descriptions = {tag["name"]: tag.get("description", "") for tag in document.get("tags", []) or []}
    tag_objects = [
        {"name": tag, "description": descriptions.get(tag.partition(": ")[2], "")} if tag != service
        else {"name": tag, "description": str(document.get("info", {}).get("description", ""))}
        for tag in used_tags
    ]  # fmt: skip
    return {"paths": paths, "components": components, "tags": tag_objects}


def merge_documents(
    base: Mapping[str, Any], documents: Mapping[str, Mapping[str, Any]], unavailable: Mapping[str, str]
) -> dict[str, Any]:
    """`base` is the gateway's own document; `documents` the services' ones by service name;
    `unavailable` the services whose document could not be fetched, with the reason."""
    merged: dict[str, Any] = copy.deepcopy(dict(base))
    merged["paths"] = {canonical(path): item for path, item in merged.get("paths", {}).items()}
    merged.setdefault("components", {})
    merged.setdefault("tags", [])
    for service in sorted(documents):
        part = namespace_document(service, documents[service])
        merged["paths"].update(part["paths"])
        for kind, entries in part["components"].items():
            target = merged["components"].setdefault(kind, {})
            for name, value in entries.items():
                target.setdefault(name, value)
        merged["tags"] += part["tags"]
    merged["x-gymloop-services"] = {
        **{service: {"status": "included", "version": documents[service].get("info", {}).get("version")}
           for service in documents},
        **{service: {"status": "unavailable", "reason": reason} for service, reason in unavailable.items()},
    }  # fmt: skip
    if unavailable:
        note = ", ".join(f"{service} ({reason})" for service, reason in sorted(unavailable.items()))
        info = merged.setdefault("info", {})
        info["description"] = f"{info.get('description', '')}\n\nNot included right now: {note}.".strip()
    if not merged["components"]:
        del merged["components"]
    return merged
