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
from gymloop_importer.domain.import_log import FailedRow, ImportLog, LoggedMember, column_of_field
from gymloop_importer.domain.import_row import ImportRow
from gymloop_importer.domain.row_progress import MemberOutcome, RefusedBy, RowRejection

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
        "Failed: 0\n"
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


PLAN_INACTIVE = RowRejection(
    RefusedBy.BILLING,
    "plan_inactive",
    "subscription.plan_id",
    "the plan 'Gold' is no longer active: pick an active plan or reactivate 'Gold' in billing",
)
EMAIL_TAKEN = RowRejection(
    RefusedBy.MEMBERS,
    "email_belongs_to_owner",
    "email",
    "owner@example.com belongs to the studio owner, who cannot be overwritten by an import: use another address",
)


def _log_with_failures() -> ImportLog:
    log = ImportLog(file_name="leden.xlsx")
    log.created.append(LoggedMember(2, "jan@example.com", "Jan Jansen"))
    log.failed.append(FailedRow(2, "jan@example.com", "Jan Jansen", PLAN_INACTIVE, MemberOutcome.CREATED))
    log.failed.append(FailedRow(3, "owner@example.com", "Olga Owner", EMAIL_TAKEN))
    return log


def test_log_lists_every_failed_row_with_the_service_the_column_and_what_to_change() -> None:
    text = _log_with_failures().render_text()

    assert text.endswith(
        "Created: 1\n"
        "  Row 2: Jan Jansen <jan@example.com>\n"
        "Updated: 0\n"
        "Subscriptions created: 0\n"
        "Failed: 2\n"
        "  Row 2: Jan Jansen <jan@example.com> (column Subscription): member created; subscription refused by "
        "billing: the plan 'Gold' is no longer active: pick an active plan or reactivate 'Gold' in billing\n"
        "  Row 3: Olga Owner <owner@example.com> (column E-mail): refused by members: owner@example.com belongs "
        "to the studio owner, who cannot be overwritten by an import: use another address\n"
        "\n"
        "Failed rows were not fully imported: do what each message says, then import them again.\n"
    )


def test_csv_log_has_one_failed_line_per_refused_row() -> None:
    lines = list(csv.reader(io.StringIO(_log_with_failures().render_csv())))

    assert lines[1] == ["created", "2", "", "jan@example.com", "Jan Jansen", ""]
    assert lines[2] == [
        "failed",
        "2",
        "Subscription",
        "jan@example.com",
        "Jan Jansen",
        "member created; subscription refused by billing: the plan 'Gold' is no longer active: pick an active "
        "plan or reactivate 'Gold' in billing",
    ]
    assert lines[3][:5] == ["failed", "3", "E-mail", "owner@example.com", "Olga Owner"]
    assert lines[3][5].startswith("refused by members: owner@example.com belongs to the studio owner")
    assert len(lines) == 4


def test_failed_row_message_starting_like_a_formula_is_neutralised_in_the_csv() -> None:
    hostile = RowRejection(RefusedBy.MEMBERS, "invalid", "=cmd", '=HYPERLINK("http://evil.example")')
    log = ImportLog(failed=[FailedRow(4, "=1+1", "-x", hostile)])

    lines = list(csv.reader(io.StringIO(log.render_csv())))

    assert lines[1][:5] == ["failed", "4", "'=cmd", "'=1+1", "'-x"]
    assert not any(cell.startswith(("=", "+", "-", "@")) for line in lines for cell in line)


@pytest.mark.parametrize(
    ("field", "refused_by", "column"),
    [
        ("email", RefusedBy.MEMBERS, "E-mail"),
        ("responsible_employee_email", RefusedBy.MEMBERS, "Responsible employee"),
        ("start_date", RefusedBy.MEMBERS, "Start date"),
        ("start_date", RefusedBy.BILLING, "Subscription start date"),
        ("subscription.iban", RefusedBy.BILLING, "IBAN"),
        ("plan_id", RefusedBy.BILLING, "Subscription"),
        ("mandate_reference", RefusedBy.BILLING, "mandate_reference"),
        (None, RefusedBy.BILLING, None),
    ],
)
def test_a_refused_field_is_shown_as_its_template_column(
    field: str | None, refused_by: RefusedBy, column: str | None
) -> None:
    assert column_of_field(field, refused_by) == column


TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


@pytest.mark.parametrize("separator", [",", ";"])
def test_no_cell_of_the_csv_starts_a_formula_whichever_list_separator_the_reader_uses(separator: str) -> None:
    # Dutch and German Excel split at `;`: a `;` inside a name starts a new cell there.
    hostile = RowRejection(RefusedBy.MEMBERS, "invalid", "email", 'x,=1+1 or x; "=2+2"')
    log = ImportLog(
        created=[LoggedMember(2, "a@example.com", "x;=cmd|' /C calc'!A0"), LoggedMember(3, "b@x.example", "y,@SUM(1)")],
        failed=[FailedRow(4, "c@example.com", "z;\t=1", hostile)],
    )
    rendered = log.render_csv()

    cells = [cell for line in csv.reader(io.StringIO(rendered), delimiter=separator) for cell in line]

    assert not [cell for cell in cells if cell.lstrip(' "').startswith(TRIGGERS)]
    assert "'=cmd|' /C calc'!A0" in rendered  # the data is still there, as text


def test_every_csv_cell_is_quoted_and_reads_back_unchanged_apart_from_the_marks() -> None:
    log = ImportLog(created=[LoggedMember(2, "a@example.com", "Jan; de Vries")])
    rendered = log.render_csv()
    assert rendered.splitlines()[1] == '"created","2","","a@example.com","Jan; de Vries",""'
    assert list(csv.reader(io.StringIO(rendered)))[1][4] == "Jan; de Vries"
