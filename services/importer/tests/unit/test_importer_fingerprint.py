"""The same import recognised twice from its content, however the workbook was saved."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from gymloop_importer.domain.fingerprint import content_fingerprint
from gymloop_importer.domain.import_context import ImportContext
from gymloop_importer.domain.import_file import parse_import_file

pytestmark = pytest.mark.unit


def test_same_members_saved_differently_have_the_same_fingerprint(
    xlsx: Callable[..., bytes], row: Callable[..., dict[str, Any]], context: ImportContext
) -> None:
    first = xlsx(
        [
            row(
                start_date=date(2025, 1, 1),
                tags="vip, morning",
                subscription="Gold",
                iban="NL91ABNA0417164300",
                account_holder="J. Jansen",
            ),
            row(email="piet@example.com", first_name="Piet"),
        ]
    )
    second = xlsx(
        [
            row(email="piet@example.com", first_name=" Piet "),
            row(
                email="JAN@example.com",
                start_date="01-01-2025",
                tags="morning,vip",
                subscription="Gold",
                iban="nl91 abna 0417 1643 00",
                account_holder="J. Jansen",
            ),
        ],
        sheet_title="Members",
    )
    assert first != second

    one, two = parse_import_file(first, context), parse_import_file(second, context)

    assert one.fingerprint is not None
    assert one.fingerprint == two.fingerprint


def test_a_changed_value_changes_the_fingerprint(
    xlsx: Callable[..., bytes], row: Callable[..., dict[str, Any]], context: ImportContext
) -> None:
    base = parse_import_file(xlsx([row()]), context)
    changed = parse_import_file(xlsx([row(phone="0612345678")]), context)

    assert base.fingerprint != changed.fingerprint
    assert base.fingerprint == content_fingerprint(base.rows)


def test_invalid_file_has_no_fingerprint(
    xlsx: Callable[..., bytes], row: Callable[..., dict[str, Any]], context: ImportContext
) -> None:
    assert parse_import_file(xlsx([row(email=None)]), context).fingerprint is None
