"""Compares two JSON Schemas of one event version and lists the changes that would break a consumer.

Within a version only compatible changes are allowed: new optional fields, looser constraints on nothing.
Removing a field, changing its type, or making a field required is a breaking change: that is a new version.
"""

from __future__ import annotations

from typing import Any

Schema = dict[str, Any]


def _resolve(schema: Schema, root: Schema) -> Schema:
    ref = schema.get("$ref")
    if not ref:
        return schema
    name = ref.rsplit("/", 1)[-1]
    return _resolve(root.get("$defs", {})[name], root)


def _type_signature(schema: Schema, root: Schema) -> Any:
    """A comparable description of a schema's shape (types, formats, enums, nested objects)."""
    schema = _resolve(schema, root)
    if "anyOf" in schema:
        return ("anyOf", tuple(sorted(repr(_type_signature(s, root)) for s in schema["anyOf"])))
    if "enum" in schema:
        return ("enum", tuple(sorted(map(str, schema["enum"]))))
    if "const" in schema:
        return ("const", str(schema["const"]))
    kind = schema.get("type")
    if kind == "array":
        return ("array", _type_signature(schema.get("items", {}), root))
    if kind == "object" and "properties" in schema:
        props = schema["properties"]
        return ("object", tuple(sorted((k, repr(_type_signature(v, root))) for k, v in props.items())))
    return (kind, schema.get("format"))


def breaking_changes(old: Schema, new: Schema, path: str = "") -> list[str]:
    """Every way `new` breaks a consumer written against `old` (empty list: compatible)."""
    return _compare_objects(old, old, new, new, path)


def _compare_objects(old: Schema, old_root: Schema, new: Schema, new_root: Schema, path: str) -> list[str]:
    old = _resolve(old, old_root)
    new = _resolve(new, new_root)
    problems: list[str] = []
    old_props: dict[str, Schema] = old.get("properties", {})
    new_props: dict[str, Schema] = new.get("properties", {})
    for name, old_field in old_props.items():
        where = f"{path}{name}"
        if name not in new_props:
            problems.append(f"field {where!r} was removed")
            continue
        old_sig = _type_signature(old_field, old_root)
        new_sig = _type_signature(new_props[name], new_root)
        old_resolved = _resolve(old_field, old_root)
        new_resolved = _resolve(new_props[name], new_root)
        if old_resolved.get("type") == "object" and new_resolved.get("type") == "object":
            problems += _compare_objects(old_resolved, old_root, new_resolved, new_root, f"{where}.")
        elif old_sig != new_sig:
            problems.append(f"field {where!r} changed type")
    newly_required = set(new.get("required", [])) - set(old.get("required", []))
    for name in sorted(newly_required):
        problems.append(f"field {path}{name!r} became required")
    return problems
