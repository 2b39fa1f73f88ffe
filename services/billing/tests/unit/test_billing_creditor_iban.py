from __future__ import annotations

import pytest
from gymloop_billing.domain.creditor import Creditor
from gymloop_billing.domain.creditor_id import creditor_id_checksum_ok, validate_creditor_id
from gymloop_billing.domain.errors import DomainError
from gymloop_billing.domain.iban import validate_iban

pytestmark = pytest.mark.unit

# Computed with ISO 7064 mod 97-10 over '999999999999' + 'NL' + check digits.
VALID_NL_CREDITOR_ID = "NL57ZZZ999999999999"
# The example often quoted in Dutch documentation fails the checksum (remainder 42, not 1).
BAD_CHECKSUM_NL_CREDITOR_ID = "NL98ZZZ999999999999"
BUNDESBANK_EXAMPLE = "DE98ZZZ09999999999"


def test_valid_creditor_ids() -> None:
    assert validate_creditor_id(VALID_NL_CREDITOR_ID) == VALID_NL_CREDITOR_ID
    assert validate_creditor_id(BUNDESBANK_EXAMPLE) == BUNDESBANK_EXAMPLE
    assert validate_creditor_id(" nl57 zzz 9999 9999 9999 ") == VALID_NL_CREDITOR_ID


def test_business_code_is_not_part_of_the_checksum() -> None:
    assert validate_creditor_id("NL57ABC999999999999") == "NL57ABC999999999999"
    assert creditor_id_checksum_ok("DE98XYZ09999999999")


def test_bad_checksum_rejected() -> None:
    with pytest.raises(DomainError) as caught:
        validate_creditor_id(BAD_CHECKSUM_NL_CREDITOR_ID)
    assert caught.value.code == "creditor_id_checksum"
    assert caught.value.field == "creditor_id"
    assert "checksum" in caught.value.message


def test_single_digit_typo_rejected() -> None:
    with pytest.raises(DomainError) as caught:
        validate_creditor_id("NL57ZZZ999999999998")
    assert caught.value.code == "creditor_id_checksum"


@pytest.mark.parametrize("value", ["", "NL57", "57NLZZZ999999999999", "NL5AZZZ999999999999", "NL57ZZZ" + "9" * 29])
def test_bad_layout_rejected(value: str) -> None:
    with pytest.raises(DomainError) as caught:
        validate_creditor_id(value)
    assert caught.value.code == "creditor_id_format"


def test_valid_iban_is_compacted() -> None:
    assert validate_iban("nl91 abna 0417 1643 00") == "NL91ABNA0417164300"


def test_iban_with_bad_checksum_rejected() -> None:
    with pytest.raises(DomainError) as caught:
        validate_iban("NL91ABNA0417164301")
    assert caught.value.code == "iban_checksum"
    assert caught.value.field == "iban"
    assert "NL91ABNA0417164301" in caught.value.message


@pytest.mark.parametrize(
    ("value", "code"),
    [("", "iban_required"), ("XX91ABNA0417164300", "iban_country"), ("NL91ABNA04171643", "iban_length")],
)
def test_other_iban_errors(value: str, code: str) -> None:
    with pytest.raises(DomainError) as caught:
        validate_iban(value, field="creditor_iban")
    assert caught.value.code == code
    assert caught.value.field == "creditor_iban"


def test_creditor_create_normalises() -> None:
    creditor = Creditor.create(
        name="Sportschool Zoë & Co",
        iban="NL91 ABNA 0417 1643 00",
        creditor_id="nl57zzz999999999999",
        bic="abnanl2a",
    )
    assert creditor.name == "Sportschool Zoe + Co"
    assert creditor.iban == "NL91ABNA0417164300"
    assert creditor.creditor_id == VALID_NL_CREDITOR_ID
    assert creditor.bic == "ABNANL2A"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"iban": "NL91ABNA0417164301"}, "creditor_iban"),
        ({"creditor_id": BAD_CHECKSUM_NL_CREDITOR_ID}, "creditor_id"),
        ({"bic": "ABN"}, "bic"),
        ({"currency": "USD"}, "currency"),
        ({"name": "Клуб"}, "creditor_name"),
    ],
)
def test_creditor_create_rejects(overrides: dict[str, str], field: str) -> None:
    fields = {"name": "Studio", "iban": "NL91ABNA0417164300", "creditor_id": VALID_NL_CREDITOR_ID}
    fields.update(overrides)
    with pytest.raises(DomainError) as caught:
        Creditor.create(**fields)
    assert caught.value.field == field
