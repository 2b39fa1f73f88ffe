from datetime import UTC, date, datetime, timedelta

import pytest
from gymloop_members.domain.attachments import PHOTO_TYPES, check_attachment, clean_filename
from gymloop_members.domain.checklists import check_template
from gymloop_members.domain.errors import DomainConflict, DomainError
from gymloop_members.domain.profile import check_birth_date, check_self_edit, normalize_email
from gymloop_members.domain.roles import check_keeps_an_admin, parse_role
from gymloop_members.domain.status import check_can_archive, check_can_unarchive
from gymloop_members.domain.tags import check_color, check_tag_name
from gymloop_members.domain.tokens import check_one_time_token, hash_token, new_token, refresh_verdict

pytestmark = pytest.mark.unit

NOW = datetime(2026, 3, 1, tzinfo=UTC)
PDF = b"%PDF-1.7 ..."
PNG = b"\x89PNG\r\n\x1a\n...."


def test_email_is_checked_and_lower_cased():
    assert normalize_email("  Anna.Jansen@Gym.Example.COM ") == "anna.jansen@gym.example.com"
    with pytest.raises(DomainError) as error:
        normalize_email("anna@")
    assert (error.value.code, error.value.field) == ("email_invalid", "email")


def test_birth_date_rules():
    check_birth_date(date(1990, 5, 1), today=date(2026, 3, 1))
    check_birth_date(None, today=date(2026, 3, 1))
    with pytest.raises(DomainError, match="in the future"):
        check_birth_date(date(2026, 3, 2), today=date(2026, 3, 1))
    with pytest.raises(DomainError, match="130 years"):
        check_birth_date(date(1850, 1, 1), today=date(2026, 3, 1))


def test_a_member_edits_only_personal_fields():
    check_self_edit({"phone", "address", "birth_date"})
    with pytest.raises(DomainError) as error:
        check_self_edit({"phone", "start_date"})
    assert error.value.field == "start_date"


def test_roles():
    assert parse_role("employee") == "employee"
    with pytest.raises(DomainError) as error:
        parse_role("owner")
    assert (error.value.code, error.value.field) == ("role_unknown", "role")
    check_keeps_an_admin("admin", "employee", other_active_admins=1)
    check_keeps_an_admin("employee", "member", other_active_admins=0)
    with pytest.raises(DomainConflict):
        check_keeps_an_admin("admin", "member", other_active_admins=0)


def test_archive_moves():
    check_can_archive("active")
    check_can_unarchive("archived")
    with pytest.raises(DomainConflict):
        check_can_archive("archived")
    with pytest.raises(DomainConflict):
        check_can_unarchive("active")


@pytest.mark.parametrize(
    ("content_type", "data", "code"),
    [
        ("application/pdf", b"", "file_empty"),
        ("application/pdf", PDF + b"x" * 100, "file_too_large"),
        ("text/plain", b"hello", "file_type_not_allowed"),
        (None, PDF, "file_type_not_allowed"),
        ("application/pdf", PNG, "file_content_mismatch"),
        ("image/jpeg", PNG, "file_content_mismatch"),
    ],
)
def test_attachment_refusals(content_type, data, code):
    with pytest.raises(DomainError) as error:
        check_attachment(content_type=content_type, data=data, max_bytes=50)
    assert (error.value.code, error.value.field) == (code, "file")


def test_attachments_accepted_by_content():
    assert check_attachment(content_type="application/pdf; charset=binary", data=PDF, max_bytes=50) == "application/pdf"
    assert check_attachment(content_type="image/png", data=PNG, max_bytes=50, allowed=PHOTO_TYPES) == "image/png"
    with pytest.raises(DomainError):
        check_attachment(content_type="application/pdf", data=PDF, max_bytes=50, allowed=PHOTO_TYPES)


def test_filenames_lose_their_path():
    assert clean_filename("C:\\Users\\x\\contract.pdf") == "contract.pdf"
    assert clean_filename("../../etc/passwd") == "passwd"
    assert clean_filename(None) == "file"


def test_tags_and_checklists():
    assert check_tag_name("  first   session ") == "first session"
    assert check_color("#AABBCC") == "#aabbcc"
    with pytest.raises(DomainError):
        check_color("red")
    with pytest.raises(DomainError):
        check_tag_name(" ")
    assert check_template(" New  member ", ["Intake ", " Tour"]) == ("New member", ["Intake", "Tour"])
    with pytest.raises(DomainError) as error:
        check_template("X", ["ok", " "])
    assert "action 2" in error.value.message


def test_tokens_are_random_and_stored_as_sha256():
    token, stored = new_token()
    other, _ = new_token()
    assert token != other
    assert len(token) >= 43
    assert stored == hash_token(token)
    assert token not in stored
    assert len(stored) == 64


def test_refresh_verdicts():
    later = NOW + timedelta(days=1)
    assert refresh_verdict(used_at=None, revoked_at=None, expires_at=later, now=NOW) == "valid"
    assert refresh_verdict(used_at=NOW, revoked_at=None, expires_at=later, now=NOW) == "reused"
    assert refresh_verdict(used_at=NOW, revoked_at=NOW, expires_at=later, now=NOW) == "revoked"
    assert refresh_verdict(used_at=None, revoked_at=None, expires_at=NOW, now=NOW) == "expired"


def test_one_time_tokens():
    check_one_time_token(used_at=None, expires_at=NOW + timedelta(minutes=1), now=NOW)
    with pytest.raises(DomainError, match="already used"):
        check_one_time_token(used_at=NOW, expires_at=NOW + timedelta(minutes=1), now=NOW)
    with pytest.raises(DomainError, match="expired"):
        check_one_time_token(used_at=None, expires_at=NOW, now=NOW)
