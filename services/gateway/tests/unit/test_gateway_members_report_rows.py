"""The members report's pure parts: rows from the services' answers, filters, sorting, and formula-safe files."""

import csv
import io

import openpyxl
import pytest
from gymloop_gateway.views.report_rows import (
    COLUMNS,
    ReportFilters,
    filter_rows,
    public_row,
    report_rows,
    sort_rows,
)
from gymloop_gateway.views.spreadsheets import to_csv, to_xlsx
from gymloop_kit.errors import InvalidInput

pytestmark = pytest.mark.unit

COACH = "00000000-0000-0000-0000-0000000000c0"


def person(pid, first, last, *, status="active", tags=(), responsible=None, is_member=True):
    return {
        "id": pid,
        "first_name": first,
        "last_name": last,
        "email": f"{first.lower()}@example.org",
        "status": status,
        "is_member": is_member,
        "responsible_employee_id": responsible,
        "tags": [{"id": f"tag-{t}", "name": t} for t in tags],
    }


PEOPLE = [
    person(COACH, "Carla", "Coach", is_member=False),
    person("m1", "anna", "de Vries", tags=("Trial",), responsible=COACH),
    person("m2", "Bram", "Bos", status="archived"),
    person("m3", "Cas", "Claes", tags=("Senior", "trial"), responsible=COACH),
]
ATTENDANCE = {
    "m1": {"average_per_week_12_weeks": 1.5, "last_visit": "2026-11-30", "credits_left": 4},
    "m2": {"average_per_week_12_weeks": 0.0, "last_visit": None, "credits_left": None},
    "m3": {"average_per_week_12_weeks": 2.25, "last_visit": "2026-10-02", "credits_left": 1},
}
BILLING = {
    "m1": {"payment_state": "ok", "plans": [{"plan_id": "p-10", "plan_name": "10-ride card"}]},
    "m2": {"payment_state": "overdue", "plans": []},
    "m3": {
        "payment_state": "ok",
        "plans": [{"plan_id": "p-u", "plan_name": "Unlimited"}, {"plan_id": "p-10", "plan_name": "10-ride card"}],
    },
}


def rows():
    return report_rows(PEOPLE, ATTENDANCE, BILLING)


def test_a_row_per_member_with_every_column_and_the_responsible_employees_name():
    built = {r["member_id"]: public_row(r) for r in rows()}
    assert set(built) == {"m1", "m2", "m3"}  # the employee who is no member is not a row
    assert list(built["m3"]) == list(COLUMNS)
    assert built["m3"] == {
        "member_id": "m3",
        "name": "Cas Claes",
        "email": "cas@example.org",
        "status": "active",
        "plan": "Unlimited, 10-ride card",
        "tags": ["Senior", "trial"],
        "responsible_employee_id": COACH,
        "responsible_employee": "Carla Coach",
        "average_visits_per_week": 2.25,
        "last_visit": "2026-10-02",
        "credits_left": 1,
        "payment_state": "ok",
    }
    assert (built["m2"]["responsible_employee"], built["m2"]["plan"]) == (None, "")


def test_a_service_that_did_not_answer_leaves_its_columns_empty():
    built = {r["member_id"]: r for r in report_rows(PEOPLE, None, BILLING)}
    assert (built["m1"]["last_visit"], built["m1"]["credits_left"], built["m1"]["plan"]) == (None, None, "10-ride card")
    built = {r["member_id"]: r for r in report_rows(PEOPLE, ATTENDANCE, None)}
    assert (built["m1"]["payment_state"], built["m1"]["plan"], built["m1"]["credits_left"]) == (None, None, 4)


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        (ReportFilters(), ["m1", "m2", "m3"]),
        (ReportFilters(status="archived"), ["m2"]),
        (ReportFilters(tag="TRIAL"), ["m1", "m3"]),  # a tag's name, case-insensitively
        (ReportFilters(tag="tag-Senior"), ["m3"]),  # or its id
        (ReportFilters(plan="10-ride card"), ["m1", "m3"]),
        (ReportFilters(plan="p-u"), ["m3"]),
        (ReportFilters(responsible_employee_id=COACH), ["m1", "m3"]),
        (ReportFilters(status="active", tag="trial", plan="unlimited"), ["m3"]),
        (ReportFilters(payment_state="overdue"), ["m2"]),  # the billing page's overdue members
        (ReportFilters(plan="Nothing"), []),
    ],
)
def test_filters_combine(filters, expected):
    assert sorted(r["member_id"] for r in filter_rows(rows(), filters)) == expected


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("name", ["m1", "m2", "m3"]),  # case-insensitive: anna before Bram
        ("-name", ["m3", "m2", "m1"]),
        ("-last_visit", ["m1", "m3", "m2"]),  # never visited: last either way
        ("last_visit", ["m3", "m1", "m2"]),
        ("average_visits_per_week", ["m2", "m1", "m3"]),
        ("-credits_left", ["m1", "m3", "m2"]),
        ("payment_state", ["m1", "m3", "m2"]),  # ties in name order
        ("responsible_employee", ["m1", "m3", "m2"]),
    ],
)
def test_sorting_by_one_column_with_empty_values_last(sort, expected):
    assert [r["member_id"] for r in sort_rows(rows(), sort)] == expected


def test_an_unknown_sort_column_is_refused_naming_the_choices():
    with pytest.raises(InvalidInput) as refused:
        sort_rows(rows(), "-shoe_size")
    assert refused.value.code == "unknown_sort"
    assert refused.value.field == "sort"
    assert "last_visit" in refused.value.message


DANGEROUS = ['=HYPERLINK("http://x")', "+31 6 12345678", "-1", "@SUM(A1)", "\tTab", "\rReturn", "De Vries; =1+1"]


def test_csv_quotes_every_cell_and_keeps_formula_starts_as_text():
    table = [{"member_id": str(i), "name": text, "credits_left": i} for i, text in enumerate(DANGEROUS)]
    content = to_csv(("member_id", "name", "credits_left"), table)
    assert content.startswith("\ufeff".encode())
    text = content.decode("utf-8-sig")
    assert text.splitlines()[0] == '"member_id","name","credits_left"'
    read = list(csv.reader(io.StringIO(text, newline="")))
    assert [r[1] for r in read[1:]] == [
        "'=HYPERLINK(\"http://x\")", "'+31 6 12345678", "'-1", "'@SUM(A1)", "'\tTab", "'\rReturn", "De Vries;' =1+1",
    ]  # fmt: skip
    assert read[2][2] == "1"


def test_xlsx_writes_formula_starts_as_text_cells_and_numbers_and_dates_as_such():
    table = [{"name": text, "credits_left": 3, "last_visit": "2026-11-30", "tags": ["a", "b"]} for text in DANGEROUS]
    content = to_xlsx(("name", "credits_left", "last_visit", "tags"), table, title="Members")
    sheet = openpyxl.load_workbook(io.BytesIO(content))["Members"]
    values = list(sheet.iter_rows(values_only=True))
    assert values[0] == ("name", "credits_left", "last_visit", "tags")
    assert [row[0] for row in values[1:]] == DANGEROUS
    assert all(sheet.cell(row=r, column=1).data_type == "s" for r in range(2, len(DANGEROUS) + 2))
    assert values[1][1] == 3
    assert values[1][2].date().isoformat() == "2026-11-30"
    assert values[1][3] == "a, b"
