from __future__ import annotations

import pytest
from gymloop_billing.domain.epc_text import (
    EPC_ALLOWED,
    is_epc_text,
    to_epc_text,
    validate_sepa_identifier,
)
from gymloop_billing.domain.errors import DomainError

pytestmark = pytest.mark.unit


def test_accented_name_is_transliterated() -> None:
    result = to_epc_text("Zoë Müller", field="name", max_length=70)
    assert result.text == "Zoe Muller"
    assert result.transliterated
    assert not result.ampersand_replaced


def test_ampersand_becomes_plus_and_is_flagged() -> None:
    result = to_epc_text("Jansen & Zonen", field="name", max_length=70)
    assert result.text == "Jansen + Zonen"
    assert result.ampersand_replaced


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Straße", "Strasse"),
        ("Søren Ærø", "Soren AEro"),
        ("Łukasz Wałęsa", "Lukasz Walesa"),
        ("François Œuvre", "Francois OEuvre"),
        ("O\u2019Brien", "O'Brien"),
        ("Anna\u2013Lena", "Anna-Lena"),
        ("  Anna \t  de   Vries \n", "Anna de Vries"),
        ("José Ñúñez", "Jose Nunez"),
    ],
)
def test_transliteration_table(raw: str, expected: str) -> None:
    assert to_epc_text(raw, field="name", max_length=70).text == expected


@pytest.mark.parametrize("raw", ["Иван Петров", "Anna 🏋", "mail@example.org", "a_b", "50% off", "名前"])
def test_untransliterable_text_is_rejected_with_the_characters(raw: str) -> None:
    with pytest.raises(DomainError) as caught:
        to_epc_text(raw, field="name", max_length=70)
    assert caught.value.code == "text_not_epc"
    assert caught.value.field == "name"
    assert "replace them" in caught.value.message


def test_empty_text_rejected() -> None:
    with pytest.raises(DomainError) as caught:
        to_epc_text("   ", field="name", max_length=70)
    assert caught.value.code == "text_required"


@pytest.mark.parametrize("raw", ["\u00b8", " \u00b8 ", "\u00b8\u00b8"])
def test_text_that_transliterates_to_nothing_is_rejected(raw: str) -> None:
    with pytest.raises(DomainError) as error:
        to_epc_text(raw, field="name", max_length=70, truncate=True)
    assert error.value.code == "text_required"


def test_too_long_is_an_error_unless_truncation_is_allowed() -> None:
    long_name = "A" * 71
    with pytest.raises(DomainError) as caught:
        to_epc_text(long_name, field="name", max_length=70)
    assert caught.value.code == "text_too_long"
    assert "70" in caught.value.message
    result = to_epc_text(long_name, field="name", max_length=70, truncate=True)
    assert result.text == "A" * 70
    assert result.truncated


def test_exactly_max_length_is_fine() -> None:
    assert not to_epc_text("B" * 140, field="remittance", max_length=140).truncated


def test_every_allowed_character_passes_unchanged() -> None:
    text = "".join(sorted(EPC_ALLOWED - {" "}))
    result = to_epc_text(text, field="remittance", max_length=140)
    assert result.text == text
    assert not result.transliterated
    assert is_epc_text(text)
    assert not is_epc_text("a&b")


@pytest.mark.parametrize("value", ["MANDATE-0001", "GL/2027/04", "a" * 35, "x?:().,'+"])
def test_valid_identifiers(value: str) -> None:
    assert validate_sepa_identifier(value, field="mandate_reference") == value


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("", "identifier_required"),
        ("a" * 36, "identifier_too_long"),
        ("MANDATE 1", "identifier_invalid_characters"),
        ("MANDATE_1", "identifier_invalid_characters"),
        ("MANDAAT-Ü", "identifier_invalid_characters"),
        ("/MANDATE", "identifier_invalid_slashes"),
        ("MANDATE/", "identifier_invalid_slashes"),
        ("MAN//DATE", "identifier_invalid_slashes"),
    ],
)
def test_invalid_identifiers(value: str, code: str) -> None:
    with pytest.raises(DomainError) as caught:
        validate_sepa_identifier(value, field="mandate_reference")
    assert caught.value.code == code
    assert caught.value.field == "mandate_reference"
