"""The studio export's ZIP: CSV and JSON per dataset, formula-safe cells, and a README naming every column."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from datetime import UTC, datetime

import pytest
from gymloop_importer.domain.export_archive import ExportedDataset, build_archive

PEOPLE = ExportedDataset(
    service="members",
    name="people",
    description="Members and staff",
    columns=(("member_id", "the person's id"), ("first_name", "first name"), ("tags", "tags as JSON")),
    records=(
        {"member_id": "m1", "first_name": '=HYPERLINK("x")', "tags": ["a"]},
        {"member_id": "m2", "first_name": "Zoë", "tags": None},
    ),
)
PAYMENTS = ExportedDataset(
    service="billing",
    name="payments",
    description="The payments ledger",
    columns=(("payment_id", "the payment's id"), ("succeeded", "paid")),
    records=({"payment_id": "p1", "succeeded": True},),
)
MADE_AT = datetime(2026, 12, 3, 10, 0, tzinfo=UTC)


def opened() -> zipfile.ZipFile:
    return zipfile.ZipFile(io.BytesIO(build_archive([PEOPLE, PAYMENTS], "Studio A", MADE_AT)))


@pytest.mark.unit
def test_every_dataset_comes_as_csv_and_json_beside_the_readme():
    assert sorted(opened().namelist()) == [
        "README.md",
        "billing/payments.csv",
        "billing/payments.json",
        "members/people.csv",
        "members/people.json",
    ]


@pytest.mark.unit
def test_csv_cells_never_start_a_formula_and_json_keeps_the_values():
    archive = opened()
    rows = list(csv.reader(io.StringIO(archive.read("members/people.csv").decode("utf-8-sig"))))
    assert rows == [["member_id", "first_name", "tags"], ["m1", '\'=HYPERLINK("x")', '["a"]'], ["m2", "Zoë", ""]]
    assert json.loads(archive.read("members/people.json")) == list(PEOPLE.records)
    payments = list(csv.reader(io.StringIO(archive.read("billing/payments.csv").decode("utf-8-sig"))))
    assert payments[1] == ["p1", "true"]


@pytest.mark.unit
def test_the_readme_describes_every_file_and_column():
    text = opened().read("README.md").decode()
    assert "# Studio export: Studio A" in text
    assert "## members/people.csv / .json" in text
    assert "Members and staff (2 rows)." in text
    for name, meaning in (*PEOPLE.columns, *PAYMENTS.columns):
        assert f"| {name} | {meaning} |" in text
