"""The import log, rendered as plain text for the clipboard and as CSV for download."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from gymloop_importer.domain.import_context import ImportContext
from gymloop_importer.domain.import_file import parse_import_file
from gymloop_importer.domain.import_log import ImportLog
from gymloop_importer.domain.import_row import ImportRow

pytestmark = pytest.mark.unit


def test_failed_import_log_lists_validated_members_and_errors(
    xlsx: Callable[..., bytes], row: Callable[..., dict[str, Any]], context: ImportContext
) -> None:
    data = xlsx([row(), row(email="piet@example", first_name="Piet")])
    log = ImportLog.from_validation(parse_import_file(data, context).outcome, file_name="leden.xlsx")

    assert not log.succeeded
    assert log.render_text() == (
        "Member import log\n"
        "File: leden.xlsx\n"
        "\n"
        "Validated: 2\n"
        "  Row 2: Jan Jansen <jan@example.com> (ok)\n"
        "  Row 3: Piet Jansen <piet@example> (has errors)\n"
        "\n"
        "Errors: 1\n"
        "  Row 3, column C (E-mail *): 'piet@example' is not a valid e-mail address (The part after the "
        "@-sign is not valid. It should have a period): type an address like name@example.com\n"
        "\n"
        "No members were created: fix the errors above and import the file again.\n"
    )


def test_successful_import_log_lists_created_updated_and_subscriptions(
    xlsx: Callable[..., bytes], row: Callable[..., dict[str, Any]], context: ImportContext
) -> None:
    parsed = parse_import_file(
        xlsx(
            [
                row(subscription="Gold", iban="NL91ABNA0417164300", account_holder="J. Jansen"),
                row(email="piet@example.com", first_name="Piet"),
            ]
        ),
        context,
    )
    log = ImportLog.from_validation(parsed.outcome)
    jan, piet = parsed.rows
    log.record_created(jan)
    log.record_subscription_created(jan)
    log.record_updated(piet)

    assert log.succeeded
    assert log.render_text() == (
        "Member import log\n"
        "\n"
        "Validated: 2\n"
        "  Row 2: Jan Jansen <jan@example.com> (ok)\n"
        "  Row 3: Piet Jansen <piet@example.com> (ok)\n"
        "\n"
        "Created: 1\n"
        "  Row 2: Jan Jansen <jan@example.com>\n"
        "Updated: 1\n"
        "  Row 3: Piet Jansen <piet@example.com>\n"
        "Subscriptions created: 1\n"
        "  Row 2: jan@example.com: Gold from 2025-01-01\n"
    )
    assert list(csv.reader(io.StringIO(log.render_csv()))) == [
        ["section", "row", "column", "email", "name", "detail"],
        ["validated", "2", "", "jan@example.com", "Jan Jansen", "ok"],
        ["validated", "3", "", "piet@example.com", "Piet Jansen", "ok"],
        ["created", "2", "", "jan@example.com", "Jan Jansen", ""],
        ["updated", "3", "", "piet@example.com", "Piet Jansen", ""],
        ["subscription_created", "2", "", "jan@example.com", "", "Gold from 2025-01-01"],
    ]


def test_csv_log_carries_error_locations_and_cannot_inject_formulas(
    xlsx: Callable[..., bytes], row: Callable[..., dict[str, Any]], context: ImportContext
) -> None:
    data = xlsx([row(first_name='=HYPERLINK("http://evil.example","x")', email="=1+1")])
    log = ImportLog.from_validation(parse_import_file(data, context).outcome)

    lines = list(csv.reader(io.StringIO(log.render_csv())))

    assert lines[1] == ["validated", "2", "", "'=1+1", '\'=HYPERLINK("http://evil.example","x") Jansen', "has errors"]
    assert lines[2][:3] == ["error", "2", "C (E-mail *)"]
    assert lines[2][5].startswith("the cell holds the formula '=1+1'")
    assert not any(cell.startswith(("=", "+", "-", "@")) for line in lines for cell in line)


def test_logging_a_subscription_for_a_row_without_one_is_a_bug() -> None:
    row = ImportRow(2, "Jan", "Jansen", "jan@example.com", date(2025, 1, 1))

    with pytest.raises(ValueError, match="row 2 has no subscription"):
        ImportLog().record_subscription_created(row)
