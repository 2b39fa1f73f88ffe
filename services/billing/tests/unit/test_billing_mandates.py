from __future__ import annotations

from datetime import date
from uuid import uuid4

import pytest
from gymloop_billing.domain.errors import DomainError
from gymloop_billing.domain.mandates import Mandate, SequenceType, mandate_problems

pytestmark = pytest.mark.unit

TODAY = date(2027, 4, 1)


def mandate(**overrides: object) -> Mandate:
    fields: dict[str, object] = {
        "mandate_reference": "GL-M-0001",
        "member_id": uuid4(),
        "iban": "NL91ABNA0417164300",
        "account_holder": "Zoë Müller",
        "signed_on": date(2027, 3, 1),
    }
    fields.update(overrides)
    return Mandate(**fields)  # type: ignore[arg-type]


def test_first_collection_is_frst_then_rcur() -> None:
    fresh = mandate()
    assert fresh.next_sequence_type is SequenceType.FIRST
    collected = fresh.record_collection()
    assert collected.next_sequence_type is SequenceType.RECURRING
    assert collected.record_collection().next_sequence_type is SequenceType.RECURRING


def test_changed_iban_makes_next_collection_frst() -> None:
    collected = mandate().record_collection()
    moved = collected.change_iban("DE89 3704 0044 0532 0130 00")
    assert moved.iban == "DE89370400440532013000"
    assert moved.next_sequence_type is SequenceType.FIRST
    assert moved.record_collection().next_sequence_type is SequenceType.RECURRING


def test_reformatting_the_same_iban_keeps_rcur() -> None:
    collected = mandate().record_collection()
    same = collected.change_iban("nl91 abna 0417 1643 00")
    assert same.next_sequence_type is SequenceType.RECURRING


def test_change_to_invalid_iban_rejected() -> None:
    with pytest.raises(DomainError) as caught:
        mandate().change_iban("NL91ABNA0417164301")
    assert caught.value.code == "iban_checksum"


def test_create_validates_and_compacts() -> None:
    created = Mandate.create(
        mandate_reference="GL-M-0002",
        member_id=uuid4(),
        iban="nl91 abna 0417 1643 00",
        account_holder="A. de Vries",
        signed_on=date(2027, 3, 31),
        today=TODAY,
    )
    assert created.iban == "NL91ABNA0417164300"


@pytest.mark.parametrize(
    ("overrides", "code", "field"),
    [
        ({"signed_on": None}, "mandate_signature_missing", "signed_on"),
        ({"signed_on": date(2027, 4, 2)}, "mandate_signature_in_future", "signed_on"),
        ({"iban": "NL91ABNA0417164301"}, "iban_checksum", "iban"),
        ({"mandate_reference": "M" * 36}, "identifier_too_long", "mandate_reference"),
        ({"mandate_reference": "GL M 1"}, "identifier_invalid_characters", "mandate_reference"),
        ({"account_holder": "Иван"}, "text_not_epc", "account_holder"),
    ],
)
def test_create_rejects(overrides: dict[str, object], code: str, field: str) -> None:
    fields: dict[str, object] = {
        "mandate_reference": "GL-M-0003",
        "member_id": uuid4(),
        "iban": "NL91ABNA0417164300",
        "account_holder": "Anna",
        "signed_on": date(2027, 3, 1),
        "today": TODAY,
    }
    fields.update(overrides)
    with pytest.raises(DomainError) as caught:
        Mandate.create(**fields)  # type: ignore[arg-type]
    assert caught.value.code == code
    assert caught.value.field == field


def test_signature_today_is_fine() -> None:
    assert mandate_problems(mandate(signed_on=TODAY), TODAY) == []


def test_mandate_problems_lists_every_problem() -> None:
    problems = mandate_problems(mandate(signed_on=None, iban="NL91ABNA0417164301"), TODAY)
    assert [p.code for p in problems] == ["iban_checksum", "mandate_signature_missing"]
