import pytest
from gymloop_members.domain.errors import DomainError
from gymloop_members.domain.passwords import check_password_strength, email_name_parts

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("password", "code"),
    [
        ("Short1!", "password_too_short"),
        ("abcdefghijkl", "password_one_kind"),
        ("123456789012", "password_one_kind"),
        ("!!!!!!!!!!!!", "password_one_kind"),
        ("Password123", "password_common"),
        ("x" * 300 + "A1", "password_too_long"),
    ],
)
def test_weak_passwords_are_refused_with_a_reason(password, code):
    with pytest.raises(DomainError) as error:
        check_password_strength(password)
    assert error.value.code == code
    assert error.value.field == "password"
    assert error.value.message


@pytest.mark.parametrize(
    "password", ["Kettlebell-42-swing", "correct horse battery 9", "zwemmen2026", "Ünïcødé-wachtwoord"]
)
def test_strong_passwords_pass(password):
    check_password_strength(password, "anna.jansen@gym.example.com")


@pytest.mark.parametrize("password", ["Annajansen-2026", "my-JANSEN-pass1", "anna.jansen!!1"])
def test_a_password_built_from_the_email_name_is_refused(password):
    with pytest.raises(DomainError) as error:
        check_password_strength(password, "anna.jansen@gym.example.com", field="new_password")
    assert error.value.code == "password_contains_email"
    assert error.value.field == "new_password"


def test_email_name_parts_ignore_punctuation_and_short_words():
    assert email_name_parts("anna.jansen+gym@x.nl") == ["annajansengym", "anna", "jansen"]
    assert email_name_parts("bo@x.nl") == []
    assert email_name_parts("bob@x.nl") == ["bob"]
