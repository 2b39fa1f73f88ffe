"""File-level safety: size, zip bombs, XML entities, formulas as text, row limit, blank rows."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from typing import Any

import openpyxl
import pytest
from gymloop_importer.domain import workbook_reader
from gymloop_importer.domain.errors import UploadRejected
from gymloop_importer.domain.import_context import ImportContext
from gymloop_importer.domain.import_file import parse_import_file
from gymloop_importer.domain.safety import DEFAULT_LIMITS, MIB, UploadLimits, check_upload
from openpyxl import Workbook
from openpyxl.worksheet.formula import ArrayFormula

pytestmark = pytest.mark.unit


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def _rewrite_member(data: bytes, name: str, change: Callable[[bytes], bytes]) -> bytes:
    with zipfile.ZipFile(io.BytesIO(data)) as source:
        members = {info.filename: source.read(info) for info in source.infolist()}
    members[name] = change(members[name])
    return _zip(members)


@pytest.fixture
def openpyxl_must_not_load(monkeypatch: pytest.MonkeyPatch) -> None:
    """Unsafe uploads must be refused before openpyxl parses anything."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("openpyxl.load_workbook was called on an unsafe upload")

    monkeypatch.setattr(workbook_reader.openpyxl, "load_workbook", refuse)


def test_openpyxl_parses_through_defusedxml() -> None:
    assert openpyxl.DEFUSEDXML is True


@pytest.mark.usefixtures("openpyxl_must_not_load")
def test_oversize_upload_is_rejected_with_size_and_limit(context: ImportContext) -> None:
    data = b"PK" + b"\x00" * (6 * MIB)

    with pytest.raises(UploadRejected) as rejected:
        parse_import_file(data, context)

    assert rejected.value.code == "file_too_large"
    assert rejected.value.field == "file"
    assert rejected.value.message == (
        "The file is 6.1 MB, more than the limit of 5.0 MB: remove images and unused sheets, or split the "
        "members over several files."
    )


def test_upload_just_over_the_limit_never_reads_as_equal_to_it() -> None:
    with pytest.raises(UploadRejected) as rejected:
        check_upload(b"x" * (5 * MIB + 1))

    assert rejected.value.message.startswith("The file is 5.1 MB, more than the limit of 5.0 MB")


def test_upload_at_the_limit_passes_the_size_check_and_fails_only_as_non_zip() -> None:
    with pytest.raises(UploadRejected) as rejected:
        check_upload(b"x" * (5 * MIB))

    assert rejected.value.code == "not_xlsx"


@pytest.mark.parametrize(
    ("data", "code"),
    [
        pytest.param(b"", "file_empty", id="empty"),
        pytest.param(b"first name;last name\nJan;Jansen\n", "not_xlsx", id="csv-text"),
        pytest.param(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512, "not_xlsx", id="old-xls"),
    ],
)
@pytest.mark.usefixtures("openpyxl_must_not_load")
def test_non_workbooks_are_rejected_before_parsing(data: bytes, code: str, context: ImportContext) -> None:
    with pytest.raises(UploadRejected) as rejected:
        parse_import_file(data, context)

    assert rejected.value.code == code


@pytest.mark.usefixtures("openpyxl_must_not_load")
def test_zip_bomb_is_rejected_on_declared_ratio_before_openpyxl(context: ImportContext) -> None:
    bomb = _zip({"[Content_Types].xml": b"<Types/>", "xl/worksheets/sheet1.xml": b"\x00" * (20 * MIB)})
    assert len(bomb) < 100_000  # small on the wire, 20 MB unpacked

    with pytest.raises(UploadRejected) as rejected:
        parse_import_file(bomb, context)

    assert rejected.value.code == "zip_bomb"
    assert rejected.value.message.startswith("The workbook part 'xl/worksheets/sheet1.xml' expands ")
    assert "times when unpacked (at most 100 is accepted)" in rejected.value.message


@pytest.mark.usefixtures("openpyxl_must_not_load")
def test_archive_unpacking_beyond_the_total_limit_is_rejected(
    xlsx: Callable[..., bytes], row: Callable[..., dict[str, Any]], context: ImportContext
) -> None:
    data = xlsx([row()])
    limits = UploadLimits(max_uncompressed_bytes=4096)

    with pytest.raises(UploadRejected) as rejected:
        parse_import_file(data, context, limits)

    assert rejected.value.code == "zip_bomb"
    assert "at most 0.1 MB is accepted" in rejected.value.message


@pytest.mark.usefixtures("openpyxl_must_not_load")
def test_archive_with_too_many_parts_is_rejected(context: ImportContext) -> None:
    data = _zip({f"part{number}.xml": b"<a/>" for number in range(12)})

    with pytest.raises(UploadRejected) as rejected:
        parse_import_file(data, context, UploadLimits(max_zip_members=10))

    assert rejected.value.code == "zip_too_many_members"
    assert rejected.value.message.startswith("The workbook has 12 internal parts; at most 10 are accepted.")


def test_xml_entity_declarations_are_refused(
    xlsx: Callable[..., bytes], row: Callable[..., dict[str, Any]], context: ImportContext
) -> None:
    def add_entities(xml: bytes) -> bytes:
        doctype = b'<!DOCTYPE worksheet [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>'
        return xml.replace(b"<worksheet", doctype + b"<worksheet", 1)

    data = _rewrite_member(xlsx([row()]), "xl/worksheets/sheet1.xml", add_entities)

    with pytest.raises(UploadRejected) as rejected:
        parse_import_file(data, context)

    assert rejected.value.code == "unsafe_xml"


def test_zip_that_is_not_a_workbook_is_unreadable(context: ImportContext) -> None:
    with pytest.raises(UploadRejected) as rejected:
        parse_import_file(_zip({"notes.txt": b"hello"}), context)

    assert rejected.value.code == "unreadable_xlsx"
    assert rejected.value.message == (
        "The workbook could not be read: open it in Excel, save it as 'Excel Workbook (*.xlsx)' and try again."
    )


def test_formula_in_a_text_column_is_taken_as_literal_text(
    xlsx: Callable[..., bytes], row: Callable[..., dict[str, Any]], context: ImportContext
) -> None:
    formula = '=HYPERLINK("http://evil.example","Jan")'
    data = xlsx([row(first_name=formula, address="=1+1")])
    stored = openpyxl.load_workbook(io.BytesIO(data))["Members"]
    assert stored["A2"].data_type == "f"  # the file really holds formulas, not strings

    parsed = parse_import_file(data, context)

    assert parsed.issues == ()
    assert parsed.rows[0].first_name == formula
    assert parsed.rows[0].address == "=1+1"


def test_array_formula_is_taken_as_text_and_refused_in_an_email_column(context: ImportContext) -> None:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "Members"
    sheet.append(["First name *", "Last name *", "E-mail *", "Start date *"])
    sheet.append(["Jan", "Jansen", None, "2025-01-01"])
    sheet["C2"] = ArrayFormula("C2:C2", '=LOWER("JAN@EXAMPLE.COM")')
    buffer = io.BytesIO()
    workbook.save(buffer)

    issues = parse_import_file(buffer.getvalue(), context).issues

    assert [str(issue) for issue in issues] == [
        "Row 2, column C (E-mail *): the cell holds the formula '=LOWER(\"JAN@EXAMPLE.COM\")', which is not "
        "evaluated: type the e-mail address itself"
    ]


def test_row_limit_rejects_one_row_too_many(
    xlsx: Callable[..., bytes], row: Callable[..., dict[str, Any]], context: ImportContext
) -> None:
    rows = [row(email=f"member{number}@example.com") for number in range(21)]

    with pytest.raises(UploadRejected) as rejected:
        parse_import_file(xlsx(rows), context, UploadLimits(max_rows=20))

    assert rejected.value.code == "too_many_rows"
    assert rejected.value.message == (
        "The file has more than 20 member rows: split it into files of at most 20 rows and import them one "
        "after the other."
    )
    accepted = parse_import_file(xlsx(rows[:20]), context, UploadLimits(max_rows=20))
    assert len(accepted.rows) == 20


def test_default_row_limit_is_ten_thousand(context: ImportContext) -> None:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Members")
    sheet.append(["E-mail *"])
    for number in range(DEFAULT_LIMITS.max_rows + 1):
        sheet.append([f"m{number}@example.com"])
    buffer = io.BytesIO()
    workbook.save(buffer)

    with pytest.raises(UploadRejected) as rejected:
        parse_import_file(buffer.getvalue(), context)

    assert rejected.value.message.startswith("The file has more than 10,000 member rows")


def test_blank_rows_do_not_count_and_keep_excel_row_numbers(context: ImportContext) -> None:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "Members"
    sheet.append(["First name *", "Last name *", "E-mail *", "Start date *"])
    sheet.append(["Jan", "Jansen", "jan@example.com", "2025-01-01"])
    sheet.append([None, "   ", None, ""])  # looks empty to the user
    sheet.append(["Piet", "Pieters", "piet@example", "2025-01-01"])
    for number in range(5, 400):  # formatted but empty trailing rows, as Excel leaves them
        sheet.cell(row=number, column=3).number_format = "@"
    buffer = io.BytesIO()
    workbook.save(buffer)

    parsed = parse_import_file(buffer.getvalue(), context, UploadLimits(max_rows=2))

    assert [member.row_number for member in parsed.validated] == [2, 4]
    assert [issue.location for issue in parsed.issues] == ["Row 4, column C (E-mail *)"]


def test_member_sheet_is_found_by_name_whatever_its_position(context: ImportContext) -> None:
    workbook = Workbook()
    notes = workbook.active
    assert notes is not None
    notes.title = "Notes"
    notes.append(["this is not the member sheet"])
    members = workbook.create_sheet("Members")
    members.append(["First name *", "Last name *", "E-mail *", "Start date *"])
    members.append(["Jan", "Jansen", "jan@example.com", "2025-01-01"])
    buffer = io.BytesIO()
    workbook.save(buffer)

    parsed = parse_import_file(buffer.getvalue(), context)

    assert [r.email for r in parsed.rows] == ["jan@example.com"]
