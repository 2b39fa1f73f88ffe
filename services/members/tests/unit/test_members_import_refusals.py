import pytest
from gymloop_members.domain.errors import DomainConflict, DomainError
from gymloop_members.domain.member_import import check_import_may_overwrite, refusal_of
from gymloop_members.domain.profile import check_length

pytestmark = pytest.mark.unit


def test_an_import_overwrites_members_and_employees():
    check_import_may_overwrite(email="m@gym.example.com", role="member", status="active")
    check_import_may_overwrite(email="e@gym.example.com", role="employee", status="active")


def test_an_import_never_overwrites_an_admin():
    with pytest.raises(DomainConflict) as error:
        check_import_may_overwrite(email="owner@gym.example.com", role="admin", status="active")
    assert (error.value.code, error.value.field) == ("import_overwrites_admin", "email")
    assert "owner@gym.example.com" in error.value.message


def test_an_import_never_overwrites_an_archived_member():
    with pytest.raises(DomainConflict) as error:
        check_import_may_overwrite(email="gone@gym.example.com", role="member", status="archived")
    assert (error.value.code, error.value.field) == ("import_member_archived", "email")


def test_a_refusal_names_the_row_the_column_and_what_to_change():
    refusal = refusal_of(
        code="tag_name_too_long", field="name", message="tag 'x' is longer than 40 characters", row_number=7
    )
    assert refusal.code == "tag_name_too_long"
    assert refusal.field == "tags"  # the import row's field, not the tag check's own input name
    assert refusal.message == (
        "Row 7: tag 'x' is longer than 40 characters; correct column 'Tags' of row 7 and import the file again."
    )


def test_use_case_fields_are_renamed_to_the_import_rows_fields():
    responsible = refusal_of(
        code="responsible_is_self",
        field="responsible_employee_id",
        message="a member cannot be their own responsible employee",
        row_number=3,
    )
    assert responsible.field == "responsible_employee_email"
    assert "column 'Responsible employee'" in responsible.message
    assert refusal_of(code="role_unknown", field="role", message="m", row_number=2).field == "is_employee"


def test_refusals_that_are_not_about_a_cell_say_what_to_do_instead():
    admin = refusal_of(code="import_overwrites_admin", field="email", message="a@b.example is an admin", row_number=4)
    assert admin.message.startswith("Row 4: a@b.example is an admin; remove row 4 from the file")
    archived = refusal_of(code="import_member_archived", field="email", message="archived", row_number=5)
    assert "unarchive the member first" in archived.message
    studio = refusal_of(code="studio_unknown", field=None, message="no such studio", row_number=6)
    assert studio.field is None
    assert "logged in to the studio" in studio.message
    other = refusal_of(code="something", field=None, message="no good.", row_number=8)
    assert other.message == "Row 8: no good; correct row 8 and import the file again."


def test_free_text_is_bounded():
    check_length(None, field="phone", limit=40)
    check_length("  " + "1" * 40 + "  ", field="phone", limit=40)
    with pytest.raises(DomainError) as error:
        check_length("1" * 41, field="phone", limit=40)
    assert (error.value.code, error.value.field) == ("text_too_long", "phone")
    assert error.value.message == "phone has 41 characters, at most 40 are allowed"
