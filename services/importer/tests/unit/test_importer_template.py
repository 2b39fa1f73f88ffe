"""The downloadable template: its markings, drop-downs, instructions, and a full round trip."""

from __future__ import annotations

import io
from datetime import date

import openpyxl
import pytest
from gymloop_importer.domain.import_context import CollectionMethod, ImportContext, PlanInfo
from gymloop_importer.domain.import_file import parse_import_file
from gymloop_importer.domain.import_row import BankAccount, SubscriptionRequest
from gymloop_importer.domain.template import build_template
from openpyxl.worksheet.worksheet import Worksheet

pytestmark = pytest.mark.unit

PLAN_NAMES = ["Gold", "Basic, monthly", "=Not a formula", "Staff access"]
EXPECTED_HEADERS = [
    "First name *",
    "Last name *",
    "E-mail *",
    "Start date *",
    "Phone",
    "Birth date",
    "Address",
    "Responsible employee",
    "Tags",
    "Subscription",
    "Subscription start date",
    "IBAN",
    "Account holder",
    "Employee",
]


def _load(data: bytes) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(data))


def _list_validations(sheet: Worksheet) -> dict[str, str]:
    return {
        str(validation.sqref): str(validation.formula1)
        for validation in sheet.data_validations.dataValidation
        if validation.type == "list"
    }


def test_member_sheet_has_template_headers_with_required_ones_marked() -> None:
    sheet = _load(build_template(PLAN_NAMES))["Members"]

    assert [cell.value for cell in sheet[1]] == EXPECTED_HEADERS
    required = [cell for cell in sheet[1] if str(cell.value).endswith(" *")]
    optional = [cell for cell in sheet[1] if not str(cell.value).endswith(" *")]
    assert [cell.column_letter for cell in required] == ["A", "B", "C", "D"]
    assert all(cell.font.bold for cell in required)
    assert not any(cell.font.bold for cell in optional)
    assert {cell.fill.fgColor.rgb for cell in required} == {"00FFF2CC"}
    assert "00FFF2CC" not in {cell.fill.fgColor.rgb for cell in optional}
    assert sheet.max_row == 1  # no example rows that would be imported by accident
    assert sheet.freeze_panes == "A2"


def test_plan_names_are_a_drop_down_fed_by_a_hidden_sheet() -> None:
    workbook = _load(build_template(PLAN_NAMES))

    lists = workbook["Lists"]
    assert lists.sheet_state == "hidden"
    assert [lists.cell(row=n, column=1).value for n in range(1, 5)] == PLAN_NAMES
    assert lists["A3"].data_type == "s"  # a plan name starting with '=' stays text
    assert _list_validations(workbook["Members"]) == {
        "J2:J10001": "Lists!$A$1:$A$4",
        "N2:N10001": '"Yes,No"',
    }


def test_long_plan_lists_still_fit_because_they_live_in_a_range() -> None:
    names = [f"Plan number {number} with a rather long descriptive name" for number in range(300)]
    workbook = _load(build_template(names))

    assert _list_validations(workbook["Members"])["J2:J10001"] == "Lists!$A$1:$A$300"
    assert workbook["Lists"]["A300"].value == names[-1]


def test_without_plans_there_is_no_empty_plan_drop_down() -> None:
    validations = _list_validations(_load(build_template([]))["Members"])

    assert validations == {"N2:N10001": '"Yes,No"'}


def test_every_column_has_an_input_prompt_with_its_format() -> None:
    sheet = _load(build_template(PLAN_NAMES))["Members"]
    prompts = {str(v.sqref): v.prompt for v in sheet.data_validations.dataValidation}

    assert len(prompts) == len(EXPECTED_HEADERS)
    assert prompts["C2:C10001"].startswith("Required. e-mail address")
    assert prompts["F2:F10001"].startswith("Optional. a date")


def test_instructions_explain_every_column() -> None:
    sheet = _load(build_template(PLAN_NAMES))["Instructions"]
    rows = list(sheet.iter_rows(values_only=True))
    table_start = rows.index(("Column", "Header", "Required", "Format", "Example"))
    table = rows[table_start + 1 : table_start + 1 + len(EXPECTED_HEADERS)]

    assert [line[0] for line in table] == [chr(ord("A") + n) for n in range(14)]
    assert [line[1] for line in table] == EXPECTED_HEADERS
    assert [line[2] for line in table] == ["Yes"] * 4 + ["No"] * 10
    assert all(line[3] and line[4] for line in table)
    assert table[9][1] == "Subscription"  # column J, as the product documentation says
    notes = " ".join(str(line[0]) for line in rows[:table_start])
    assert "nobody is imported" in notes
    assert "Nobody receives an e-mail" in notes


def test_the_examples_in_the_instructions_import_cleanly() -> None:
    workbook = _load(build_template(["Unlimited monthly"]))
    rows = list(workbook["Instructions"].iter_rows(values_only=True))
    table_start = rows.index(("Column", "Header", "Required", "Format", "Example"))
    examples = [line[4] for line in rows[table_start + 1 : table_start + 15]]
    workbook["Members"].append(examples)
    buffer = io.BytesIO()
    workbook.save(buffer)
    context = ImportContext.build(
        [PlanInfo("Unlimited monthly", is_free=False, is_hidden=False)],
        CollectionMethod.SEPA_EXPORT,
        date(2025, 6, 15),
        ["coach@example.com"],
    )

    parsed = parse_import_file(buffer.getvalue(), context)

    assert [str(issue) for issue in parsed.issues] == []
    assert parsed.rows[0].email == "jan.jansen@example.com"


def test_template_round_trip_fill_rows_and_parse_back() -> None:
    workbook = _load(build_template(PLAN_NAMES))
    sheet = workbook["Members"]
    sheet.append(
        [
            "Coach",
            "Carter",
            "coach@example.com",
            date(2024, 1, 1),
            None,
            None,
            None,
            None,
            None,
            "Staff access",
            None,
            "BE68 5390 0754 7034",
            "C. Carter",
            "Yes",
        ]
    )
    sheet.append(
        [
            "Jan",
            "Jansen",
            "Jan.Jansen@Example.com",
            "2025-01-01",
            "+31 6 12345678",
            "17-05-1990",
            "Dorpsstraat 1, Utrecht",
            "coach@example.com",
            "morning, beginner, Morning",
            "Gold",
            date(2025, 2, 1),
            "nl91 abna 0417 1643 00",
            "J. Jansen",
            "No",
        ]
    )
    buffer = io.BytesIO()
    workbook.save(buffer)
    context = ImportContext.build(
        [PlanInfo("Gold", False, False), PlanInfo("Staff access", True, True)],
        CollectionMethod.SEPA_EXPORT,
        date(2025, 6, 15),
    )

    parsed = parse_import_file(buffer.getvalue(), context)

    assert parsed.issues == ()
    coach, jan = parsed.rows
    assert coach.row_number == 2
    assert coach.is_employee is True
    assert coach.subscription == SubscriptionRequest(
        "Staff access", date(2024, 1, 1), BankAccount("BE68539007547034", "C. Carter")
    )
    assert jan.row_number == 3
    assert jan.email == "Jan.Jansen@example.com"
    assert jan.start_date == date(2025, 1, 1)
    assert jan.birth_date == date(1990, 5, 17)
    assert jan.phone == "+31 6 12345678"
    assert jan.responsible_employee_email == "coach@example.com"
    assert jan.tags == ("morning", "beginner")
    assert jan.is_employee is False
    assert jan.subscription == SubscriptionRequest(
        "Gold", date(2025, 2, 1), BankAccount("NL91ABNA0417164300", "J. Jansen")
    )
    assert parsed.fingerprint is not None
    assert len(parsed.fingerprint) == 64


def test_an_old_plan_name_with_a_control_character_is_listed_readably_and_still_imports() -> None:
    # Billing refuses such names now, but plans named before that still exist.
    old_name = "Gold\x01plus\u2028evening"
    workbook = _load(build_template(["Gold", old_name]))
    listed = [row[0].value for row in workbook["Lists"].iter_rows()]
    assert listed == ["Gold", "Gold plus evening"]
    sheet = workbook["Members"]
    bank = ["NL91ABNA0417164300", "J. Jansen"]
    optional = [None] * 5
    sheet.append(["Jan", "Jansen", "jan@example.com", "2025-01-01", *optional, listed[1], None, *bank])
    buffer = io.BytesIO()
    workbook.save(buffer)
    context = ImportContext.build([PlanInfo(old_name, True, True)], CollectionMethod.SEPA_EXPORT, date(2025, 6, 15))

    parsed = parse_import_file(buffer.getvalue(), context)

    assert parsed.issues == ()
    (jan,) = parsed.rows
    assert jan.subscription is not None
    assert jan.subscription.plan_name == old_name  # billing is asked for the plan by its stored name
