"""Recognising the same import twice from its content, not from its bytes.

Saving a workbook again changes its bytes (timestamps, zip order) without changing a member, so the
fingerprint is taken over the validated rows: normalized values, without row numbers, in e-mail order.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Sequence
from dataclasses import fields, is_dataclass
from datetime import date

from gymloop_importer.domain.import_row import ImportRow


@functools.cache
def _field_names(kind: type) -> tuple[str, ...]:
    return tuple(field.name for field in fields(kind))


def _canonical(value: object) -> object:
    if value is None or isinstance(value, str | int):
        return value
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [_canonical(item) for item in value]
    if is_dataclass(value) and not isinstance(value, type):
        # Shallow, field by field: dataclasses.asdict deep-copies and costs more than hashing itself.
        return {name: _canonical(getattr(value, name)) for name in _field_names(type(value))}
    return value


def _normalized(row: ImportRow) -> dict[str, object]:
    normalized = {name: _canonical(getattr(row, name)) for name in _field_names(ImportRow)}
    del normalized["row_number"]
    normalized["email"] = row.email.casefold()
    if row.responsible_employee_email is not None:
        normalized["responsible_employee_email"] = row.responsible_employee_email.casefold()
    normalized["tags"] = sorted(row.tags, key=str.casefold)
    return normalized


def content_fingerprint(rows: Sequence[ImportRow]) -> str:
    """sha256 (hex) of the normalized rows; equal for the same members however the file was saved."""
    lines = sorted(json.dumps(_normalized(row), sort_keys=True, ensure_ascii=False) for row in rows)
    return hashlib.sha256("\n".join(lines).encode("utf-8")).hexdigest()
