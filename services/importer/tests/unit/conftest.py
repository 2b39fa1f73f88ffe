"""Builders for the importer unit tests: workbooks are generated in memory with openpyxl."""

from __future__ import annotations

import io
from collections.abc import Callable, Mapping, Sequence
from datetime import date
from typing import Any

import pytest
from gymloop_importer.domain.columns import COLUMNS
from gymloop_importer.domain.import_context import CollectionMethod, ImportContext, PlanInfo
from openpyxl import Workbook

TEMPLATE_KEYS: tuple[str, ...] = tuple(column.key for column in COLUMNS)
TEMPLATE_HEADERS: tuple[str, ...] = tuple(column.template_header for column in COLUMNS)
TODAY = date(2025, 6, 15)
PLANS = (
    PlanInfo("Gold", is_free=False, is_hidden=False),
    PlanInfo("Staff access", is_free=True, is_hidden=True),
    PlanInfo("Free trial", is_free=True, is_hidden=False),
    PlanInfo("Hidden paid", is_free=False, is_hidden=True),
)
KNOWN_EMPLOYEES = ("Coach@Example.com",)
VALID_IBAN = "NL91ABNA0417164300"

Row = Mapping[str, Any]
XlsxBuilder = Callable[..., bytes]


def member(**overrides: Any) -> dict[str, Any]:
    """A valid member row by column key; overrides replace (None clears) cells."""
    row: dict[str, Any] = {
        "first_name": "Jan",
        "last_name": "Jansen",
        "email": "jan@example.com",
        "start_date": date(2025, 1, 1),
    }
    row.update(overrides)
    return row


def build_xlsx(
    rows: Sequence[Row],
    headers: Sequence[str] = TEMPLATE_HEADERS,
    keys: Sequence[str] | None = None,
    sheet_title: str = "Members",
) -> bytes:
    """One header row, then one row per mapping (values placed under the column of their key)."""
    keys = tuple(keys) if keys is not None else TEMPLATE_KEYS[: len(headers)]
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = sheet_title
    sheet.append(list(headers))
    for row in rows:
        sheet.append([row.get(key) for key in keys])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def make_context(
    collection_method: CollectionMethod = CollectionMethod.SEPA_EXPORT,
    plans: Sequence[PlanInfo] = PLANS,
    known_employees: Sequence[str] = KNOWN_EMPLOYEES,
) -> ImportContext:
    return ImportContext.build(plans, collection_method, TODAY, known_employees)


@pytest.fixture
def context() -> ImportContext:
    return make_context()


@pytest.fixture
def xlsx() -> XlsxBuilder:
    return build_xlsx


@pytest.fixture
def row() -> Callable[..., dict[str, Any]]:
    return member
